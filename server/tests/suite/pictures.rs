//! Product pictures through the real server: staff upload one and every product page offers its
//! widths (WebP first), served with a year's cache; what is not a PNG, JPEG or WebP picture, or
//! is too large, is refused with the reason on the form and nothing stored; only staff upload,
//! only from the shop's own pages; only picture names are served.

use std::io::Cursor;

use reqwest::multipart::{Form, Part};

use crate::common::{start_broker, Db, TestApp};
use testkit::Shopper;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, ((x + y) % 256) as u8]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// Posts `bytes` as the picture form does; returns the status and where it redirects.
async fn upload(who: &Shopper, product: &str, bytes: Vec<u8>, file_name: &str, mime: &str) -> (u16, String) {
    let form = Form::new().part("image", Part::bytes(bytes).file_name(file_name.to_owned()).mime_str(mime).unwrap());
    let r = who.http.post(format!("{}/staff/products/{product}/picture", who.base)).multipart(form).send().await.unwrap();
    let to = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    (r.status().as_u16(), to)
}

async fn page(who: &Shopper, path: &str) -> String {
    who.http.get(format!("{}{path}", who.base)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn staff_upload_a_picture_and_every_page_offers_its_widths() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let staff = app.staff().await;
    let (status, to) = upload(&staff, "orbit-watch", png(900, 600), "watch.png", "image/png").await;
    assert_eq!((status, to.as_str()), (303, "/staff/products/orbit-watch?saved=picture"));

    let column = app.scalar_text("SELECT picture AS t FROM products WHERE id = 'orbit-watch'").await;
    let picture = domain::picture::Picture::from_column(&column).expect("the picture column");
    assert_eq!(picture.widths, vec![320, 640], "never wider than the upload");
    let html = page(&app.shopper(), "/products/orbit-watch").await;
    assert!(html.contains(&format!(r#"srcset="{}""#, picture.srcset(false))), "the fallback widths: {html}");
    assert_eq!(html.contains(r#"type="image/webp""#), picture.webp);
    assert!(page(&app.shopper(), "/products").await.contains(&picture.src()), "the catalog's card shows it too");

    for name in picture.files() {
        let r = app.shopper().http.get(format!("{}/media/{name}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        let bytes = r.bytes().await.unwrap();
        let decoded = image::load_from_memory(&bytes).unwrap_or_else(|e| panic!("{name} ({kind}): {e}"));
        assert!(decoded.width() <= 640 && kind.starts_with("image/"), "{name}: {kind} {}", decoded.width());
    }
    assert_eq!(app.count("outbox WHERE payload LIKE '%product.updated%'").await, 1, "the change is an event");
    app.app.shutdown().await;
}

#[tokio::test]
async fn what_is_not_a_picture_is_refused_and_nothing_is_stored() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let staff = app.staff().await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>"#.to_vec();
    let big = {
        let mut b = png(64, 64);
        b.resize(domain::picture::MAX_UPLOAD_BYTES + 1024, 0);
        b
    };
    for (bytes, name, mime, reason) in [
        (svg, "x.svg", "image/svg+xml", "PNG, JPEG or WebP"),
        (b"hello, not a picture".to_vec(), "x.png", "image/png", "PNG, JPEG or WebP"),
        (png(900, 600)[..400].to_vec(), "cut.png", "image/png", "could not be read"),
        (big, "big.png", "image/png", "larger than"),
        (Vec::new(), "empty.png", "image/png", "Choose a picture"),
    ] {
        let (status, to) = upload(&staff, "orbit-watch", bytes, name, mime).await;
        assert_eq!((status, to.as_str()), (303, "/staff/products/orbit-watch"), "{name}: back to the form");
        let form = page(&staff, "/staff/products/orbit-watch").await;
        assert!(form.contains(reason), "{name}: the page says \"{reason}\"");
    }
    assert_eq!(app.count("products WHERE picture IS NOT NULL").await, 0);
    let media = app.app.shop.media_dir().to_owned();
    assert!(std::fs::read_dir(&media).map_or(true, |d| d.count() == 0), "nothing written under {}", media.display());

    let shopper = app.registered("shopper@example.com").await;
    assert_eq!(upload(&shopper, "orbit-watch", png(300, 300), "a.png", "image/png").await.0, 403, "shoppers cannot");
    let (status, to) = upload(&app.shopper(), "orbit-watch", png(300, 300), "a.png", "image/png").await;
    assert!(status == 303 && to.starts_with("/login?next="), "signed out: {status} {to}");
    let cross = staff
        .http
        .post(format!("{}/staff/products/orbit-watch/picture", app.base))
        .header("origin", "https://evil.example")
        .multipart(Form::new().part("image", Part::bytes(png(300, 300)).file_name("a.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403, "another site's form cannot upload");
    assert_eq!(upload(&staff, "no-such-product", png(300, 300), "a.png", "image/png").await.0, 404);
    assert_eq!(app.count("products WHERE picture IS NOT NULL").await, 0);

    for path in ["/media/..%2Fshop.db", "/media/shop.db", "/media/x-320.svg", "/media/nothing-320.jpg"] {
        assert_eq!(app.shopper().http.get(format!("{}{path}", app.base)).send().await.unwrap().status(), 404, "{path}");
    }
    app.app.shutdown().await;
}
