//! The `laa.v1` gRPC contract, generated from `proto/laa/v1/*.proto`.
//!
//! Messages, the four services' server traits and clients, and the encoded
//! file descriptor set that server reflection serves. The hand-written
//! conversions between these messages and the domain live in `laa-server`.

#![allow(
    missing_docs,
    clippy::large_enum_variant,
    clippy::doc_overindented_list_items
)]

/// The generated `laa.v1` package.
pub mod v1 {
    tonic::include_proto!("laa.v1");

    /// The encoded file descriptor set of `laa.v1`, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("laa_v1_descriptor");
}
