//! Test harness: the real server on a random port, with its own database (a fresh SQLite file
//! or a fresh PostgreSQL database) and its own Tansu broker on a free port, so a running shop
//! never collides with a test run. Nothing here is skipped: without Tansu or PostgreSQL the
//! tests fail and say why.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::cookie::{CookieStore, Jar};
use sea_orm::{ConnectionTrait, Database};
use server::broker::EmbeddedBroker;
use server::config::{Broker, Config};
use server::RunningApp;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub const PG_ADMIN_URL: &str = "postgres://root@127.0.0.1:5432/postgres";

pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shop-test-{tag}-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A Tansu broker owned by the test (so the test can kill it by PID and start it again).
pub async fn start_broker() -> Arc<EmbeddedBroker> {
    let tansu = server::config::find_tansu(&|k| std::env::var(k).ok())
        .unwrap_or_else(|e| panic!("these tests need the Tansu broker: {e}. Run scripts/test.sh, which installs it."));
    let addr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    EmbeddedBroker::start(&tansu, addr, &temp_dir("broker")).await.unwrap_or_else(|e| panic!("starting Tansu failed: {e}"))
}

/// A new, empty PostgreSQL database; fails the test with a clear message if PostgreSQL is down.
pub async fn fresh_postgres() -> String {
    let admin = Database::connect(PG_ADMIN_URL)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL must run on 127.0.0.1:5432 for this test (scripts/test.sh starts it): {e}"));
    let name = format!("shop_test_{}", ulid::Ulid::new().to_string().to_lowercase());
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    format!("postgres://root@127.0.0.1:5432/{name}")
}

/// Runs each named attack test against both databases the shop supports: for `fn name(db: Db)`
/// it makes the tests `name::sqlite` and `name::postgres` (a database of its own).
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::common::Db::Sqlite).await
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name($crate::common::Db::Postgres($crate::common::fresh_postgres().await)).await
                }
            }
        )+
    };
}

pub enum Db {
    Sqlite,
    Postgres(String),
}

