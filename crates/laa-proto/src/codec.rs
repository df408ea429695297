//! The codec of every `laa.v1` method: prost's, with one check on what a
//! server decodes. A request message whose strings hold a control
//! character their field may not hold ([`crate::contract`]) is refused
//! before any handler sees it, on every method, with no code per method.
//!
//! The refusal is an `INVALID_ARGUMENT` status whose source is the
//! [`StrayControl`] found; the server's edge turns it into its one error
//! shape. Answers a client decodes are never checked: only a method's
//! request message is.

use std::marker::PhantomData;
use std::sync::Arc;

use prost::bytes::Buf;
use prost::{Message, Name};
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

use crate::contract::{StrayControl, contract};

/// The codec the generated services and clients use (see the module
/// documentation).
#[derive(Debug, Clone)]
pub struct EdgeCodec<T, U> {
    _messages: PhantomData<(T, U)>,
}

impl<T, U> Default for EdgeCodec<T, U> {
    fn default() -> Self {
        Self {
            _messages: PhantomData,
        }
    }
}

impl<T, U> Codec for EdgeCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Name + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = EdgeDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::new(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        EdgeDecoder {
            _message: PhantomData,
        }
    }
}

/// Decodes `U` as prost does, then refuses a request whose strings hold a
/// stray control character.
#[derive(Debug, Clone)]
pub struct EdgeDecoder<U> {
    _message: PhantomData<U>,
}

impl<U: Message + Name + Default> Decoder for EdgeDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        // As prost's own codec: bytes that are not the message are INTERNAL,
        // which the server's edge reads as a malformed request.
        let message = U::decode(bytes.clone()).map_err(|e| Status::internal(e.to_string()))?;
        if let Some(stray) = contract().stray_control(&U::full_name(), &bytes) {
            let mut status = Status::invalid_argument(stray.to_string());
            status.set_source(Arc::new(stray));
            return Err(status);
        }
        Ok(Some(message))
    }
}

/// The stray control character a status from [`EdgeDecoder`] refused, if
/// that is what it refused.
pub fn stray_control(status: &Status) -> Option<&StrayControl> {
    std::error::Error::source(status)?.downcast_ref::<StrayControl>()
}
