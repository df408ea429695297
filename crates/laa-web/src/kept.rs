//! What the pages keep between requests: each page and open-data file as
//! last rendered, with its `ETag` and its gzip and brotli encodings
//! ([`Kept`]), one per path on a [`Shelf`]; and the snapshot they are
//! rendered from ([`crate::reading::ReadModel`]). Each is made
//! again only when it is no longer fresh ([`crate::changes`]), and then
//! once, however many requests ask for it meanwhile ([`Slot`]): the rest
//! wait for that one rendering.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::changes::Stamp;
use crate::http::{Kind, etag};

/// Bodies shorter than this are sent as they are: compressing them saves
/// less than the `Content-Encoding` header costs.
const WORTH_COMPRESSING: usize = 256;

/// Brotli's quality: 5 compresses HTML and CSV about as well as gzip's
/// best, several times faster than brotli's best.
const BROTLI_QUALITY: u32 = 5;

/// Brotli's window, as a power of two.
const BROTLI_WINDOW: u32 = 22;

/// The brotli encoder's buffer.
const ENCODER_BUFFER: usize = 4096;

/// A body longer than this is kept only encoded: the open-data files grow
/// with every round (the national round's `targets.json` is 15 MB, seven
/// rounds' over 100 MB, in brotli 2% of that), the pages are many (150
/// areas' of a quarter of a megabyte each, 198 indicators' near that,
/// their gzip a tenth and their brotli a twentieth), and nearly every
/// client asks for gzip or brotli. A client that asks for neither is sent
/// the gzip decoded as it is sent.
pub const KEEP_WHOLE_UP_TO: usize = 64 << 10;

/// One thing kept, made again once when it is no longer fresh.
pub struct Slot<T> {
    kept: Mutex<Option<(Stamp, Arc<T>)>>,
    making: tokio::sync::Mutex<()>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            kept: Mutex::new(None),
            making: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Slot<T> {
    /// What is kept, if it is fresh at `now`.
    fn fresh(&self, now: &Stamp) -> Option<Arc<T>> {
        // Each use of the lock is one read or write: a poisoned one is still sound.
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|(made, _)| made.is_fresh(now))
            .map(|(_, value)| value.clone())
    }

    /// Whether anything is kept, fresh or not.
    fn is_empty(&self) -> bool {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// What is kept if it is fresh; otherwise what `make` makes, kept when
    /// it succeeds. `now` tells the moment; it is asked again before
    /// making, so that what is made is stamped no later than what it read.
    /// Of many callers that find it stale together, one makes it and the
    /// others wait for it.
    pub async fn get<E, F, Fut>(&self, now: impl Fn() -> Stamp, make: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.fresh(&now()) {
            return Ok(value);
        }
        let _making = self.making.lock().await;
        let stamp = now();
        if let Some(value) = self.fresh(&stamp) {
            return Ok(value);
        }
        let value = Arc::new(make().await?);
        *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = Some((stamp, value.clone()));
        Ok(value)
    }
}

/// A response as a page renders it.
#[derive(Debug)]
pub struct Rendered {
    /// Its status.
    pub status: StatusCode,
    /// Its media type.
    pub kind: Kind,
    /// Its body.
    pub body: Body,
    /// The file name a download is saved under, for open data.
    pub filename: Option<String>,
}

/// A rendered body: whole, or already encoded as it was written.
#[derive(Debug)]
pub enum Body {
    /// The bytes, encoded when kept (if worth it).
    Whole(Vec<u8>),
    /// Written through an [`Encoder`]: a large file, never held whole
    /// more than once.
    Encoded(Encoded),
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::Whole(bytes)
    }
}

/// A body with its tag and, where they are smaller, its encodings; a
/// large one ([`KEEP_WHOLE_UP_TO`]) without its bytes as they are.
#[derive(Debug)]
pub struct Encoded {
    identity: Option<Bytes>,
    length: usize,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
    etag: String,
}

