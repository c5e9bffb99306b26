//! The hostile-input suite: every request here is one an attacker or a broken client could
//! send. Each must get a clear 4xx and change nothing: the database is compared before and after.

use crate::common::{checkout_form, new_key, start_broker, Db, TestApp};

/// What a hostile request must not change.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    users: i64,
    orders: i64,
    items: i64,
    outbox: i64,
    history: i64,
    stock: i64,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    Snapshot {
        users: app.count("users").await,
        orders: app.count("orders").await,
        items: app.count("order_items").await,
        outbox: app.count("outbox").await,
        history: app.count("order_status_history").await,
        stock: app.total_stock().await,
    }
}

async fn bad_quantities_products_and_bodies_change_nothing(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let s = app.registered("hostile@example.com").await;
    let before = snapshot(&app).await;

    // Quantities and products: 422 with a message that says what is wrong.
    for (cart, says) in [
        ("ridge-mug:0", "between 1 and 99"),
        ("ridge-mug:-5", "between 1 and 99"),
        ("ridge-mug:99999999999999999999999", "not a whole number"),
        ("ridge-mug:9223372036854775807", "between 1 and 99"),
        ("ridge-mug:1e3", "not a whole number"),
        ("ridge-mug:abc", "not a whole number"),
        ("ridge-mug:", "not a whole number"),
        ("ghost-product:1", "ghost-product"),
        ("ridge-mug:1,ridge-mug:99", "between 1 and 99"),
    ] {
        let key = new_key();
        let r = s.call("place_order", &checkout_form(cart, &key)).await;
        assert!((400..500).contains(&r.status), "{cart}: {} {}", r.status, r.text);
        assert!(r.text.contains(says), "{cart}: expected {says:?} in {}", r.text);
    }

    // Bodies: too large, malformed form encoding, JSON where a form is expected, no body.
    let url = format!("{}/api/place_order", app.base);
    let huge = format!("cart=ridge-mug:1&first_name={}", "A".repeat(70 * 1024));
    let r = s.http.post(&url).header("content-type", "application/x-www-form-urlencoded").body(huge).send().await.unwrap();
    assert_eq!(r.status(), 413, "a body over the 64 KiB limit");
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", "%%%=%zz&&=="),
        ("application/x-www-form-urlencoded", "cart=ridge-mug:1"),
        ("application/json", "{\"cart\": \"ridge-mug:1\", "),
        ("application/json", "[1,2,3]"),
        ("text/plain", "cart=ridge-mug:1"),
    ] {
        let r = s.http.post(&url).header("content-type", content_type).body(body).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!((400..500).contains(&status), "{content_type} {body:?}: {status} {text}");
        assert!(!text.is_empty(), "a 4xx says why: {content_type} {body:?}");
    }
    let r = s.http.post(&url).send().await.unwrap();
    assert!(r.status().is_client_error(), "no body: {}", r.status());

    // The cart endpoints of the no-WASM forms: impossible quantities, and ids that would
    // smuggle attributes into the cart's Set-Cookie header.
    for (id, q) in [("ridge-mug", "-1"), ("ridge-mug", "100"), ("ridge-mug", "1000000000000"), ("ridge-mug", "x"), ("x; Domain=evil.example", "1")] {
        for f in ["set_cart_quantity", "add_to_cart"] {
            let r = s.call(f, &[("product_id", id), ("quantity", q)]).await;
            assert!((400..500).contains(&r.status), "{f} {id} {q}: {} {}", r.status, r.text);
        }
    }
    let r = s.http.post(format!("{}/api/add_to_cart", app.base)).form(&[("product_id", "ridge-mug"), ("quantity", "0")]).send().await.unwrap();
    assert_eq!(r.status(), 422, "adding nothing is refused");
    // A well-formed id the catalog does not have, and more than the stock (the band has 3):
    // refused with a reason, and no cart cookie is written.
    for (f, id, q, reason) in [
        ("add_to_cart", "no-such-product", "1", "is not in the catalog."),
        ("set_cart_quantity", "no-such-product", "1", "is not in the catalog."),
        ("add_to_cart", "stride-band", "4", "Only 3 of Stride Fitness Band in stock."),
        ("set_cart_quantity", "stride-band", "4", "Only 3 of Stride Fitness Band in stock."),
    ] {
        let r = s.http.post(format!("{}/api/{f}", app.base)).form(&[("product_id", id), ("quantity", q)]).send().await.unwrap();
        assert_eq!(r.status(), 422, "{f} {id} {q}");
        assert!(r.headers().get("set-cookie").is_none(), "{f} {id} {q} wrote a cookie");
        assert!(r.text().await.unwrap().contains(reason), "{f} {id} {q}: the reason");
    }
    let r = s.http.post(format!("{}/api/add_to_cart", app.base)).form(&[("product_id", "stride-band"), ("quantity", "3")]).send().await.unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "all of the stock fits: {}", r.status());

    assert_eq!(snapshot(&app).await, before, "hostile requests changed the database");
    app.app.shutdown().await;
}

