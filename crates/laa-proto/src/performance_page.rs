//! `laa.v1.ListPerformanceResponse`, written here instead of generated
//! (`extern_path` in `build.rs`), so that a server can send the rows it
//! keeps already encoded as they are. A page of 100 rows decoded from what
//! is kept and encoded again cost the server about as much as the rest of
//! the call; sent as kept, a row costs a copy of its bytes. On the wire the
//! message is the generated one's: a row sent encoded is field 1, length
//! delimited, exactly as a `TargetPerformance` is, and a client decodes
//! every row into [`ListPerformanceResponse::targets`].

use prost::bytes::{Buf, BufMut, Bytes};
use prost::encoding::{
    DecodeContext, WireType, encode_key, encode_varint, encoded_len_varint, key_len, message,
    skip_field, string,
};

use crate::v1::TargetPerformance;

/// One page of `ListPerformance` (see the module documentation).
#[derive(Clone, PartialEq, Default, Debug)]
pub struct ListPerformanceResponse {
    /// By agreement, then target. A decoded answer holds every row here.
    pub targets: Vec<TargetPerformance>,
    /// Rows already encoded as `TargetPerformance` messages, sent before
    /// `targets` as field 1 too (a server's; never filled by decoding).
    pub encoded_targets: Vec<Bytes>,
    /// The next page's token; empty on the last page.
    pub next_page_token: String,
}

/// `targets`' field number.
const TARGETS: u32 = 1;
/// `next_page_token`'s field number.
const NEXT_PAGE_TOKEN: u32 = 2;

impl prost::Message for ListPerformanceResponse {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        for row in &self.encoded_targets {
            encode_key(TARGETS, WireType::LengthDelimited, buf);
            encode_varint(row.len() as u64, buf);
            buf.put_slice(row);
        }
        message::encode_repeated(TARGETS, &self.targets, buf);
        if !self.next_page_token.is_empty() {
            string::encode(NEXT_PAGE_TOKEN, &self.next_page_token, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            TARGETS => message::merge_repeated(wire_type, &mut self.targets, buf, ctx),
            NEXT_PAGE_TOKEN => string::merge(wire_type, &mut self.next_page_token, buf, ctx),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let encoded: usize = self
            .encoded_targets
            .iter()
            .map(|row| key_len(TARGETS) + encoded_len_varint(row.len() as u64) + row.len())
            .sum();
        let token = if self.next_page_token.is_empty() {
            0
        } else {
            string::encoded_len(NEXT_PAGE_TOKEN, &self.next_page_token)
        };
        encoded + message::encoded_len_repeated(TARGETS, &self.targets) + token
    }

    fn clear(&mut self) {
        self.targets.clear();
        self.encoded_targets.clear();
        self.next_page_token.clear();
    }
}

impl prost::Name for ListPerformanceResponse {
    const NAME: &'static str = "ListPerformanceResponse";
    const PACKAGE: &'static str = "laa.v1";

    fn full_name() -> String {
        "laa.v1.ListPerformanceResponse".into()
    }

    fn type_url() -> String {
        "/laa.v1.ListPerformanceResponse".into()
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    fn row(n: i32) -> TargetPerformance {
        TargetPerformance {
            agreement: format!("agreements/kent-2008-11-{n}"),
            indicator_number: n,
            ..Default::default()
        }
    }

    #[test]
    fn rows_sent_encoded_read_back_as_the_rows_themselves() {
        let page = ListPerformanceResponse {
            encoded_targets: vec![row(1).encode_to_vec().into(), row(2).encode_to_vec().into()],
            targets: vec![row(3)],
            next_page_token: "next".into(),
        };
        let wire = page.encode_to_vec();
        assert_eq!(wire.len(), page.encoded_len());
        let read = ListPerformanceResponse::decode(wire.as_slice()).unwrap();
        assert_eq!(read.targets, vec![row(1), row(2), row(3)]);
        assert!(read.encoded_targets.is_empty());
        assert_eq!(read.next_page_token, "next");
        // The same rows sent decoded make the same bytes.
        let decoded = ListPerformanceResponse {
            targets: vec![row(1), row(2), row(3)],
            next_page_token: "next".into(),
            ..Default::default()
        };
        assert_eq!(decoded.encode_to_vec(), wire);
    }

    #[test]
    fn an_empty_last_page_is_no_bytes() {
        assert!(
            ListPerformanceResponse::default()
                .encode_to_vec()
                .is_empty()
        );
    }
}
