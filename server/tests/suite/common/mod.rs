//! Test harness: the real server on a random port, with its own database (a fresh SQLite file
//! or a fresh PostgreSQL database) and its own Tansu broker on a free port, so a running shop
//! never collides with a test run. Nothing here is skipped: without Tansu or PostgreSQL the
//! tests fail and say why.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use server::broker::EmbeddedBroker;
use server::config::{Broker, Config};
use server::RunningApp;

pub use testkit::{checkout_form, free_port, fresh_postgres, new_key, temp_dir, ws_refusal, Shopper};

/// A Tansu broker owned by the test (so the test can kill it by PID and start it again).
pub async fn start_broker() -> Arc<EmbeddedBroker> {
    let tansu = server::config::find_tansu(&|k| std::env::var(k).ok())
        .unwrap_or_else(|e| panic!("these tests need the broker (shop-broker): {e}. Run scripts/test.sh, which builds it."));
    let addr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    EmbeddedBroker::start(&tansu, addr, &temp_dir("broker")).await.unwrap_or_else(|e| panic!("starting Tansu failed: {e}"))
}

/// Every record on the topic as JSON, read from the beginning of every partition, partition by
/// partition in log order, with any duplicates.
pub async fn records_on_topic(brokers: &[String]) -> Vec<serde_json::Value> {
    use rskafka::client::partition::OffsetAt;
    let client = server::kafka::connect(brokers).await.unwrap();
    let mut out = Vec::new();
    for pc in server::kafka::partition_clients(&client, "order-events", 3).await.unwrap() {
        let end = pc.get_offset(OffsetAt::Latest).await.unwrap();
        let mut offset = pc.get_offset(OffsetAt::Earliest).await.unwrap();
        while offset < end {
            let (records, _) = pc.fetch_records(offset, 1..10_000_000, 100).await.unwrap();
            if records.is_empty() {
                break;
            }
            for r in records {
                offset = offset.max(r.offset + 1);
                if let Some(v) = r.record.value.as_deref().and_then(|v| serde_json::from_slice(v).ok()) {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// The order id of every `order.created` record on the topic, in log order and with any
/// duplicates.
pub async fn orders_created_on_topic(brokers: &[String]) -> Vec<String> {
    records_on_topic(brokers).await.into_iter().filter(|v| v["type"] == "order.created").filter_map(|v| v["order_id"].as_str().map(str::to_owned)).collect()
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
    testkit::metrics(base, METRICS_TOKEN).await
}

/// Waits up to `wait` for a test app's `/metrics` to show `line` (a whole line).
pub async fn wait_for_metric(base: &str, line: &str, wait: Duration) {
    testkit::wait_for_metric(base, METRICS_TOKEN, line, wait).await
}

/// Writes `values` as records to every partition of the shop's topic, as anyone who can write to
/// the topic could (the forged-record tests).
pub async fn produce_raw(app: &TestApp, values: &[String]) {
    let client = server::kafka::connect(&app.app.brokers).await.unwrap();
    for pc in server::kafka::partition_clients(&client, "order-events", 3).await.unwrap() {
        let records = values
            .iter()
            .map(|value| rskafka::record::Record {
                key: None,
                value: Some(value.clone().into_bytes()),
                headers: Default::default(),
                timestamp: chrono::Utc::now(),
            })
            .collect();
        pc.produce(records, rskafka::client::partition::Compression::NoCompression).await.unwrap();
    }
}

/// Waits up to 5 s for the relay to mark every outbox row published (it does so after the
/// broker's acknowledgement, which may come after a socket already got the event).
pub async fn wait_for_empty_outbox(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let backlog = backend::outbox::backlog(&app.app.shop).await.unwrap();
        if backlog == 0 {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{backlog} outbox rows still unpublished after 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The staff account every test app is configured with.
pub const STAFF_EMAIL: &str = "staff@example.test";
pub const STAFF_PASSWORD: &str = "staff-password-123";

/// The test apps' configuration, with some variables set otherwise (`extra` wins).
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

/// With `TEST_LOG=1` the servers' logs are printed (`RUST_LOG` filters them, `info` by default);
/// without, they stay quiet so that a failing test's own message is what one reads.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
    });
}

/// A test app: the server in this process, its data directory removed when the test ends.
/// Dropped without `app.shutdown()` (a failed assertion), [`RunningApp`]'s `Drop` still stops
/// its listener and tasks, so a failing test leaves nothing running.
pub struct TestApp {
    pub app: RunningApp,
    pub base: String,
    _data: DataDir,
}

/// Removes a test app's data directory (database file, mail, logs) when the app is dropped.
struct DataDir(PathBuf);

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestApp {
    pub async fn spawn(db: Db, broker: &EmbeddedBroker) -> TestApp {
        TestApp::spawn_with(db, broker, &[]).await
    }

    /// A test app with some configuration variables set otherwise.
    pub async fn spawn_with(db: Db, broker: &EmbeddedBroker, extra: &[(&str, &str)]) -> TestApp {
        init_logs();
        let config = config_with(&db, broker, extra).await;
        let data = DataDir(config.data_dir.clone());
        let app = server::spawn(config).await.unwrap_or_else(|e| panic!("server failed to start: {e}"));
        let base = format!("http://{}", app.addr);
        let t = TestApp { app, base, _data: data };
        t.wait_ready().await;
        t
    }

    /// Waits until the consumer fetches from the broker (so events are not missed).
    pub async fn wait_ready(&self) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
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

    pub async fn set_stock(&self, product: &str, stock: i64) {
        self.app.shop.db().execute_unprepared(&format!("UPDATE products SET stock = {stock} WHERE id = '{product}'")).await.unwrap();
        self.app.shop.catalog().invalidate();
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) AS n FROM {table}")).await
    }

    /// Units in stock over every product, read from the database (not the catalog's cache).
    pub async fn total_stock(&self) -> i64 {
        self.scalar("SELECT CAST(COALESCE(SUM(stock), 0) AS BIGINT) AS n FROM products").await
    }

    /// Units in stock of one product, read from the database.
    pub async fn stock_of(&self, product: &str) -> i64 {
        self.scalar(&format!("SELECT CAST(stock AS BIGINT) AS n FROM products WHERE id = '{product}'")).await
    }

    /// The text column `t` of the one row `sql` returns.
    pub async fn scalar_text(&self, sql: &str) -> String {
        let db = self.app.shop.db();
        let row =
            db.query_one(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap().unwrap_or_else(|| panic!("no row: {sql}"));
        row.try_get::<String>("", "t").unwrap()
    }

    /// The integer column `n` of the one row `sql` returns.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let db = self.app.shop.db();
        let row =
            db.query_one(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap().unwrap_or_else(|| panic!("no row: {sql}"));
        row.try_get::<i64>("", "n").unwrap()
    }
}
