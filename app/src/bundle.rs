//! The scripts every page carries before the WASM bundle, and the build it belongs to.
//!
//! The browser's downloads of the WASM bundle survive a server restart.
//!
//! Islands hydrate after the page is shown, and a lazy island fetches its chunk only then. If
//! the server is restarting at that moment (a deploy, a crash and its restart), the download
//! fails, the chunk loader reports a failed load and the island's hydration panics: the page
//! stays as the server rendered it, but nothing on it is live until a reload. So the page's
//! first script wraps `fetch` for this site's `/pkg/` files: a download that fails on the
//! network (or gets a 5xx) is tried again with backoff, as the WebSocket reconnects, until the
//! server answers or a few minutes have passed.

/// Runs in `<head>`, before the island script and the chunk loader call `fetch`.
pub const RETRY_SCRIPT: &str = include_str!("js/retry.js");

/// The single-page navigation (see `state::page`). Inline, so that it runs before the bundle
/// has arrived and a click made at once is already a navigation in place.
pub const ROUTER_SCRIPT: &str = include_str!("js/router.js");

/// Which build of the browser bundle this server serves: the navigation script compares it
/// between pages and loads the page in full when it changes (a deploy), since the WASM it
/// runs would not match the new pages' islands.
#[cfg(feature = "ssr")]
pub fn build_id(options: &leptos::prelude::LeptosOptions) -> String {
    use std::sync::OnceLock;
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let wasm = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref()).join(format!("{}.wasm", options.output_name));
        let stamp = std::fs::metadata(&wasm).ok().and_then(|m| {
            let modified = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some(format!("{:x}-{:x}", m.len(), modified.as_nanos()))
        });
        stamp.unwrap_or_else(|| "none".to_owned())
    })
    .clone()
}

#[cfg(not(feature = "ssr"))]
pub fn build_id(_options: &leptos::prelude::LeptosOptions) -> String {
    String::new()
}

/// A page's inline script as sent: the source without its comment lines and indentation (the
/// files under `js/` are written to be read; every page carries them). Line breaks stay, so
/// statements end where the source ends them.
pub fn compact(js: &str) -> String {
    js.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The three inline scripts of every page, compacted once.
pub fn inline_scripts() -> &'static [String; 3] {
    static SCRIPTS: std::sync::OnceLock<[String; 3]> = std::sync::OnceLock::new();
    SCRIPTS.get_or_init(|| [compact(crate::state::theme::NO_FLASH_SCRIPT), compact(RETRY_SCRIPT), compact(ROUTER_SCRIPT)])
}

#[cfg(test)]
mod tests {
    #[test]
    fn compacting_drops_comments_and_indentation_only() {
        let js = "// why\n(() => {\n\t// inner note\n\tconst a = 1; // kept: not a comment line\n\tconst re = /^\\/x/;\n})();\n";
        assert_eq!(super::compact(js), "(() => {\nconst a = 1; // kept: not a comment line\nconst re = /^\\/x/;\n})();");
    }
}
