//! Compiles `proto/laa/v1/*.proto` with the protoc shipped by the
//! `protoc-bin-vendored` crate, so the build needs no system protoc, and
//! writes the descriptor set that server reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let protos: Vec<PathBuf> = ["resources", "indicators", "areas", "agreements", "audit"]
        .iter()
        .map(|p| root.join(format!("laa/v1/{p}.proto")))
        .collect();
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let well_known = protoc_bin_vendored::include_path()?;
    tonic_prost_build::configure()
        .file_descriptor_set_path(out.join("laa_v1_descriptor.bin"))
        .compile_with_config(config, &protos, &[root, well_known])?;
    Ok(())
}
