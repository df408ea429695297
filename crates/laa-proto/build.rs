//! Compiles `proto/laa/v1/*.proto` with the protoc shipped by the
//! `protoc-bin-vendored` crate, so the build needs no system protoc, and
//! writes the descriptor set that server reflection serves. Every method
//! uses `codec::EdgeCodec`, which checks a request's strings on decoding.
//!
//! A second pass generates the same messages once more, with serde
//! implementations of the proto3 JSON mapping (pbjson), into `json/`: the
//! wire types keep `prost_types` for the server, the JSON twins use
//! `pbjson_types` for the well-known types.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let protos: Vec<PathBuf> = [
        "resources",
        "indicators",
        "areas",
        "agreements",
        "audit",
        "rounds",
        "performance",
    ]
    .iter()
    .map(|p| root.join(format!("laa/v1/{p}.proto")))
    .collect();
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let well_known = protoc_bin_vendored::include_path()?;
    let includes = [root, well_known];

    let mut config = tonic_prost_build::Config::new();
    // Type names let the codec find a decoded message in the descriptor set.
    config.protoc_executable(&protoc).enable_type_names();
    // Written by hand so that a server can send rows kept encoded
    // (`performance_page.rs`); the JSON twin below is generated as usual.
    config.extern_path(
        ".laa.v1.ListPerformanceResponse",
        "crate::performance_page::ListPerformanceResponse",
    );
    tonic_prost_build::configure()
        .file_descriptor_set_path(out.join("laa_v1_descriptor.bin"))
        .codec_path("crate::codec::EdgeCodec")
        .compile_with_config(config, &protos, &includes)?;

    let json = out.join("json");
    std::fs::create_dir_all(&json)?;
    let descriptors = json.join("descriptor.bin");
    let mut config = tonic_prost_build::Config::new();
    config
        .protoc_executable(&protoc)
        .out_dir(&json)
        .file_descriptor_set_path(&descriptors)
        .compile_well_known_types()
        .extern_path(".google.protobuf", "::pbjson_types")
        .compile_protos(&protos, &includes)?;
    pbjson_build::Builder::new()
        .register_descriptors(&std::fs::read(&descriptors)?)?
        .out_dir(&json)
        .emit_fields()
        .build(&[".laa.v1"])?;
    Ok(())
}
