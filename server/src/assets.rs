//! The site's static files under content-addressed URLs (`app::assets` says why): hashed once
//! when the server starts, served from `/assets/<hash>/<path>` with a year's immutable cache.
//!
//! A URL whose hash is not the file's current one (a page of an earlier build asking for its
//! bundle after a deploy) is a 404, never today's file under yesterday's name, which a browser
//! would then keep for a year.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use app::assets::Assets;

use crate::startup::AppState;

/// Hex digits of SHA-256 in a URL: 64 bits, plenty to tell builds of one file apart.
const HASH_LEN: usize = 16;

/// The hashes of the site under `site_root`. Computed once per site root and process (the
/// integration tests start many servers on one site).
pub fn scan(site_root: &Path, pkg_dir: &str) -> Assets {
    static SCANNED: OnceLock<Mutex<HashMap<PathBuf, Assets>>> = OnceLock::new();
    let mut scanned = SCANNED.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    scanned.entry(site_root.to_path_buf()).or_insert_with(|| hash_site(site_root, pkg_dir)).clone()
}

fn hash_site(site_root: &Path, pkg_dir: &str) -> Assets {
    let pkg_dir = pkg_dir.trim_matches('/');
    let mut files = BTreeMap::new();
    walk(site_root, site_root, &mut files);
    let (bundle, others): (Vec<_>, Vec<_>) = files.into_iter().partition(|(path, _)| app::assets::in_bundle(pkg_dir, path));
    // The bundle's hash covers every file in it, with its name: a renamed chunk is a new build.
    let pkg = (!bundle.is_empty()).then(|| {
        let mut all = Sha256::new();
        for (path, hash) in &bundle {
            all.update(path.as_bytes());
            all.update([0]);
            all.update(hash.as_bytes());
            all.update([b'\n']);
        }
        short(&all.finalize())
    });
    tracing::info!(site = %site_root.display(), files = others.len() + bundle.len(), bundle = ?pkg, "site files hashed");
    Assets::new(pkg_dir, pkg, others.into_iter().collect())
}

/// Every file under `dir` by its path from `root` (`/`-separated), but the precompressed copies
/// (`.br`, `.gz`): they are the same content, served in its place.
fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            walk(root, &path, out);
            continue;
        }
        if path.extension().is_some_and(|e| e == "br" || e == "gz") {
            continue;
        }
        let (Ok(rel), Ok(bytes)) = (path.strip_prefix(root), std::fs::read(&path)) else { continue };
        let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        out.insert(rel, short(&Sha256::digest(&bytes)));
    }
}

fn short(digest: &[u8]) -> String {
    hex::encode(digest)[..HASH_LEN].to_owned()
}

/// `GET /assets/<hash>/<path>`: the file, if `hash` is its content's, for a year.
pub async fn serve(State(state): State<AppState>, UrlPath((hash, path)): UrlPath<(String, String)>, mut req: Request) -> Response {
    if state.assets.hash_of(&path) != Some(hash.as_str()) {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "No such file in this build of the site.").into_response();
    }
    let Ok(uri) = format!("/{path}").parse::<Uri>() else { return StatusCode::NOT_FOUND.into_response() };
    *req.uri_mut() = uri;
    let files = ServeDir::new(state.leptos_options.site_root.as_ref()).precompressed_br().precompressed_gzip();
    serve_immutable(files, req).await
}

/// `req` answered from `files`, cacheable for a year when found: for URLs that never change
/// meaning (the site's content-addressed files, uploaded pictures).
pub async fn serve_immutable(files: ServeDir, req: Request) -> Response {
    let mut response = match files.oneshot(req).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response
}
