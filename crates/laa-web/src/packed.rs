//! A public record packed: written as JSON and gzipped, for the records of
//! rounds no page shows by default ([`crate::reading`]). A closed round's
//! record is about 125 KB in memory and a few kilobytes packed; unpacking
//! it is a small fraction of publishing it again from its history (reading
//! and replaying a few hundred events).
//!
//! JSON, because the record's types already read and write it (the store
//! keeps agreement states so) and `serde_json` is here for the open data;
//! gzip at its fastest level, because packing happens on the pages' first
//! reading and gzip is here for the pages' encodings.

use std::io::{Read, Write};
use std::sync::Arc;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use laa_core::publication::Publication;

/// The record packed.
pub fn pack(record: &Publication) -> std::io::Result<Arc<[u8]>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    serde_json::to_writer(&mut encoder, record)?;
    encoder.flush()?;
    Ok(Arc::from(encoder.finish()?))
}

/// The record a [`pack`] holds.
pub fn unpack(packed: &[u8]) -> std::io::Result<Publication> {
    let mut json = Vec::new();
    GzDecoder::new(packed).read_to_end(&mut json)?;
    Ok(serde_json::from_slice(&json)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_unpacks_as_it_was_packed() {
        let id = laa_core::AgreementId::new("kent-2008-11").unwrap();
        let record = Publication {
            agreement: laa_core::Agreement::unopened(id),
            version: 3,
            public_through: 2,
            refresh_under_way: true,
            signings: Vec::new(),
            rationales: [(
                laa_core::TargetId::new(1).unwrap(),
                "From evidence".to_owned(),
            )]
            .into(),
        };
        let packed = pack(&record).unwrap();
        assert_eq!(unpack(&packed).unwrap(), record);
    }

    #[test]
    fn what_is_not_a_pack_is_an_error_not_a_record() {
        assert!(unpack(b"not gzip").is_err());
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(b"{\"agreement\": 1}").unwrap();
        assert!(unpack(&encoder.finish().unwrap()).is_err());
    }
}
