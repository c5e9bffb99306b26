//! Content-addressed URLs for the site's static files, so that browsers may keep them for a
//! year without asking again: a file's URL carries a hash of its content (`/assets/<hash>/…`),
//! and a new build changes the URL of every file it changes.
//!
//! The server hashes the site's files when it starts (`server/src/assets.rs`, which also serves
//! them) and provides an [`Assets`] to every render; pages name a file by its plain path
//! (`/pkg/shop.css`, a product's `/images/…`) through [`asset_url`]. The browser bundle is one
//! unit: its JS, WASM, chunks and CSS load one another by relative names, so they share one
//! hash, of the whole `pkg/` directory. In the browser, and for a path the server did not
//! hash, a URL stays as it is (the plain paths are still served, with a short cache life).

use std::collections::HashMap;
use std::sync::Arc;

/// The prefix of every content-addressed URL.
pub const PREFIX: &str = "/assets/";

/// The site's content hashes: one for the bundle directory, one per other file.
#[derive(Clone, Debug, Default)]
pub struct Assets(Arc<Hashes>);

#[derive(Debug, Default)]
struct Hashes {
    pkg_dir: String,
    pkg: Option<String>,
    files: HashMap<String, String>,
}

impl Assets {
    /// `pkg_dir`: the bundle's directory under the site root (`pkg`); `pkg`: its hash;
    /// `files`: each other file's hash by its path from the site root (`images/a.svg`).
    pub fn new(pkg_dir: &str, pkg: Option<String>, files: HashMap<String, String>) -> Assets {
        Assets(Arc::new(Hashes { pkg_dir: pkg_dir.trim_matches('/').to_owned(), pkg, files }))
    }

    /// The hash in the URL of a file at `path` (from the site root, no leading slash).
    pub fn hash_of(&self, path: &str) -> Option<&str> {
        if in_bundle(&self.0.pkg_dir, path) {
            self.0.pkg.as_deref()
        } else {
            self.0.files.get(path).map(String::as_str)
        }
    }

    /// The URL a page uses for `path` (`/images/a.svg`): content-addressed when hashed.
    pub fn url(&self, path: &str) -> String {
        match path.strip_prefix('/').and_then(|p| self.hash_of(p)) {
            Some(hash) => format!("{PREFIX}{hash}{path}"),
            None => path.to_owned(),
        }
    }

    /// Where the hydration script finds the bundle: the directory the bundle's URLs start with
    /// (empty without a hashed bundle: `/pkg/…` as it is).
    pub fn bundle_root(&self) -> String {
        self.0.pkg.as_deref().map(|h| format!("{PREFIX}{h}")).unwrap_or_default()
    }

    /// The bundle's hash: which build of the browser code this server serves.
    pub fn bundle_hash(&self) -> Option<&str> {
        self.0.pkg.as_deref()
    }
}

/// Whether the file at `path` (from the site root) is in the bundle directory `pkg_dir`.
pub fn in_bundle(pkg_dir: &str, path: &str) -> bool {
    path.strip_prefix(pkg_dir).is_some_and(|rest| rest.starts_with('/'))
}

/// The URL for a site file at `path`, in a render: content-addressed on the server, as it is in
/// the browser.
pub fn asset_url(path: &str) -> String {
    match leptos::prelude::use_context::<Assets>() {
        Some(assets) => assets.url(path),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets() -> Assets {
        Assets::new("pkg", Some("b1".into()), HashMap::from([("images/a.svg".to_owned(), "f2".to_owned())]))
    }

    #[test]
    fn hashed_files_get_their_hash_and_the_bundle_shares_one() {
        let a = assets();
        assert_eq!(a.url("/images/a.svg"), "/assets/f2/images/a.svg");
        assert_eq!(a.url("/pkg/shop.css"), "/assets/b1/pkg/shop.css");
        assert_eq!(a.url("/pkg/chunk_3.wasm"), "/assets/b1/pkg/chunk_3.wasm");
        assert_eq!(a.bundle_root(), "/assets/b1");
    }

    #[test]
    fn other_paths_stay_as_they_are() {
        let a = assets();
        assert_eq!(a.url("/images/unknown.svg"), "/images/unknown.svg");
        assert_eq!(a.url("/pkgs/x.js"), "/pkgs/x.js", "a directory merely starting like the bundle's");
        assert_eq!(a.url("https://cdn.example/x.png"), "https://cdn.example/x.png");
        assert_eq!(Assets::default().url("/pkg/shop.css"), "/pkg/shop.css", "no hashed bundle");
        assert_eq!(Assets::default().bundle_root(), "");
    }
}
