//! The site's files under content-addressed URLs: pages name them by hash, the server serves
//! them for a year (immutable), precompressed where a copy exists, and refuses a hash that is
//! not the file's.

use crate::common::{start_broker, temp_dir, Db, TestApp};

/// The value of the first `attr="…"` in `html` whose value contains `needle`.
fn url_containing(html: &str, needle: &str) -> String {
    html.split('"').find(|piece| piece.contains(needle) && piece.starts_with('/')).unwrap_or_else(|| panic!("no URL with {needle} in the page")).to_owned()
}

#[tokio::test]
async fn site_files_are_served_by_content_hash_with_a_years_cache() {
    let site = temp_dir("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::create_dir_all(site.join("images")).unwrap();
    std::fs::write(site.join("pkg/shop.js"), "export default function init() {}").unwrap();
    std::fs::write(site.join("pkg/shop.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(site.join("pkg/shop.css"), "body{color:#111}").unwrap();
    std::fs::write(site.join("pkg/shop.css.br"), b"pretend-brotli").unwrap();
    std::fs::write(site.join("images/aurora-headphones.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let broker = start_broker().await;
    let root = site.display().to_string();
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("LEPTOS_SITE_ROOT", &root)]).await;
    let http = reqwest::Client::new();

    let page = http.get(format!("{}/products", app.base)).send().await.unwrap().text().await.unwrap();
    let css = url_containing(&page, "/pkg/shop.css");
    let js = url_containing(&page, "/pkg/shop.js");
    let image = url_containing(&page, "/images/aurora-headphones.svg");
    let bundle =
        css.strip_prefix("/assets/").and_then(|r| r.strip_suffix("/pkg/shop.css")).unwrap_or_else(|| panic!("the stylesheet is not content-addressed: {css}"));
    assert_eq!(js, format!("/assets/{bundle}/pkg/shop.js"), "the bundle's files share one hash");
    assert!(page.contains(&format!("<meta name=\"shop-build\" content=\"{bundle}\"")), "the build the navigation script compares is the bundle's hash");
    assert!(image.starts_with("/assets/") && !image.contains(bundle), "an image has its own hash: {image}");

    for (url, body) in [(&css, "body{color:#111}"), (&image, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")] {
        let r = http.get(format!("{}{url}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable", "{url}");
        assert_eq!(r.text().await.unwrap(), body);
    }
    // The precompressed copy, as ServeDir serves it.
    let r = http.get(format!("{}{css}", app.base)).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"pretend-brotli");

    // Another build's hash, or a hash for a file it is not: a 404 nobody keeps.
    for url in ["/assets/0123456789abcdef/pkg/shop.css".to_owned(), image.replace("/images/aurora-headphones.svg", "/pkg/shop.css")] {
        let r = http.get(format!("{}{url}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{url}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{url}");
    }
    app.app.shutdown().await;
    let _ = std::fs::remove_dir_all(&site);
}
