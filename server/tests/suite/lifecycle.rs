//! Order lifecycle through the real server: who may move an order where, optimistic
//! concurrency, stock restored on cancel, and bad records on the topic.

use std::time::Duration;

use crate::common::{new_key, start_broker, Db, TestApp};

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
    // Staff must say why they cancel: the shopper is told.
    let unexplained = staff.call("change_status", &[("id", &id), ("status", "CANCELLED"), ("version", "2"), ("reason", "  ")]).await;
    assert_eq!(unexplained.status, 422, "{}", unexplained.text);
    assert!(unexplained.text.contains("say why"), "{}", unexplained.text);
    let cancel = staff.call("change_status", &[("id", &id), ("status", "CANCELLED"), ("version", "2"), ("reason", "out of stock at the supplier")]).await;
    assert_eq!(cancel.status, 200, "{}", cancel.text);
    assert_eq!(app.stock_of("summit-backpack").await, 30);
    let detail = shopper.call("order", &[("id", &id)]).await;
    let timeline: Vec<&str> = detail.body["timeline"].as_array().unwrap().iter().map(|h| h["kind"]["Status"].as_str().unwrap()).collect();
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

/// Two staff move the same order from the same version at the same moment: exactly one change
/// is made (one history row, one event); the other is told the order changed meanwhile.
async fn two_staff_at_once_exactly_one_wins(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let shopper = app.registered("race@example.com").await;
    let (one, two) = (app.staff().await, app.staff().await);
    let backpacks = app.stock_of("summit-backpack").await;
    let mut cancelled = 0;
    for round in 0..8 {
        let id = shopper.checkout("summit-backpack:1", &new_key()).await.body["order"]["id"].as_str().unwrap().to_owned();
        let (process, cancel) = (
            [("id", id.as_str()), ("status", "PROCESSING"), ("version", "1")],
            [("id", id.as_str()), ("status", "CANCELLED"), ("version", "1"), ("reason", "customer called")],
        );
        let (a, b) = tokio::join!(one.call("change_status", &process), two.call("change_status", &cancel));
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: {} / {}", a.text, b.text);
        let loser = if a.status == 409 { &a } else { &b };
        assert!(loser.text.contains("changed meanwhile"), "{}", loser.text);
        cancelled += usize::from(b.status == 200);
        let detail = shopper.call("order", &[("id", &id)]).await;
        assert_eq!(detail.body["order"]["version"], 2, "{}", detail.text);
        assert_eq!(detail.body["timeline"].as_array().unwrap().len(), 2, "one change recorded: {}", detail.text);
    }
    // Order events only: the notifications each change makes are written beside them, later.
    let order_events = app.scalar("SELECT COUNT(*) AS n FROM outbox WHERE payload LIKE '%\"type\":\"order.%'").await;
    assert_eq!(order_events, 16, "one event per order and one per change");
    assert_eq!(app.stock_of("summit-backpack").await, backpacks - 8 + cancelled as i64, "a cancel gives back exactly its unit");
    app.app.shutdown().await;
}

#[tokio::test]
async fn an_undecodable_record_is_skipped_and_counted() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let s = app.registered("ivan@example.com").await;
    let mut ws = s.socket().await;

    // Someone else writes garbage to every partition of the topic.
    crate::common::produce_raw(&app, &["{not an order event".to_owned()]).await;
    let placed = s.checkout("ridge-mug:1", &new_key()).await;
    let got = ws.next_json(Duration::from_secs(3)).await.expect("the consumer carried on after the bad records");
    assert_eq!(got["event"]["order_id"], placed.body["order"]["id"]);
    // Partitions are fetched independently: the order's partition may be read before another
    // partition's bad record, so the count gets a few seconds to reach all three.
    crate::common::wait_for_metric(&app.base, "shop_events_malformed_total 3", Duration::from_secs(5)).await;
    app.app.shutdown().await;
}

#[tokio::test]
async fn a_forged_event_reaches_nobody() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let (alice, alices_order) = app.shopper_with_order("alice-forged@example.com", "ridge-mug").await;
    let alices_id = alice.call("current_user", &[]).await.body["id"].as_str().unwrap().to_owned();
    let alices_total = alice.call("order", &[("id", &alices_order)]).await.body["order"]["total_cents"].as_i64().unwrap().to_string();
    let mut alices_socket = alice.socket().await;
    let mallory = app.registered("mallory-forged@example.com").await;
    let mallorys_id = mallory.call("current_user", &[]).await.body["id"].as_str().unwrap().to_owned();
    let mut mallorys_socket = mallory.socket().await;
    let mut staff_socket = app.staff().await.socket().await;

    // Whoever can write to the topic writes three well-formed events: alice's order claimed for
    // mallory, an order that does not exist, with an id of multi-byte characters, and alice's
    // own order (right owner and total) "shipped" though it never was.
    let forged = |order_id: &str, user_id: &str, total: &str, version: i64| {
        serde_json::json!({"v": 1, "event_id": new_key(), "type": "order.status_changed", "order_id": order_id,
            "user_id": user_id, "status": "SHIPPED", "order_version": version, "total_cents": total.parse::<i64>().unwrap(), "occurred_at": "2026-12-01T00:00:00Z"})
        .to_string()
    };
    let records =
        [forged(&alices_order, &mallorys_id, "1", 99), forged("ордер-ключ-€€€", &mallorys_id, "1", 99), forged(&alices_order, &alices_id, &alices_total, 2)];
    crate::common::produce_raw(&app, &records).await;
    crate::common::wait_for_metric(&app.base, "shop_events_untrusted_total 9", Duration::from_secs(5)).await;
    assert_eq!(mallorys_socket.next_json(Duration::from_millis(500)).await, None, "mallory was shown a forged event");
    // Alice may see her genuine order event; never the forged "shipped".
    while let Some(frame) = alices_socket.next_json(Duration::from_millis(300)).await {
        assert_ne!(frame["event"]["status"], "SHIPPED", "alice was shown a status her order never had: {frame}");
    }
    // Staff may still see the genuine event of alice's order; never one of the forged ones.
    while let Some(frame) = staff_socket.next_json(Duration::from_millis(300)).await {
        let event = &frame["event"];
        assert!(
            event["user_id"] != mallorys_id.as_str() && event["order_id"] != "ордер-ключ-€€€" && event["status"] != "SHIPPED",
            "staff were shown a forged event: {frame}"
        );
    }
    // The sockets are alive (silence above was not a closed socket): a real order still arrives.
    let placed = mallory.checkout("ridge-mug:1", &new_key()).await;
    let got = mallorys_socket.next_json(Duration::from_secs(3)).await.expect("mallory's own order event");
    assert_eq!(got["event"]["order_id"], placed.body["order"]["id"]);
    app.app.shutdown().await;
}

crate::on_both_databases!(two_staff_at_once_exactly_one_wins);