async fn a_tampered_price_or_total_is_refused_and_changes_nothing(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let s = app.registered("tamper@example.com").await;
    let before = snapshot(&app).await;
    let key = new_key();
    for (field, value) in [("total_cents", "1"), ("total", "0.01"), ("price_cents", "1"), ("ridge-mug_price", "1"), ("unit_price_cents", "-100"), ("price", "")]
    {
        let mut form = checkout_form("ridge-mug:1", &key);
        form.push((field, value));
        let r = s.call("place_order", &form).await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert!(r.text.contains(&format!("\\\"{field}\\\"")) && r.text.contains("nothing was ordered"), "{field}: the field is named: {}", r.text);
    }
    // A cart line that smuggles a price is not a quantity at all.
    let r = s.call("place_order", &checkout_form("ridge-mug:1:1", &key)).await;
    assert!((400..500).contains(&r.status), "{} {}", r.status, r.text);
    assert_eq!(snapshot(&app).await, before, "a refused order changed the database");

    // The same form as the checkout page sends it: charged at the database's price, and the
    // refused attempts did not use up its idempotency key.
    let r = s.call("place_order", &checkout_form("ridge-mug:1", &key)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["order"]["total_cents"], 1600, "the price comes from the database");
    assert_eq!(r.body["repeated"], false);
    assert_eq!(app.count("orders").await, 1);
    app.app.shutdown().await;
}

