//! The files around the WASM: the Tailwind CSS, the static files of `public/`, and the gzip and
//! brotli copies `ServeDir` serves to browsers that accept them.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::{npm_bin, run, Result};

/// Compiles `style/tailwind.css` (Tailwind scans the sources it names) into `out`.
pub fn tailwind(release: bool, out: &Path) -> Result<()> {
    let mut tailwind = Command::new(npm_bin("tailwindcss")?);
    tailwind.args(["--input", "style/tailwind.css", "--output"]).arg(out);
    if release {
        tailwind.arg("--minify");
    }
    run(&mut tailwind)
}

/// Copies the tree `from` into `to`, which may exist.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&source, &dest)?;
        } else {
            std::fs::copy(&source, &dest).map_err(|e| format!("cannot copy {}: {e}", source.display()))?;
        }
    }
    Ok(())
}

/// Writes `f.gz` and `f.br` beside every file `f` under `dir`, at the strongest settings (they
/// are made once per build and served many times).
pub fn precompress(dir: &Path) -> Result<()> {
    let mut files = Vec::new();
    list_files(dir, &mut files)?;
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
    let batch = files.len().div_ceil(parallel).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files.chunks(batch).map(|chunk| scope.spawn(move || chunk.iter().try_for_each(|file| compress(file)))).collect();
        workers.into_iter().try_for_each(|worker| worker.join().unwrap_or_else(|_| Err("compression thread panicked".into())))
    })
}

fn list_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            list_files(&path, files)?;
        } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("gz" | "br")) {
            files.push(path);
        }
    }
    Ok(())
}

fn compress(file: &Path) -> Result<()> {
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let gz = gzip(&data).map_err(|e| format!("gzip of {} failed: {e}", file.display()))?;
    let br = brotli(&data).map_err(|e| format!("brotli of {} failed: {e}", file.display()))?;
    let name = file.as_os_str().to_owned();
    for (suffix, bytes) in [(".gz", gz), (".br", br)] {
        let mut path = name.clone();
        path.push(suffix);
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {path:?}: {e}"))?;
    }
    Ok(())
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data)?;
    encoder.finish()
}

fn brotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn compressed_copies_decompress_to_the_original() {
        let data = b"<!doctype html><p>pulse shop</p>".repeat(50);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gzip(&data).unwrap()[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &brotli(&data).unwrap()[..], &mut back).unwrap();
        assert_eq!(back, data);
    }
}
