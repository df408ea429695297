//! Full-page screenshots for a person to look at: the whole document at
//! the viewport's width, not just its first screen.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::json;

use crate::browser::Browser;

impl Browser {
    /// The page's width and height in CSS pixels: its whole scrollable
    /// extent, never less than the viewport.
    pub async fn page_size(&self) -> (u32, u32) {
        let size = self
            .execute(
                "const d = document.documentElement, b = document.body || d;\
                 return [Math.max(d.scrollWidth, b.scrollWidth), Math.max(d.scrollHeight, b.scrollHeight)];",
                vec![],
            )
            .await;
        let at = |i: usize| size[i].as_u64().and_then(|v| u32::try_from(v).ok());
        match (at(0), at(1)) {
            (Some(w), Some(h)) => (w.max(self.width()), h.max(self.height())),
            _ => panic!("the page's size: {size}"),
        }
    }

    /// Saves a PNG of the whole page into `dir` as `{kind}-{width}.png`
    /// (`kind` names the page, e.g. `sqlite-area`) and returns its path.
    /// Panics if the image is not the page's full size.
    pub async fn screenshot(&self, dir: &Path, kind: &str) -> PathBuf {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("the screenshot folder {}: {e}", dir.display()));
        let (width, height) = self.page_size().await;
        let shot = self
            .session()
            .devtools(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
                }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("a screenshot's data"))
            .expect("a screenshot in base64");
        assert_eq!(
            png_size(&png),
            Some((width, height)),
            "the screenshot of {kind} is the page's full size"
        );
        let file = dir.join(format!("{kind}-{}.png", self.width()));
        std::fs::write(&file, &png).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        file
    }
}

/// A PNG's width and height, from its header.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    Some((word(16), word(20)))
}

#[cfg(test)]
mod tests {
    use super::png_size;

    #[test]
    fn a_png_header_gives_its_size() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(360u32.to_be_bytes());
        png.extend(2200u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((360, 2200)));
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
