//! Turning an upload into a product's picture (`domain::picture`): decoded with limits (a small
//! file claiming a huge size is refused before it is allocated), turned upright by its EXIF
//! orientation, written again at a few widths as JPEG or PNG and WebP. Only pixels are
//! re-encoded, so no metadata (camera, place, time) survives, and the bytes sent are never
//! stored or served. SVG, GIF and anything else is refused: only PNG, JPEG and WebP are decoded.

use std::io::Cursor;
use std::path::Path;

use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use domain::picture::{stem, widths_for, Fallback, Picture, MAX_SIDE, MAX_UPLOAD_BYTES, MIN_SIDE};

/// JPEG and WebP quality: photographs look the same, files are a fraction of the size.
const JPEG_QUALITY: u8 = 82;
const WEBP_QUALITY: f32 = 80.0;

/// The picture an upload makes, and its files (name, bytes) to write under the media directory.
pub struct Processed {
    pub picture: Picture,
    pub files: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for Processed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files: Vec<(&str, usize)> = self.files.iter().map(|(n, b)| (n.as_str(), b.len())).collect();
        f.debug_struct("Processed").field("picture", &self.picture).field("files", &files).finish()
    }
}

/// Decodes and re-encodes an upload for `product_id`; the error is for staff to read. CPU-bound:
/// run it off the async threads.
pub fn process(bytes: &[u8], product_id: &str) -> Result<Processed, String> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(format!("The picture is larger than {} MB.", MAX_UPLOAD_BYTES / (1024 * 1024)));
    }
    let format = image::guess_format(bytes).ok().filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP));
    let Some(format) = format else {
        return Err("Upload a PNG, JPEG or WebP picture (SVG and other formats are not taken).".into());
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let unreadable = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => format!("The picture is larger than {MAX_SIDE} × {MAX_SIDE} pixels."),
        _ => "The file could not be read as a picture: it may be damaged.".to_owned(),
    };
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    img.apply_orientation(orientation);
    if img.width() < MIN_SIDE || img.height() < MIN_SIDE {
        return Err(format!("The picture is smaller than {MIN_SIDE} × {MIN_SIDE} pixels."));
    }
    let transparent = img.color().has_alpha() && img.to_rgba8().pixels().any(|p| p.0[3] < 255);
    let fallback = if transparent { Fallback::Png } else { Fallback::Jpeg };
    let hash = hex::encode(Sha256::digest(bytes));
    let stem = stem(product_id, &hash);

    let widths = widths_for(img.width());
    let mut fallbacks = Vec::with_capacity(widths.len());
    let mut webps = Vec::with_capacity(widths.len());
    let mut height = 0;
    for &w in &widths {
        let sized = if w == img.width() { img.clone() } else { img.resize(w, u32::MAX, FilterType::Lanczos3) };
        height = sized.height();
        fallbacks.push(encode_fallback(&sized, fallback)?);
        webps.push(encode_webp(&sized, transparent));
    }
    // WebP is offered only where it saves bytes (it nearly always does for photographs).
    let webp = webps.iter().map(Vec::len).sum::<usize>() < fallbacks.iter().map(Vec::len).sum::<usize>();
    let picture = Picture { stem, fallback, widths: widths.clone(), webp, height };
    let mut files = Vec::new();
    for (i, w) in widths.iter().enumerate() {
        files.push((name(&picture, *w, false), std::mem::take(&mut fallbacks[i])));
        if webp {
            files.push((name(&picture, *w, true), std::mem::take(&mut webps[i])));
        }
    }
    Ok(Processed { picture, files })
}

fn name(picture: &Picture, width: u32, webp: bool) -> String {
    picture.url(width, webp).trim_start_matches(domain::picture::MEDIA_PREFIX).to_owned()
}