async fn script_tags_are_rendered_escaped_and_sql_metacharacters_are_data(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    const XSS: &str = "<script>alert(1)</script>";
    let s = app.shopper();
    let r = s.call("register", &[("name", XSS), ("email", "xss@example.com"), ("password", "correct-horse-battery")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let key = new_key();
    let form: Vec<(&str, &str)> = vec![
        ("first_name", XSS),
        ("last_name", "O'Brien\"; DROP TABLE orders; --"),
        ("email", "xss@example.com"),
        ("address", XSS),
        ("city", "<img src=x onerror=alert(1)>"),
        ("state", "NY"),
        ("zip", "10001"),
        ("cart", "ridge-mug:1"),
        ("idempotency_key", &key),
    ];
    let r = s.call("place_order", &form).await;
    let id = if r.status == 200 {
        r.body["order"]["id"].as_str().unwrap().to_owned()
    } else {
        // Refusing markup in a name is a fine answer too, as long as it is a clear 4xx.
        assert_eq!(r.status, 422, "{}", r.text);
        panic!("expected the order to be accepted with its text stored verbatim: {}", r.text);
    };
    let page = s.http.get(format!("{}/orders/{id}", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(XSS), "raw script tag in the order page");
    assert!(!page.contains("<img src=x"), "raw img tag in the order page");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"), "the city is shown, escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped text shown");
    assert!(page.contains("O&#39;Brien") || page.contains("O'Brien"), "the quote is kept as text");
    let header = s.http.get(&app.base).send().await.unwrap().text().await.unwrap();
    assert!(!header.contains(XSS), "raw script tag in the header");
    assert!(header.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the user's name is shown, escaped, in the header");
    assert_eq!(app.count("orders").await, 1, "the orders table is intact");

    // SQL metacharacters wherever an id or an email goes in.
    let before = snapshot(&app).await;
    let other = app.shopper();
    for email in ["' OR '1'='1", "admin'--@example.com", "x@example.com' OR 1=1 --"] {
        let r = other.call("login", &[("email", email), ("password", "' OR '1'='1")]).await;
        assert!((400..500).contains(&r.status), "login {email}: {} {}", r.status, r.text);
    }
    let r = s.call("order", &[("id", "' OR '1'='1")]).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = s.call("orders", &[("status", "PENDING' OR '1'='1")]).await;
    assert!((400..500).contains(&r.status), "status filter: {} {}", r.status, r.text);
    let r = s.call("place_order", &checkout_form("ridge-mug';DELETE FROM products;--:1", &new_key())).await;
    assert!((400..500).contains(&r.status), "{} {}", r.status, r.text);
    let r = s.http.get(format!("{}/?q=%27%20OR%201%3D1%20--", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200, "search treats quotes as text");
    assert_eq!(snapshot(&app).await, before);
    app.app.shutdown().await;
}

async fn forged_expired_unsigned_and_foreign_tokens_are_refused(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let s = app.shopper();
    let me = s.register("jwt@example.com").await;
    let user_id = me.body["id"].as_str().expect("register returns the user id").to_owned();
    let valid = s.cookie_header().unwrap().split("session=").nth(1).unwrap().split(';').next().unwrap().to_owned();
    let now = chrono::Utc::now().timestamp();

    let b64 = |s: &str| {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in s.as_bytes().chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &x)| acc | (x as u32) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    };
    let staff_claims = b64(&format!(r#"{{"sub":"{user_id}","role":"staff","iat":{now},"exp":{}}}"#, now + 3600));
    // A session token is 64 hex digits naming a row: anything else, or a row that does not
    // exist, is refused, including tokens shaped like the signed JWTs sessions used to be.
    let mut flipped = valid.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let tokens = [
        ("unknown token", "0".repeat(64)),
        ("one digit changed", String::from_utf8(flipped).unwrap()),
        // What a leaked sessions table holds is no cookie.
        ("the session's stored id", backend::sessions::id_of(&valid).unwrap()),
        ("alg none JWT", format!("{}.{staff_claims}.", b64(r#"{"alg":"none","typ":"JWT"}"#))),
        ("truncated", valid[..63].to_owned()),
        ("garbage", "a.b.c".to_owned()),
    ];
    for (what, token) in tokens {
        let cookie = format!("session={token}");
        let http = reqwest::Client::new();
        let r = http.post(format!("{}/api/orders", app.base)).header("cookie", &cookie).form(&[("all", "true")]).send().await.unwrap();
        assert_eq!(r.status(), 401, "{what}: server function");
        let r = http.post(format!("{}/api/staff_overview", app.base)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), 401, "{what}: staff function");
        assert_eq!(crate::common::ws_refusal(&app.base, &cookie).await, Some(401), "{what}: /ws");
    }
    // The genuine token still works, as a shopper only.
    assert_eq!(s.call("orders", &[]).await.status, 200);
    assert_eq!(s.call("staff_overview", &[]).await.status, 403);
    app.app.shutdown().await;
}

async fn cross_origin_writes_other_shoppers_and_staff_functions_are_refused(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let (alice, id) = app.shopper_with_order("alice@example.com", "ridge-mug").await;
    let mallory = app.registered("mallory@example.com").await;
    let before = snapshot(&app).await;

    // A page on another site posting with alice's cookie (as a browser ignoring SameSite would).
    let url = format!("{}/api/place_order", app.base);
    let r = alice.http.post(&url).header("origin", "http://evil.example").form(&checkout_form("ridge-mug:1", &new_key())).send().await.unwrap();
    assert_eq!(r.status(), 403, "cross-origin server-function POST");
    let r = alice
        .http
        .post(format!("{}/api/change_status", app.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("id", id.as_str()), ("status", "CANCELLED"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "cross-site (fetch metadata) POST");
    // The same request from the shop's own origin goes through the normal checks.
    let r = alice.http.post(&url).header("origin", &app.base).form(&checkout_form("ridge-mug:0", &new_key())).send().await.unwrap();
    assert_eq!(r.status(), 422);

    assert_eq!(mallory.call("order", &[("id", &id)]).await.status, 404);
    assert_eq!(mallory.call("change_status", &[("id", &id), ("status", "CANCELLED"), ("version", "1")]).await.status, 404);
    assert_eq!(mallory.http.get(format!("{}/orders/{id}", app.base)).send().await.unwrap().status(), 404);
    for (f, form) in [("staff_overview", vec![]), ("orders", vec![("all", "true")])] {
        let r = alice.call(f, &form).await;
        assert_eq!(r.status, 403, "{f} as a shopper: {}", r.text);
    }
    // change_status is shared (a shopper may cancel their own pending order); a staff-only
    // move of their own order is refused with a reason.
    let r = alice.call("change_status", &[("id", id.as_str()), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("Only staff"), "{}", r.text);
    assert_eq!(snapshot(&app).await, before);
    let r = app.staff().await.call("staff_overview", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.app.shutdown().await;
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let s = app.registered("headers@example.com").await;
    for path in ["/", "/products", "/login", "/orders", "/cart", "/no-such-page", "/favicon.svg", "/healthz"] {
        let r = s.http.get(format!("{}{path}", app.base)).send().await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP")).to_str().unwrap();
        assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let directive = |name: &str| -> Vec<String> {
            csp.split(';')
                .map(str::trim)
                .find_map(|d| d.strip_prefix(name).map(|rest| rest.split_whitespace().map(str::to_owned).collect()))
                .unwrap_or_default()
        };
        let scripts = directive("script-src ");
        assert!(!scripts.is_empty(), "{path}: no script-src");
        assert!(!scripts.iter().any(|t| t == "'unsafe-eval'" || t == "'unsafe-inline'" || t == "*"), "{path}: scripts may eval or run inline: {csp}");
        assert_eq!(directive("connect-src "), ["'self'"], "{path}: connections to other hosts allowed: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
    app.app.shutdown().await;
}

/// A malformed call is answered with a plain message: no parser, framework or database words.
#[tokio::test]
async fn errors_sent_to_browsers_carry_no_framework_or_database_text() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let http = reqwest::Client::new();
    let calls: [(&str, &str, &str); 4] = [
        ("login", "application/x-www-form-urlencoded", "email=someone%40example.com"),
        ("place_order", "application/x-www-form-urlencoded", "cart=ridge-mug%3A1&idempotency_key=%FF%FE"),
        ("login", "application/x-www-form-urlencoded", "email[]=1&password[x]=2&%zz"),
        ("update_profile_that_does_not_exist", "application/x-www-form-urlencoded", "a=b"),
    ];
    for (name, kind, body) in calls {
        let r = http.post(format!("{}/api/{name}", app.base)).header("content-type", kind).body(body).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!((400..500).contains(&status), "{name}: {status} {text}");
        for leak in ["missing field", "serde", "deserializ", "invalid type", "sqlx", "sea_orm", "SQLITE", "panicked", "server function", "ServerFn"] {
            assert!(!text.to_lowercase().contains(&leak.to_lowercase()), "{name} answered with framework text ({leak}): {text}");
        }
    }
    app.app.shutdown().await;
}

/// An injected `<script>` must not run: the policy allows inline scripts only with a nonce that
/// is new on every page, and every script the page itself writes carries it.
#[tokio::test]
async fn inline_scripts_run_only_with_the_pages_own_nonce() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let http = reqwest::Client::new();
    let mut seen = Vec::new();
    for path in ["/", "/", "/login", "/no-such-page"] {
        let r = http.get(format!("{}{path}", app.base)).send().await.unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let html = r.text().await.unwrap();
        let script_src = csp.split(';').map(str::trim).find_map(|d| d.strip_prefix("script-src ")).unwrap_or_default();
        let nonces: Vec<&str> = script_src.split_whitespace().filter_map(|t| t.strip_prefix("'nonce-")?.strip_suffix('\'')).collect();
        assert_eq!(nonces.len(), 1, "{path}: one nonce in {csp}");
        let nonce = nonces[0];
        assert!(nonce.len() >= 22 && nonce.chars().all(|c| c.is_ascii_alphanumeric()), "{path}: weak nonce {nonce}");
        let scripts: Vec<&str> = html.match_indices("<script").map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()]).collect();
        assert!(scripts.len() >= 2, "{path}: the page's scripts are missing: {html}");
        for tag in scripts {
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{path}: a script without the page's nonce: {tag}");
        }
        seen.push(nonce.to_owned());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "a nonce was used twice: {seen:?}");
    app.app.shutdown().await;
}

#[tokio::test]
async fn an_oversized_websocket_message_closes_only_that_socket() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let s = app.registered("big-frames@example.com").await;
    let mut bad = s.socket().await;
    let mut good = s.socket().await;
    // 1 MiB: far above what a browser ever sends on this socket (pongs and nothing else).
    // The server may close the connection before it has read it all: a failed send is fine.
    let _ = bad.ws.send(Message::Text("x".repeat(1 << 20).into())).await;
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match bad.ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "the server must close a socket that sends an oversized message");
    // The other socket of the same shopper still gets its events.
    let order = s.checkout("canvas-notebook:1", &new_key()).await;
    assert_eq!(order.status, 200, "{}", order.text);
    let got = good.collect_orders(1, std::time::Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "the well-behaved socket must still receive events");
    app.app.shutdown().await;
}

crate::on_both_databases!(
    bad_quantities_products_and_bodies_change_nothing,
    a_tampered_price_or_total_is_refused_and_changes_nothing,
    script_tags_are_rendered_escaped_and_sql_metacharacters_are_data,
    forged_expired_unsigned_and_foreign_tokens_are_refused,
    cross_origin_writes_other_shoppers_and_staff_functions_are_refused,
);
