//! Keeping a site whose inputs did not change. `scripts/run.sh` runs the builder on every start,
//! and a release build spends most of its time after the compiler (wasm-opt on every module,
//! minification, gzip and brotli at their strongest), even when cargo found nothing to do. The
//! stamp is a hash of everything the site is made from, written beside the site once it is in
//! place; a build that computes the same stamp keeps that site instead of making it again.
//!
//! A change made by hand inside `target/site` is not noticed: the builder owns that directory.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

use crate::{Options, Result};

/// The directories and files (from the workspace root) the site is made from besides the
/// module: Tailwind's input and the view code it scans for class names, the static files, and
/// the npm lock that fixes the versions of Tailwind, wasm-opt and esbuild.
const INPUTS: [&str; 4] = ["style", "app/src", "public", "package-lock.json"];

/// The stamp of a build of the module `module` with `options`, from the sources under `root`.
pub fn fingerprint(root: &Path, options: &Options, module: &Path, builder: &Path) -> Result<String> {
    let mut hasher = DefaultHasher::new();
    hasher.write(format!("{options:?}").as_bytes());
    hash_file(&mut hasher, module)?;
    // The builder itself: a new builder may make different files from the same inputs (and
    // `DefaultHasher` is only stable within one build of the standard library).
    hash_file(&mut hasher, builder)?;
    for input in INPUTS {
        hash_path(&mut hasher, root, Path::new(input))?;
    }
    Ok(format!("{:016x}", hasher.finish()))
}

/// Where the stamp of the site at `site_root` is kept: beside it, so it is never served.
fn stamp_file(site_root: &Path) -> PathBuf {
    let mut name = site_root.as_os_str().to_owned();
    name.push(".stamp");
    PathBuf::from(name)
}

/// Whether the site at `site_root` was built from exactly these inputs.
pub fn is_current(site_root: &Path, stamp: &str) -> bool {
    site_root.is_dir() && std::fs::read_to_string(stamp_file(site_root)).is_ok_and(|s| s.trim() == stamp)
}

/// Forgets the stamp, before the site is replaced (a build cut off halfway then counts as stale).
pub fn clear(site_root: &Path) -> Result<()> {
    match std::fs::remove_file(stamp_file(site_root)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("cannot remove the site's stamp: {e}")),
        _ => Ok(()),
    }
}

/// Records that the site now at `site_root` was built from the inputs of `stamp`.
pub fn write(site_root: &Path, stamp: &str) -> Result<()> {
    let file = stamp_file(site_root);
    std::fs::write(&file, stamp).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

fn hash_file(hasher: &mut DefaultHasher, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    hasher.write_usize(bytes.len());
    hasher.write(&bytes);
    Ok(())
}

/// Hashes a file, or a directory's files in name order, each with its path (relative to `root`):
/// a renamed or moved file changes the stamp as much as an edited one.
fn hash_path(hasher: &mut DefaultHasher, root: &Path, relative: &Path) -> Result<()> {
    let path = root.join(relative);
    hasher.write(relative.to_string_lossy().as_bytes());
    hasher.write_u8(0);
    if !path.is_dir() {
        return hash_file(hasher, &path);
    }
    let mut entries = std::fs::read_dir(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .map(|entry| entry.map(|e| e.file_name()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    entries.sort();
    for name in entries {
        hash_path(hasher, root, &relative.join(name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workspace with every input, a module and a builder, in a directory of its own.
    fn workspace(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("site-stamp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["style", "app/src/pages", "public/images"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for (file, text) in [
            ("style/tailwind.css", "@import \"tailwindcss\";"),
            ("app/src/lib.rs", "// view code"),
            ("app/src/pages/cart.rs", "view! { <p class=\"text-sm\"></p> }"),
            ("public/favicon.svg", "<svg/>"),
            ("public/images/a.webp", "pixels"),
            ("package-lock.json", "{}"),
            ("module.wasm", "\0asm"),
            ("builder", "elf"),
        ] {
            std::fs::write(root.join(file), text).unwrap();
        }
        root
    }

    fn stamp(root: &Path, options: &Options) -> String {
        fingerprint(root, options, &root.join("module.wasm"), &root.join("builder")).unwrap()
    }

    #[test]
    fn the_same_inputs_give_the_same_stamp_and_any_change_another() {
        let root = workspace("inputs");
        let release = Options { release: true, precompress: true, cargo_args: vec![] };
        let first = stamp(&root, &release);
        assert_eq!(stamp(&root, &release), first);
        assert_ne!(stamp(&root, &Options::default()), first, "options");

        let mut seen = vec![first];
        for (file, text) in [
            ("module.wasm", "\0asm2"),
            ("builder", "elf2"),
            ("app/src/pages/cart.rs", "view! { <p class=\"text-lg\"></p> }"),
            ("style/tailwind.css", "@import \"tailwindcss\"; /* */"),
            ("public/images/b.webp", "a new picture"),
            ("package-lock.json", "{\"v\":2}"),
        ] {
            std::fs::write(root.join(file), text).unwrap();
            let next = stamp(&root, &release);
            assert!(!seen.contains(&next), "{file} changed but the stamp did not");
            seen.push(next);
        }
        std::fs::rename(root.join("public/images/b.webp"), root.join("public/images/c.webp")).unwrap();
        assert!(!seen.contains(&stamp(&root, &release)), "a renamed file changes the stamp");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_site_is_current_only_with_its_own_stamp() {
        let root = workspace("current");
        let site = root.join("target/site");
        assert!(!is_current(&site, "abc"), "no site yet");
        std::fs::create_dir_all(&site).unwrap();
        assert!(!is_current(&site, "abc"), "a site without a stamp is stale");
        write(&site, "abc").unwrap();
        assert!(is_current(&site, "abc"));
        assert!(!is_current(&site, "abd"));
        clear(&site).unwrap();
        assert!(!is_current(&site, "abc"));
        clear(&site).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
    }
}
