//! Order lifecycle through the real server: who may move an order where, optimistic
//! concurrency, stock restored on cancel, and bad records on the topic.

mod common;

use std::time::Duration;

use common::{new_key, start_broker, Db, TestApp};

#[tokio::test]
async fn transitions_versions_and_cancel_restoring_stock() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let shopper = app.registered("hana@example.com").await;
    let staff = app.staff().await;

    let placed = shopper.checkout("summit-backpack:3", &new_key()).await;
    let id = placed.body["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.stock_of("summit-backpack").await, 27);

    // The shopper may not move it forward; staff may.
    let r = shopper.call("change_status", &[("id", &id), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("Only staff"), "{}", r.text);
    let r = staff.call("change_status", &[("id", &id), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);

    // A stale version is refused with the current state.
    let stale = staff.call("change_status", &[("id", &id), ("status", "SHIPPED"), ("version", "1")]).await;
    assert_eq!(stale.status, 409);
    assert!(stale.text.contains("changed meanwhile") && stale.text.contains("Processing"), "{}", stale.text);
    // Refused transitions say why.
    let skip = staff.call("change_status", &[("id", &id), ("status", "DELIVERED"), ("version", "2")]).await;
    assert_eq!(skip.status, 422);
    assert!(skip.text.contains("cannot become Delivered"), "{}", skip.text);
    // Too late for the shopper to cancel; staff may, and the stock comes back.
    let late = shopper.call("change_status", &[("id", &id), ("status", "CANCELLED"), ("version", "2")]).await;
    assert_eq!(late.status, 422);
    let cancel = staff.call("change_status", &[("id", &id), ("status", "CANCELLED"), ("version", "2")]).await;
    assert_eq!(cancel.status, 200, "{}", cancel.text);
    assert_eq!(app.stock_of("summit-backpack").await, 30);
    let detail = shopper.call("order", &[("id", &id)]).await;
    let timeline: Vec<&str> = detail.body["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(timeline, ["PENDING", "PROCESSING", "CANCELLED"]);
    assert_eq!(staff.call("change_status", &[("id", &id), ("status", "PENDING"), ("version", "3")]).await.status, 422);

    // The owner can cancel a pending order of their own.
    let second = shopper.checkout("summit-backpack:1", &new_key()).await.body["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.stock_of("summit-backpack").await, 29);
    let own = shopper.call("change_status", &[("id", &second), ("status", "CANCELLED"), ("version", "1")]).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(app.stock_of("summit-backpack").await, 30);
    let bad_status = shopper.call("change_status", &[("id", &second), ("status", "LOST"), ("version", "2")]).await;
    assert_eq!(bad_status.status, 422);
    app.app.shutdown().await;
}

#[tokio::test]
async fn an_undecodable_record_is_skipped_and_counted() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let s = app.registered("ivan@example.com").await;
    let mut ws = s.socket().await;

    // Someone else writes garbage to every partition of the topic.
    let client = server::kafka::connect(&app.app.brokers).await.unwrap();
    for pc in server::kafka::partition_clients(&client, "order-events", 3).await.unwrap() {
        let record = rskafka::record::Record {
            key: None,
            value: Some(b"{not an order event".to_vec()),
            headers: Default::default(),
            timestamp: chrono::Utc::now(),
        };
        pc.produce(vec![record], rskafka::client::partition::Compression::NoCompression).await.unwrap();
    }
    let placed = s.checkout("ridge-mug:1", &new_key()).await;
    let got = ws.next_json(Duration::from_secs(3)).await.expect("the consumer carried on after the bad records");
    assert_eq!(got["event"]["order_id"], placed.body["order"]["id"]);
    // Partitions are fetched independently: the order's partition may be read before another
    // partition's bad record, so the count gets a few seconds to reach all three.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let metrics = reqwest::get(format!("{}/metrics", app.base)).await.unwrap().text().await.unwrap();
        if metrics.contains("shop_events_malformed_total 3\n") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "three malformed records never counted:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.app.shutdown().await;
}