/// Writes a body once into everything kept of it: the bytes as they are
/// (up to [`KEEP_WHOLE_UP_TO`]), their hash (the tag) and their gzip and
/// brotli encodings, each made as the bytes come. So a large file is held
/// only compressed, never as a document to be written, nor written and
/// then compressed.
pub struct Encoder {
    /// The bytes so far, until they pass [`KEEP_WHOLE_UP_TO`].
    identity: Option<Vec<u8>>,
    /// How many bytes were written.
    length: usize,
    hash: Sha256,
    gzip: flate2::write::GzEncoder<Vec<u8>>,
    brotli: brotli::CompressorWriter<Vec<u8>>,
}

impl Encoder {
    /// An encoder for a body of about `expected` bytes (0: unknown). Given
    /// a whole body, brotli picks its match finder and window by the
    /// body's size; given pieces, by the first one's, which for a large
    /// file is the small finder: the national round's 15 MB `targets.json`
    /// came to 860 KB instead of 360 KB. A small body told nothing gets a
    /// small window, not one the size of the largest file.
    pub fn expecting(expected: usize) -> Self {
        Self {
            identity: Some(Vec::new()),
            length: 0,
            hash: Sha256::new(),
            gzip: flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()),
            brotli: brotli::CompressorWriter::with_params(
                Vec::new(),
                ENCODER_BUFFER,
                &brotli::enc::backward_references::BrotliEncoderParams {
                    quality: BROTLI_QUALITY as i32,
                    lgwin: BROTLI_WINDOW as i32,
                    size_hint: expected,
                    ..Default::default()
                },
            ),
        }
    }
}

