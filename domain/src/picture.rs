//! Product pictures staff upload. The server never keeps what was sent: it decodes the upload and
//! writes a few widths of it (never wider than the original), each as JPEG (PNG where the picture
//! is transparent) and as WebP where WebP came out smaller. Pages offer them with `srcset`, WebP
//! first for browsers that take it. The shipped SVG illustrations have no [`Picture`].
//!
//! Files are named after the product and a hash of the upload, so a name never changes meaning
//! and is served with a year's cache lifetime.

use serde::{Deserialize, Serialize};

/// The widths written, where the original is at least that wide.
pub const WIDTHS: [u32; 3] = [320, 640, 1280];
/// Where the pictures are served from.
pub const MEDIA_PREFIX: &str = "/media/";
/// The largest upload taken, and the smallest picture worth showing.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
pub const MIN_SIDE: u32 = 64;
/// The widest or tallest picture decoded (a small file can claim a huge size).
pub const MAX_SIDE: u32 = 8_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fallback {
    Jpeg,
    /// For pictures with transparency.
    Png,
}

impl Fallback {
    pub fn ext(self) -> &'static str {
        match self {
            Fallback::Jpeg => "jpg",
            Fallback::Png => "png",
        }
    }
}

/// One uploaded picture: its files are `/media/{stem}-{width}.{ext}` and, with `webp`,
/// `/media/{stem}-{width}.webp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picture {
    pub stem: String,
    pub fallback: Fallback,
    /// Ascending.
    pub widths: Vec<u32>,
    pub webp: bool,
    /// The largest width's height, for the page's layout before the picture loads.
    pub height: u32,
}

impl Picture {
    pub fn url(&self, width: u32, webp: bool) -> String {
        let ext = if webp { "webp" } else { self.fallback.ext() };
        format!("{MEDIA_PREFIX}{}-{width}.{ext}", self.stem)
    }

    /// The largest fallback file: what an `<img src>` shows.
    pub fn src(&self) -> String {
        self.url(self.width(), false)
    }

    pub fn width(&self) -> u32 {
        self.widths.last().copied().unwrap_or(0)
    }

    /// `srcset` of the fallback files, or of the WebP ones.
    pub fn srcset(&self, webp: bool) -> String {
        self.widths.iter().map(|w| format!("{} {w}w", self.url(*w, webp))).collect::<Vec<_>>().join(", ")
    }

    /// The file names (without the prefix) this picture is made of.
    pub fn files(&self) -> Vec<String> {
        let mut names = Vec::new();
        for w in &self.widths {
            names.push(self.url(*w, false));
            if self.webp {
                names.push(self.url(*w, true));
            }
        }
        names.into_iter().map(|u| u.trim_start_matches(MEDIA_PREFIX).to_owned()).collect()
    }

    /// How the database column holds it: `stem ext height w1,w2,… [webp]`.
    pub fn to_column(&self) -> String {
        let widths = self.widths.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        format!("{} {} {} {widths}{}", self.stem, self.fallback.ext(), self.height, if self.webp { " webp" } else { "" })
    }

    pub fn from_column(s: &str) -> Option<Picture> {
        let mut parts = s.split(' ');
        let stem = parts.next().filter(|s| is_stem(s))?.to_owned();
        let fallback = match parts.next()? {
            "jpg" => Fallback::Jpeg,
            "png" => Fallback::Png,
            _ => return None,
        };
        let height = parts.next()?.parse().ok()?;
        let widths: Vec<u32> = parts.next()?.split(',').map(str::parse).collect::<Result<_, _>>().ok()?;
        let webp = match parts.next() {
            None => false,
            Some("webp") => true,
            Some(_) => return None,
        };
        (!widths.is_empty() && widths.windows(2).all(|w| w[0] < w[1])).then_some(Picture { stem, fallback, widths, webp, height })
    }
}

/// The widths to write for an original `width` pixels wide: those of [`WIDTHS`] it reaches, or
/// the original's own width when it is narrower than all of them.
pub fn widths_for(width: u32) -> Vec<u32> {
    let fit: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w <= width).collect();
    if fit.is_empty() {
        vec![width]
    } else {
        fit
    }
}

/// The stem of an upload of `product_id` whose content hashes to `hash` (hex).
pub fn stem(product_id: &str, hash: &str) -> String {
    format!("{product_id}-{}", &hash[..hash.len().min(16)])
}

fn is_stem(s: &str) -> bool {
    !s.is_empty() && s.len() <= 120 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `name` could be one of the pictures' files: `{stem}-{width}.{jpg|png|webp}`, nothing
/// else (no dots, slashes or other extensions). The media route serves only such names.
pub fn is_media_name(name: &str) -> bool {
    let Some((base, ext)) = name.rsplit_once('.') else { return false };
    let Some((stem, width)) = base.rsplit_once('-') else { return false };
    matches!(ext, "jpg" | "png" | "webp") && is_stem(stem) && !width.is_empty() && width.len() <= 5 && width.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Picture {
        Picture { stem: "orbit-watch-0123456789abcdef".into(), fallback: Fallback::Jpeg, widths: vec![320, 640], webp: true, height: 480 }
    }

    #[test]
    fn urls_and_srcsets() {
        let p = picture();
        assert_eq!(p.src(), "/media/orbit-watch-0123456789abcdef-640.jpg");
        assert_eq!(p.srcset(true), "/media/orbit-watch-0123456789abcdef-320.webp 320w, /media/orbit-watch-0123456789abcdef-640.webp 640w");
        assert_eq!(p.files().len(), 4);
        assert!(p.files().iter().all(|f| is_media_name(f)), "{:?}", p.files());
    }

    #[test]
    fn the_column_round_trips_and_refuses_junk() {
        let p = picture();
        assert_eq!(p.to_column(), "orbit-watch-0123456789abcdef jpg 480 320,640 webp");
        assert_eq!(Picture::from_column(&p.to_column()), Some(p.clone()));
        let png = Picture { fallback: Fallback::Png, webp: false, ..p };
        assert_eq!(Picture::from_column(&png.to_column()), Some(png));
        for junk in ["", "/images/x.svg", "x jpg 1 640,320", "x gif 1 320", "../x jpg 1 320", "x jpg 1 320 avif", "x jpg 1 "] {
            assert_eq!(Picture::from_column(junk), None, "{junk}");
        }
    }

    #[test]
    fn widths_never_exceed_the_original() {
        assert_eq!(widths_for(4000), vec![320, 640, 1280]);
        assert_eq!(widths_for(700), vec![320, 640]);
        assert_eq!(widths_for(320), vec![320]);
        assert_eq!(widths_for(200), vec![200]);
    }

    #[test]
    fn only_picture_names_are_media() {
        assert!(is_media_name("orbit-watch-0123-320.webp"));
        for bad in ["x.svg", "../etc/passwd", "a-320.jpg.html", "a-.jpg", "a-b.jpg", "A-320.jpg", ".jpg", "a/b-320.jpg", "a-320.JPG", "a-123456.png"] {
            assert!(!is_media_name(bad), "{bad}");
        }
    }
}