/// What the test apps' `/metrics` asks for.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// `/metrics` of a test app, as a scraper with the token reads it.
pub async fn metrics(base: &str) -> String {
    let r = reqwest::Client::new().get(format!("{base}/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200, "/metrics");
    r.text().await.unwrap()
}

/// Waits up to `wait` for `/metrics` to show `line` (a whole line, e.g. `shop_x_total 3`).
pub async fn wait_for_metric(base: &str, line: &str, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let text = metrics(base).await;
        if text.lines().any(|l| l == line) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "/metrics never showed `{line}` within {wait:?}:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The staff account every test app is configured with.
pub const STAFF_EMAIL: &str = "staff@example.test";
pub const STAFF_PASSWORD: &str = "staff-password-123";

pub async fn config(db: &Db, broker: &EmbeddedBroker) -> Config {
    config_with(db, broker, &[]).await
}

/// [`config`] with some variables set otherwise (`extra` wins).
pub async fn config_with(db: &Db, broker: &EmbeddedBroker, extra: &[(&str, &str)]) -> Config {
    let data = temp_dir("app");
    let database_url = match db {
        Db::Sqlite => format!("sqlite://{}?mode=rwc", data.join("shop.db").display()),
        Db::Postgres(url) => url.clone(),
    };
    let lookup = |k: &str| -> Option<String> {
        if let Some((_, v)) = extra.iter().find(|(key, _)| *key == k) {
            return Some((*v).to_owned());
        }
        match k {
            "DATA_DIR" => Some(data.display().to_string()),
            "DATABASE_URL" => Some(database_url.clone()),
            "KAFKA_BROKERS" => Some(broker.addr.to_string()),
            "LEPTOS_SITE_ADDR" => Some("127.0.0.1:0".into()),
            "BCRYPT_COST" => Some("4".into()),
            "ADMIN_EMAIL" => Some(STAFF_EMAIL.into()),
            "ADMIN_PASSWORD" => Some(STAFF_PASSWORD.into()),
            "KAFKA_TOPIC" => Some("order-events".into()),
            "METRICS_TOKEN" => Some(METRICS_TOKEN.into()),
            _ => None,
        }
    };
    let config = Config::from_lookup(&lookup).unwrap();
    assert!(matches!(config.broker, Broker::External(_)));
    config
}

pub struct TestApp {
    pub app: RunningApp,
    pub base: String,
}

impl TestApp {
    pub async fn spawn(db: Db, broker: &EmbeddedBroker) -> TestApp {
        TestApp::spawn_with(db, broker, &[]).await
    }

    /// A test app with some configuration variables set otherwise.
    pub async fn spawn_with(db: Db, broker: &EmbeddedBroker, extra: &[(&str, &str)]) -> TestApp {
        let app = server::spawn(config_with(&db, broker, extra).await).await.unwrap_or_else(|e| panic!("server failed to start: {e}"));
        let base = format!("http://{}", app.addr);
        let t = TestApp { app, base };
        t.wait_ready().await;
        t
    }

    /// Waits until the consumer fetches from the broker (so events are not missed).
    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server never became ready at {}/readyz", self.base);
    }

    pub fn shopper(&self) -> Shopper {
        Shopper::new(&self.base)
    }

    /// A browser signed in as the configured staff account.
    pub async fn staff(&self) -> Shopper {
        let s = self.shopper();
        let r = s.call("login", &[("email", STAFF_EMAIL), ("password", STAFF_PASSWORD)]).await;
        assert_eq!(r.status, 200, "staff login: {}", r.text);
        assert_eq!(r.body["is_staff"], true, "staff login: {}", r.text);
        s
    }

    /// A browser signed in as a newly registered shopper (registration must succeed).
    pub async fn registered(&self, email: &str) -> Shopper {
        let s = self.shopper();
        s.register(email).await;
        s
    }

    /// A newly registered shopper who has bought one `product`; returns them and the order id.
    pub async fn shopper_with_order(&self, email: &str, product: &str) -> (Shopper, String) {
        let s = self.registered(email).await;
        let r = s.checkout(&format!("{product}:1"), &new_key()).await;
        assert_eq!(r.status, 200, "checkout of {product}: {}", r.text);
        let id = r.body["order"]["id"].as_str().expect("order id").to_owned();
        (s, id)
    }

    pub async fn stock_of(&self, product: &str) -> i64 {
        let p = self.app.shop.catalog.all(&self.app.shop.db).await.unwrap();
        p.iter().find(|p| p.id == product).unwrap().stock
    }

    pub async fn set_stock(&self, product: &str, stock: i64) {
        self.app.shop.db.execute_unprepared(&format!("UPDATE products SET stock = {stock} WHERE id = '{product}'")).await.unwrap();
        self.app.shop.catalog.invalidate();
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .app
            .shop
            .db
            .query_one(sea_orm::Statement::from_string(self.app.shop.db.get_database_backend(), format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

#[derive(Clone)]
pub struct Shopper {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub text: String,
}

impl Shopper {
    /// A browser with its own cookie jar, pointed at `base`.
    pub fn new(base: &str) -> Shopper {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Shopper { http, jar, base: base.to_owned() }
    }

    /// Calls a server function the way a browser with WASM does (form-encoded, JSON back);
    /// None when the request failed (a server that is down, or was killed mid-request).
    pub async fn try_call(&self, name: &str, form: &[(&str, &str)]) -> Option<Reply> {
        let r = self.http.post(format!("{}/api/{name}", self.base)).form(form).send().await.ok()?;
        let status = r.status().as_u16();
        let text = r.text().await.ok()?;
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Some(Reply { status, body, text })
    }

    /// [`Shopper::try_call`] against a server that must be up.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Reply {
        self.try_call(name, form).await.unwrap_or_else(|| panic!("calling {name}: no answer from {}", self.base))
    }

    /// A checkout that may meet a dead server: None when the connection failed.
    pub async fn try_checkout(&self, cart: &str, key: &str) -> Option<Reply> {
        self.try_call("place_order", &checkout_form(cart, key)).await
    }

    pub async fn register(&self, email: &str) -> Reply {
        let r = self.call("register", &[("name", "Test Shopper"), ("email", email), ("password", "correct-horse-battery")]).await;
        assert_eq!(r.status, 200, "register {email}: {}", r.text);
        r
    }

    pub async fn checkout(&self, cart: &str, key: &str) -> Reply {
        self.call("place_order", &checkout_form(cart, key)).await
    }

    pub fn cookie_header(&self) -> Option<String> {
        self.jar.cookies(&self.base.parse().unwrap()).map(|h| h.to_str().unwrap().to_owned())
    }

    pub async fn socket(&self) -> Socket {
        let url = self.base.replace("http://", "ws://") + "/ws";
        let mut req = url.into_client_request().unwrap();
        if let Some(c) = self.cookie_header() {
            req.headers_mut().insert("cookie", c.parse().unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket upgrade");
        let mut s = Socket { ws };
        let hello = s.next_json(Duration::from_secs(2)).await.expect("hello");
        assert_eq!(hello["kind"], "hello");
        s
    }
}

/// Tries a `/ws` upgrade with this `Cookie` header: the HTTP status it was refused with, or
/// `None` when the socket opened (it is closed again at once).
pub async fn ws_refusal(base: &str, cookie: &str) -> Option<u16> {
    let mut req = (base.replace("http://", "ws://") + "/ws").into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => None,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Some(resp.status().as_u16()),
        Err(e) => panic!("/ws upgrade failed without an HTTP answer: {e}"),
    }
}

/// Valid shipping details, as the checkout form sends them.
pub const SHIPPING: [(&str, &str); 7] = [
    ("first_name", "Ada"),
    ("last_name", "Lovelace"),
    ("email", "ada@example.com"),
    ("address", "12 Analytical Way"),
    ("city", "New York"),
    ("state", "NY"),
    ("zip", "10001"),
];

/// A whole checkout form: [`SHIPPING`], the cart and the idempotency key.
pub fn checkout_form<'a>(cart: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut form = SHIPPING.to_vec();
    form.push(("cart", cart));
    form.push(("idempotency_key", key));
    form
}

pub fn new_key() -> String {
    ulid::Ulid::new().to_string()
}

pub struct Socket {
    pub ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Socket {
    /// The next JSON text frame within `wait` (heartbeats skipped), or None.
    pub async fn next_json(&mut self, wait: Duration) -> Option<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next()).await.ok()??.ok()?;
            if let Message::Text(t) = msg {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                if v["kind"] != "heartbeat" {
                    return Some(v);
                }
            }
        }
    }

    /// Collects order events until `n` distinct order ids were seen or `wait` passed.
    pub async fn collect_orders(&mut self, n: usize, wait: Duration) -> std::collections::HashSet<String> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut seen = std::collections::HashSet::new();
        while seen.len() < n {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_json(left).await {
                Some(v) if v["kind"] == "event" => {
                    seen.insert(v["event"]["order_id"].as_str().unwrap().to_owned());
                }
                Some(_) => {}
                None => break,
            }
        }
        seen
    }
}
