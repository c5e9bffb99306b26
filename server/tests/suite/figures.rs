//! The staff dashboard's figures through the real server: moved by the events the consumer
//! takes (checkouts, staff changes, cancellations), and loaded again from the database by a
//! restarted server.

use std::time::Duration;

use serde_json::Value;

use crate::common::{self, new_key, start_broker, temp_dir, Db, Shopper, TestApp};
use crate::on_both_databases;

on_both_databases!(figures_follow_the_orders_and_survive_a_restart);

/// The count of `status` in an overview's `today.per_status` (pairs such as `["PENDING", 2]`).
fn per_status(overview: &Value, status: &str) -> u64 {
    overview["today"]["per_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == status)
        .and_then(|p| p[1].as_u64())
        .unwrap_or_else(|| panic!("no {status} in {overview}"))
}

/// Polls the overview until `done` holds (events reach the figures asynchronously), for 10 s.
async fn overview_when(staff: &Shopper, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = staff.call("staff_overview", &[]).await;
        assert_eq!(r.status, 200, "{}", r.text);
        if done(&r.body) {
            return r.body;
        }
        assert!(tokio::time::Instant::now() < deadline, "the figures never showed {what} within 10 s: {}", r.text);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn figures_follow_the_orders_and_survive_a_restart(db: Db) {
    let broker = start_broker().await;
    let data = temp_dir("figures");
    let database_url = match &db {
        Db::Sqlite => format!("sqlite://{}?mode=rwc", data.join("shop.db").display()),
        Db::Postgres(url) => url.clone(),
    };
    let data_dir = data.display().to_string();
    let same_db = || match &db {
        Db::Sqlite => Db::Sqlite,
        Db::Postgres(url) => Db::Postgres(url.clone()),
    };
    let extra = [("DATA_DIR", data_dir.as_str()), ("DATABASE_URL", database_url.as_str())];
    let app = TestApp::spawn_with(same_db(), &broker, &extra).await;
    let staff = app.staff().await;
    let empty = overview_when(&staff, "a day without orders", |o| o["today"]["orders"] == 0).await;
    assert_eq!(empty["today"]["revenue_cents"], 0);
    assert_eq!(empty["per_minute"].as_array().unwrap().len(), 60);
    let as_of = empty["as_of_ms"].as_i64().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!((now - as_of).abs() < 60_000, "as_of_ms is the server's now: {as_of} vs {now}");

    // Three orders; staff moves one forward and cancels another.
    let shopper = app.registered("figures@example.com").await;
    let mut placed = Vec::new();
    for cart in ["ridge-mug:2", "summit-backpack:1", "glide-mouse:3"] {
        let r = shopper.checkout(cart, &new_key()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        placed.push((r.body["order"]["id"].as_str().unwrap().to_owned(), r.body["order"]["total_cents"].as_i64().unwrap()));
    }
    let (processing, cancelled) = (&placed[0].0, &placed[1].0);
    let r = staff.call("change_status", &[("id", processing), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = staff.call("change_status", &[("id", cancelled), ("status", "CANCELLED"), ("version", "1"), ("reason", "duplicate order")]).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let kept = placed[0].1 + placed[2].1;
    let moved = overview_when(&staff, "three orders, one processing, one cancelled", |o| {
        o["today"]["orders"] == 3 && per_status(o, "PROCESSING") == 1 && per_status(o, "CANCELLED") == 1
    })
    .await;
    assert_eq!(moved["today"]["revenue_cents"], kept, "a cancelled order earns nothing: {moved}");
    assert_eq!(moved["today"]["average_cents"], kept / 2, "{moved}");
    assert_eq!(per_status(&moved, "PENDING"), 1);
    let bars: Vec<u64> = moved["per_minute"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    assert_eq!(bars.iter().sum::<u64>(), 3, "the chart counts the three orders: {bars:?}");
    assert!(bars[58] + bars[59] == 3, "all in the last two minutes: {bars:?}");
    let redelivered = staff.call("staff_overview", &[]).await.body;
    assert_eq!(redelivered["today"], moved["today"], "nothing moves twice");
    common::wait_for_empty_outbox(&app).await;

    // A restarted server loads the same figures from the database.
    app.app.shutdown().await;
    let again = TestApp::spawn_with(same_db(), &broker, &extra).await;
    let staff = again.staff().await;
    let reloaded = overview_when(&staff, "the same figures after a restart", |o| o["today"] == moved["today"]).await;
    let reloaded_bars: u64 = reloaded["per_minute"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(reloaded_bars, 3, "{reloaded}");

    // And keeps moving them by new events.
    let r = shopper_on(&again, &shopper).checkout("lumen-lamp:1", &new_key()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    overview_when(&staff, "a fourth order after the restart", |o| o["today"]["orders"] == 4 && per_status(o, "PENDING") == 2).await;
    again.app.shutdown().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// The same browser (its session cookie) pointed at another server of the same shop.
fn shopper_on(app: &TestApp, shopper: &Shopper) -> Shopper {
    Shopper { base: app.base.clone(), ..shopper.clone() }
}