impl Write for Encoder {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.length += bytes.len();
        if self.length > KEEP_WHOLE_UP_TO {
            self.identity = None;
        } else if let Some(identity) = &mut self.identity {
            identity.extend_from_slice(bytes);
        }
        self.hash.update(bytes);
        self.gzip.write_all(bytes)?;
        self.brotli.write_all(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Encoder {
    /// The body written, with its tag and the encodings worth keeping.
    pub fn finish(self) -> std::io::Result<Encoded> {
        let gzip = self.gzip.finish()?;
        let brotli = self.brotli.into_inner();
        let length = self.length;
        let identity = self.identity.map(|mut identity| {
            // Kept for as long as the page is: without the room it grew into.
            identity.shrink_to_fit();
            Bytes::from(identity)
        });
        // Without the bytes as they are, the gzip is what they are sent from.
        let whole = identity.is_some();
        let worth = |encoded: Vec<u8>| {
            (!whole || (length >= WORTH_COMPRESSING && encoded.len() < length))
                .then(|| encoded.into())
        };
        Ok(Encoded {
            length,
            etag: crate::http::tag(&self.hash.finalize()),
            gzip: worth(gzip),
            brotli: worth(brotli),
            identity,
        })
    }
}

/// A response kept: its body as it is and encoded, and its entity tag.
#[derive(Debug)]
pub struct Kept {
    /// Its status.
    pub status: StatusCode,
    /// Its media type.
    pub kind: Kind,
    /// The file name a download is saved under, for open data.
    pub filename: Option<String>,
    /// The body, as rendered; `None` for a large file written through an
    /// [`Encoder`], sent to a client that accepts no encoding by decoding
    /// its gzip ([`crate::http::respond`]).
    pub identity: Option<Bytes>,
    /// The length of the body as rendered (sent as the `Content-Length`
    /// of a body decoded from its gzip).
    pub length: usize,
    /// The body gzipped, when that is worth it.
    pub gzip: Option<Bytes>,
    /// The body in brotli, when that is worth it.
    pub brotli: Option<Bytes>,
    /// The entity tag of the body as rendered (each encoding's is this
    /// with the encoding's name added: [`crate::http`]).
    pub etag: String,
}

impl Kept {
    /// `rendered` with its tag and, when it is large enough, its encodings.
    pub fn new(rendered: Rendered) -> Self {
        let encoded = match rendered.body {
            Body::Encoded(encoded) => encoded,
            Body::Whole(body) => {
                let worth = rendered.status == StatusCode::OK && body.len() >= WORTH_COMPRESSING;
                let smaller =
                    |encoded: Vec<u8>| (encoded.len() < body.len()).then(|| encoded.into());
                let gzip: Option<Bytes> = worth.then(|| gzip(&body)).and_then(smaller);
                let brotli = worth.then(|| brotli(&body)).and_then(smaller);
                // A large page is kept as a large file is: its gzip is
                // what a client that accepts no encoding is sent from.
                let keep_whole = gzip.is_none() || body.len() <= KEEP_WHOLE_UP_TO;
                Encoded {
                    length: body.len(),
                    gzip,
                    brotli,
                    etag: etag(&body),
                    identity: keep_whole.then(|| body.into()),
                }
            }
        };
        Self {
            status: rendered.status,
            kind: rendered.kind,
            etag: encoded.etag,
            filename: rendered.filename,
            identity: encoded.identity,
            length: encoded.length,
            gzip: encoded.gzip,
            brotli: encoded.brotli,
        }
    }
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    // Writing to a vector cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

fn brotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4);
    {
        let mut encoder =
            brotli::CompressorWriter::new(&mut out, ENCODER_BUFFER, BROTLI_QUALITY, BROTLI_WINDOW);
        let _ = encoder.write_all(body);
    }
    out
}

/// The kept responses, one per path; a page that is not found or cannot be
/// read is rendered for each request and not kept, so what is kept is
/// bounded by what exists.
#[derive(Default)]
pub struct Shelf {
    slots: Mutex<HashMap<String, Arc<Slot<Kept>>>>,
}

impl Shelf {
    /// The response at `path` (its canonical form: one path per page),
    /// kept or rendered by `render`; `page` names the kind of page in the
    /// count of renderings (`laa_web_renders_total`).
    pub async fn answer<F, Fut>(
        &self,
        path: String,
        page: &'static str,
        now: impl Fn() -> Stamp,
        render: F,
    ) -> Arc<Kept>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Rendered>,
    {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(path.clone())
            .or_default()
            .clone();
        let made = slot
            .get(now, || async {
                let rendered = render().await;
                metrics::counter!("laa_web_renders_total", "page" => page).increment(1);
                let kept = Kept::new(rendered);
                if kept.status == StatusCode::OK {
                    Ok(kept)
                } else {
                    Err(Arc::new(kept))
                }
            })
            .await;
        match made {
            Ok(kept) => kept,
            Err(answer) => {
                if slot.is_empty() {
                    let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
                    if slots.get(&path).is_some_and(|s| s.is_empty()) {
                        slots.remove(&path);
                    }
                }
                answer
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::changes::Changes;

    fn page(body: &str) -> Rendered {
        Rendered {
            status: StatusCode::OK,
            kind: Kind::Html,
            body: body.as_bytes().to_vec().into(),
            filename: None,
        }
    }

    #[test]
    fn every_encoding_decodes_to_the_body() {
        let body =
            "<p>Kent: 16 to 18 year olds not in education, training or employment</p>\n".repeat(40);
        let kept = Kept::new(page(&body));
        let mut gunzipped = String::new();
        flate2::read::GzDecoder::new(&kept.gzip.as_ref().unwrap()[..])
            .read_to_string(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, body);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(&kept.brotli.as_ref().unwrap()[..], 4096)
            .read_to_string(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, body);
        assert_eq!(kept.identity.as_deref(), Some(body.as_bytes()));
        assert_eq!(kept.etag, etag(body.as_bytes()));
    }

    #[test]
    fn a_body_encoded_as_it_is_written_is_kept_as_the_whole_would_be() {
        let body = "area,target,year\nkent,1,2008/09\n".repeat(200);
        let mut encoder = Encoder::expecting(body.len());
        for chunk in body.as_bytes().chunks(7) {
            encoder.write_all(chunk).unwrap();
        }
        let streamed = Kept::new(Rendered {
            body: Body::Encoded(encoder.finish().unwrap()),
            ..page("")
        });
        let whole = Kept::new(page(&body));
        assert_eq!(streamed.identity, whole.identity);
        assert_eq!(streamed.etag, whole.etag);
        let mut gunzipped = String::new();
        flate2::read::GzDecoder::new(&streamed.gzip.as_ref().unwrap()[..])
            .read_to_string(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, body);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(&streamed.brotli.as_ref().unwrap()[..], 4096)
            .read_to_string(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, body);

        // A file past the size kept whole is kept only encoded, its tag
        // still the hash of the bytes as they are.
        let large = "area,target,year,value\nkent,1,2008/09,52.5\n".repeat(40_000);
        assert!(large.len() > KEEP_WHOLE_UP_TO);
        let mut encoder = Encoder::expecting(large.len());
        for chunk in large.as_bytes().chunks(4096) {
            encoder.write_all(chunk).unwrap();
        }
        let kept = Kept::new(Rendered {
            body: Body::Encoded(encoder.finish().unwrap()),
            ..page("")
        });
        assert_eq!(kept.identity, None);
        assert_eq!(kept.etag, etag(large.as_bytes()));
        let mut gunzipped = String::new();
        flate2::read::GzDecoder::new(&kept.gzip.as_ref().unwrap()[..])
            .read_to_string(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, large);
        assert!(kept.brotli.as_ref().unwrap().len() < large.len() / 20);

        let mut short = Encoder::expecting(0);
        short.write_all(b"<p>hello</p>").unwrap();
        let short = short.finish().unwrap();
        assert!(short.gzip.is_none() && short.brotli.is_none());
    }

    #[test]
    fn a_large_page_is_kept_only_encoded_as_a_large_file_is() {
        let large = "<tr><td>Kent</td><td>NI 117</td><td>on track</td></tr>\n".repeat(6_000);
        assert!(large.len() > KEEP_WHOLE_UP_TO);
        let kept = Kept::new(page(&large));
        assert_eq!(kept.identity, None);
        assert_eq!(kept.etag, etag(large.as_bytes()));
        let mut gunzipped = String::new();
        flate2::read::GzDecoder::new(&kept.gzip.as_ref().unwrap()[..])
            .read_to_string(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, large);
        // Not found, it is not compressed, so it is kept as it is.
        let missing = Kept::new(Rendered {
            status: StatusCode::NOT_FOUND,
            ..page(&large)
        });
        assert_eq!(missing.identity.as_deref(), Some(large.as_bytes()));
    }

    #[test]
    fn a_short_body_is_sent_as_it_is() {
        let kept = Kept::new(page("<p>hello</p>"));
        assert!(kept.gzip.is_none() && kept.brotli.is_none());
    }

    /// The moment of a record that has just changed: never fresh.
    fn changing() -> Stamp {
        Changes::unfollowed().now(&Arc::default())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_stale_page_asked_for_by_many_at_once_is_rendered_once() {
        let shelf = Arc::new(Shelf::default());
        let renders = Arc::new(AtomicU32::new(0));
        let (go, wait) = tokio::sync::watch::channel(false);
        // A record that does not change: a page is fresh once rendered.
        let still = Changes::following(tokio::sync::broadcast::channel(1).1);
        let catalogue: Arc<laa_core::Catalogue> = Arc::default();
        let mut asking = Vec::new();
        for _ in 0..32 {
            let (shelf, renders, still, catalogue) = (
                shelf.clone(),
                renders.clone(),
                still.clone(),
                catalogue.clone(),
            );
            let mut wait = wait.clone();
            asking.push(tokio::spawn(async move {
                shelf
                    .answer(
                        "/".into(),
                        "england",
                        || still.now(&catalogue),
                        || async move {
                            renders.fetch_add(1, Ordering::SeqCst);
                            // Held until every request has asked.
                            let _ = wait.wait_for(|go| *go).await;
                            page("<p>England</p>")
                        },
                    )
                    .await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        go.send(true).unwrap();
        for asked in asking {
            assert_eq!(
                asked.await.unwrap().identity.as_deref(),
                Some(&b"<p>England</p>"[..])
            );
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn what_is_not_found_is_not_kept() {
        let shelf = Shelf::default();
        for n in 0..3 {
            let answer = shelf
                .answer(format!("/areas/nowhere-{n}"), "area", changing, || async {
                    Rendered {
                        status: StatusCode::NOT_FOUND,
                        ..page("not found")
                    }
                })
                .await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND);
        }
        assert!(shelf.slots.lock().unwrap().is_empty());
    }
}
