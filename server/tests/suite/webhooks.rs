//! Webhooks through the real server, received on a local port: each event arrives signed (the
//! signature checked here with an HMAC of the test's own), a failing receiver is retried, one
//! that keeps failing leaves a dead letter staff can send again, and outside development a
//! webhook reaches only public addresses, when registered and when sent.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sea_orm::ConnectionTrait;
use sha2::Sha256;

use crate::common::{start_broker, Db, TestApp};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Got {
    headers: HeaderMap,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no {name} header: {:?}", self.headers))
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Checks `X-Shop-Signature` as a receiver would: HMAC-SHA256 of `timestamp.body`.
    fn signed_with(&self, secret: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{}.{}", self.header("x-shop-timestamp"), self.body).as_bytes());
        let Some(hex) = self.header("x-shop-signature").strip_prefix("sha256=") else { return false };
        let Ok(given) = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16)).collect::<Result<Vec<u8>, _>>() else {
            return false;
        };
        mac.verify_slice(&given).is_ok()
    }
}

/// A receiver on a local port that records every request and answers 500 to the first
/// `fail_first` of them, or to all while `failing`.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    fail_first: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
}

impl Receiver {
    async fn start() -> (Receiver, u16) {
        let r = Receiver::default();
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, port)
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests came.
    async fn wait_for(&self, n: usize, wait: Duration) -> Vec<Got> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            let got = self.got();
            if got.len() >= n || tokio::time::Instant::now() > until {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    r.got.lock().unwrap().push(Got { headers, body });
    let fail_now = r.fail_first.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if fail_now || r.failing.load(Ordering::SeqCst) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn signed_events_arrive_and_a_failing_receiver_is_retried(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let (receiver, port) = Receiver::start().await;
    receiver.fail_first.store(1, Ordering::SeqCst);
    let staff = app.staff().await;
    let url = format!("http://127.0.0.1:{port}/hook");

    let shopper = app.registered("nosy@example.com").await;
    assert_eq!(shopper.call("register_webhook", &[("url", &url), ("events", "*"), ("description", "")]).await.status, 403, "shoppers cannot");
    assert_eq!(app.shopper().call("staff_webhooks", &[]).await.status, 401);
    let r = staff.call("register_webhook", &[("url", &url), ("events", "order.*"), ("description", "The warehouse")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");

    let (_, order) = app.shopper_with_order("buyer@example.com", "canvas-notebook").await;
    assert_eq!(receiver.wait_for(1, Duration::from_secs(10)).await.len(), 1, "order.created sent at once");
    let changed = staff.call("change_status", &[("id", &order), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let stock = staff.call("change_stock", &[("id", "orbit-watch"), ("action", "add"), ("quantity", "2"), ("reason", "received")]).await;
    assert_eq!(stock.status, 200, "{}", stock.text);

    // order.created answered 500, then again (after the first delay) 200; order.status_changed 200.
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3, "{got:#?}");
    for g in &got {
        assert!(g.signed_with(&secret), "the signature verifies: {g:?}");
        assert!(!g.signed_with("whsec_someone-else"), "and only with the webhook's secret");
        let event = g.json();
        assert_eq!(event["order_id"], order, "only order events: {event}");
        assert_eq!(g.header("x-shop-event"), event["type"].as_str().unwrap());
        assert_eq!(g.header("x-shop-event-id"), event["event_id"].as_str().unwrap());
        assert_eq!(g.header("content-type"), "application/json");
    }
    let created: Vec<&Got> = got.iter().filter(|g| g.header("x-shop-event") == "order.created").collect();
    assert_eq!(created.len(), 2, "the failed attempt was made again");
    assert_eq!(created[0].header("x-shop-delivery"), created[1].header("x-shop-delivery"));
    assert_eq!(got.iter().filter(|g| g.header("x-shop-event") == "order.status_changed").count(), 1);

    let page = staff.call("staff_webhooks", &[]).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let hook = &page.body["webhooks"][0];
    assert_eq!((hook["delivered"].as_u64(), hook["dead"].as_u64(), hook["events"].as_str()), (Some(2), Some(0), Some("order.*")), "{hook}");
    let recent = page.body["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 2, "one delivery per event: {}", page.text);
    let first = recent.iter().find(|d| d["event_type"] == "order.created").unwrap();
    assert_eq!((first["state"].as_str(), first["attempts"].as_i64(), first["last_result"].as_str()), (Some("delivered"), Some(2), Some("HTTP 200")));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.got().len(), 3, "a delivered event is not sent again");
    app.app.shutdown().await;
}

crate::on_both_databases!(signed_events_arrive_and_a_failing_receiver_is_retried);

/// The delivery rows, oldest first, as (id, state, attempts).
async fn deliveries(app: &TestApp) -> Vec<(String, String, i64)> {
    let db = app.app.shop.db();
    let rows = db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT id, state, CAST(attempts AS BIGINT) AS attempts FROM webhook_deliveries ORDER BY id".to_owned(),
        ))
        .await
        .unwrap();
    rows.iter().map(|r| (r.try_get("", "id").unwrap(), r.try_get("", "state").unwrap(), r.try_get("", "attempts").unwrap())).collect()
}

#[tokio::test]
async fn dead_letters_are_kept_and_sent_again() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let (receiver, port) = Receiver::start().await;
    receiver.failing.store(true, Ordering::SeqCst);
    let staff = app.staff().await;
    let r = staff.call("register_webhook", &[("url", &format!("http://127.0.0.1:{port}/hook")), ("events", "order.created"), ("description", "")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, order) = app.shopper_with_order("dead@example.com", "canvas-notebook").await;

    // The schedule's delays run to ten minutes; the test moves each retry's time to now.
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let rows = deliveries(&app).await;
        if rows.first().is_some_and(|(_, state, _)| state == "dead") {
            break;
        }
        assert!(tokio::time::Instant::now() < until, "never dead: {rows:?}");
        app.app.shop.db().execute_unprepared("UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE state = 'pending' AND attempts > 0").await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let attempts = domain::webhook::MAX_ATTEMPTS as usize;
    assert_eq!(receiver.got().len(), attempts, "every attempt of the schedule, then no more");
    let page = staff.call("staff_webhooks", &[]).await;
    let dead = page.body["dead"].as_array().unwrap();
    assert_eq!(dead.len(), 1, "{}", page.text);
    assert_eq!((dead[0]["attempts"].as_i64(), dead[0]["last_result"].as_str()), (Some(attempts as i64), Some("HTTP 500")));
    assert_eq!(page.body["webhooks"][0]["dead"], 1);
    let id = dead[0]["id"].as_str().unwrap().to_owned();

    assert_eq!(app.registered("nosy@example.com").await.call("retry_webhook_deliveries", &[("delivery", &id)]).await.status, 403);
    let html = staff.http.get(format!("{}/staff/webhooks", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"data-testid="dead-letters""#) && html.contains(&format!("Send {id} again")), "the page lists the dead letter with its button");
    receiver.failing.store(false, Ordering::SeqCst);
    // The page's button is a plain form: it works without WASM and comes back to the page.
    let r = staff
        .http
        .post(format!("{}/api/retry_webhook_deliveries", app.base))
        .header("accept", "text/html")
        .form(&[("delivery", id.as_str())])
        .send()
        .await
        .unwrap();
    let to = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert!(r.status().is_redirection() && to == "/staff/webhooks?saved=retried&n=1", "{} {to}", r.status());
    let got = receiver.wait_for(attempts + 1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), attempts + 1);
    assert_eq!(got.last().unwrap().json()["order_id"], order);
    let until = tokio::time::Instant::now() + Duration::from_secs(5);
    while deliveries(&app).await[0].1 != "delivered" {
        assert!(tokio::time::Instant::now() < until, "the retried delivery was never marked delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = staff.call("retry_webhook_deliveries", &[("delivery", &id)]).await;
    assert!(again.status >= 400 && again.text.contains("not a dead letter"), "{}: {}", again.status, again.text);
    app.app.shutdown().await;
}

#[tokio::test]
async fn outside_development_webhooks_reach_only_public_addresses() {
    let broker = start_broker().await;
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("WEBHOOK_PRIVATE_TARGETS", "deny")]).await;
    let (receiver, port) = Receiver::start().await;
    let staff = app.staff().await;
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        "http://[::1]:9/hook".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.8/hook".to_owned(),
        "http://[::ffff:127.0.0.1]/hook".to_owned(),
    ] {
        let r = staff.call("register_webhook", &[("url", &url), ("events", "*"), ("description", "")]).await;
        assert!(r.status == 422 && r.text.contains("not a public address"), "{url}: {} {}", r.status, r.text);
    }
    for (url, why) in [("ftp://example.com/x", "http"), ("http://user:secret@example.com/", "passwords")] {
        let r = staff.call("register_webhook", &[("url", url), ("events", "*"), ("description", "")]).await;
        assert!(r.status == 422 && r.text.contains(why), "{url}: {} {}", r.status, r.text);
    }
    let r = staff.call("register_webhook", &[("url", "https://hooks.example.com/x"), ("events", "order.exploded"), ("description", "")]).await;
    assert!(r.status == 422 && r.text.contains("order.exploded"), "{}", r.text);
    assert_eq!(app.count("webhooks").await, 0, "nothing refused was stored");

    // A name that resolved to a public address when registered may resolve to a private one
    // later: the check is made again for every connection. Registered behind the shop's back.
    app.app
        .shop
        .db()
        .execute_unprepared(&format!(
            "INSERT INTO webhooks (id, url, secret, events, description, active, created_by, created_at) \
             VALUES ('rebound', 'http://localhost:{port}/hook', 'whsec_x', '*', '', TRUE, 'x', 0)"
        ))
        .await
        .unwrap();
    app.shopper_with_order("ssrf@example.com", "canvas-notebook").await;
    let until = tokio::time::Instant::now() + Duration::from_secs(15);
    let page = loop {
        let page = staff.call("staff_webhooks", &[]).await;
        if page.body["recent"].as_array().is_some_and(|r| r.iter().any(|d| d["attempts"].as_i64() > Some(0))) {
            break page;
        }
        assert!(tokio::time::Instant::now() < until, "no attempt: {}", page.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let tried = page.body["recent"].as_array().unwrap().iter().find(|d| d["attempts"].as_i64() > Some(0)).unwrap().clone();
    assert!(tried["last_result"].as_str().unwrap().contains("not a public address"), "{tried}");
    assert_eq!(tried["state"], "pending", "refused attempts are retried like any failure (the name may resolve well later)");
    assert!(receiver.got().is_empty(), "the receiver on loopback got nothing");
    app.app.shutdown().await;
}