fn encode_fallback(img: &DynamicImage, fallback: Fallback) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let result = match fallback {
        Fallback::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&img.to_rgb8()),
        Fallback::Png => img.to_rgba8().write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)),
    };
    result.map_err(|e| format!("The picture could not be written: {e}."))?;
    Ok(out)
}

fn encode_webp(img: &DynamicImage, alpha: bool) -> Vec<u8> {
    if alpha {
        let rgba = img.to_rgba8();
        webp::Encoder::from_rgba(&rgba, rgba.width(), rgba.height()).encode(WEBP_QUALITY).to_vec()
    } else {
        let rgb = img.to_rgb8();
        webp::Encoder::from_rgb(&rgb, rgb.width(), rgb.height()).encode(WEBP_QUALITY).to_vec()
    }
}

/// Writes the files under `dir` (created if missing), each through a temporary name and a
/// rename, so a reader never sees half a file. Existing names are left: they hold the same bytes.
pub fn write(dir: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in files {
        let path = dir.join(name);
        if path.exists() {
            continue;
        }
        let tmp = dir.join(format!(".{name}.{}", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, alpha: u8) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, alpha]));
        let mut out = Vec::new();
        img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)).unwrap();
        out
    }

    #[test]
    fn an_opaque_png_becomes_jpeg_at_each_width_it_reaches() {
        let p = process(&png(900, 600, 255), "orbit-watch").unwrap();
        assert_eq!(p.picture.fallback, Fallback::Jpeg);
        assert_eq!(p.picture.widths, vec![320, 640]);
        assert_eq!(p.picture.height, 427);
        assert!(p.picture.stem.starts_with("orbit-watch-"));
        for (name, bytes) in &p.files {
            assert!(domain::picture::is_media_name(name), "{name}");
            let format = image::guess_format(bytes).unwrap();
            assert_eq!(format, if name.ends_with(".webp") { ImageFormat::WebP } else { ImageFormat::Jpeg }, "{name}");
        }
    }

    #[test]
    fn transparency_is_kept_as_png() {
        let p = process(&png(400, 300, 100), "glass").unwrap();
        assert_eq!(p.picture.fallback, Fallback::Png);
        assert!(p.files.iter().any(|(n, _)| n.ends_with("-320.png")));
    }

    #[test]
    fn what_is_not_a_picture_is_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert!(process(svg, "x").unwrap_err().contains("PNG, JPEG or WebP"));
        assert!(process(b"GIF89a\x01\x00\x01\x00", "x").unwrap_err().contains("PNG, JPEG or WebP"));
        let mut cut = png(400, 300, 255);
        cut.truncate(cut.len() / 2);
        assert!(process(&cut, "x").unwrap_err().contains("could not be read"));
        assert!(process(&png(40, 40, 255), "x").unwrap_err().contains("smaller than"));
        assert!(process(&vec![0u8; MAX_UPLOAD_BYTES + 1], "x").unwrap_err().contains("larger than"));
    }

    #[test]
    fn a_claimed_huge_size_is_refused_before_decoding() {
        // A valid PNG header claiming 60,000 × 60,000 pixels, and nothing behind it.
        let mut bomb = png(64, 64, 255);
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let e = process(&bomb, "x").unwrap_err();
        assert!(e.contains("larger than") || e.contains("could not be read"), "{e}");
    }

    #[test]
    fn metadata_is_not_kept() {
        // A JPEG with an EXIF block naming a camera: what is written carries none of it.
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&image::RgbImage::from_pixel(400, 300, image::Rgb([10, 200, 30])))
            .unwrap();
        let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0SECRET-CAMERA-SERIAL";
        let mut with_exif = jpeg[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1]);
        with_exif.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        with_exif.extend_from_slice(exif);
        with_exif.extend_from_slice(&jpeg[2..]);
        let p = process(&with_exif, "x").unwrap();
        for (name, bytes) in &p.files {
            assert!(!bytes.windows(13).any(|w| w == b"SECRET-CAMERA"), "{name} kept the metadata");
        }
    }
}
