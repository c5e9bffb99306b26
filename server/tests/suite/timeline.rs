//! Who did what, through the real server: the actor and reason of each change reach the event,
//! the sockets and the order's timeline; staff's internal notes reach staff and never the
//! shopper (socket, API or HTML); each timeline entry's event sits in the log where the
//! timeline says; a forged note reaches nobody.

use std::time::Duration;

use crate::common::{start_broker, wait_for_empty_outbox, Db, TestApp};
use testkit::{new_key, Shopper, Socket};

/// Every frame `ws` receives within `wait`.
async fn frames(ws: &mut Socket, wait: Duration) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut got = Vec::new();
    while let Some(v) = ws.next_json(deadline.saturating_duration_since(tokio::time::Instant::now())).await {
        got.push(v);
    }
    got
}

/// The next order event on `ws` within 10 s that `wanted` accepts (others are skipped: the order
/// placed just before the socket opened may still be on its way).
async fn next_event(ws: &mut Socket, wanted: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = ws.next_of_kind("event", deadline.saturating_duration_since(tokio::time::Instant::now())).await.expect("the event within 10 s");
        if wanted(&frame["event"]) {
            return frame;
        }
    }
}

async fn page(s: &Shopper, path: &str) -> String {
    s.http.get(format!("{}{path}", s.base)).send().await.unwrap().text().await.unwrap()
}

async fn timeline(s: &Shopper, order: &str) -> Vec<serde_json::Value> {
    let r = s.call("order", &[("id", order)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["timeline"].as_array().unwrap().clone()
}

async fn who_did_what(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let staff = app.staff().await;
    let staff_me = staff.call("current_user", &[]).await.body;
    let (shopper, order) = app.shopper_with_order("timeline@example.com", "canvas-notebook").await;
    let mut shoppers_socket = shopper.socket().await;
    let mut staff_socket = staff.socket().await;

    // Staff move the order: the shopper hears "staff", staff also hear which staff member.
    let r = staff.call("change_status", &[("id", &order), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let processing = |e: &serde_json::Value| e["status"] == "PROCESSING";
    let to_shopper = next_event(&mut shoppers_socket, processing).await;
    assert_eq!((to_shopper["event"]["status"].as_str(), to_shopper["event"]["actor"].as_str()), (Some("PROCESSING"), Some("staff")), "{to_shopper}");
    assert!(to_shopper["event"].get("actor_id").is_none(), "the shopper was told which staff member: {to_shopper}");
    let to_staff = next_event(&mut staff_socket, processing).await;
    assert_eq!(to_staff["event"]["actor_id"], staff_me["id"], "{to_staff}");

    // A note: staff get it live; the shopper never sees it anywhere.
    for refused in [("  \n ", 422), (&*"x".repeat(2001), 422)] {
        let r = staff.call("add_order_note", &[("id", &order), ("body", refused.0)]).await;
        assert_eq!(r.status, refused.1, "{}", r.text);
    }
    let by_shopper = shopper.call("add_order_note", &[("id", &order), ("body", "let me in")]).await;
    assert_eq!(by_shopper.status, 403, "{}", by_shopper.text);
    assert_eq!(staff.call("add_order_note", &[("id", "no-such-order"), ("body", "hello")]).await.status, 404);
    assert_eq!(app.count("order_notes").await, 0, "a refused note wrote nothing");
    let r = staff.call("add_order_note", &[("id", &order), ("body", "Fragile: pack twice")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let note = next_event(&mut staff_socket, |e| e["type"] == "order.note_added").await;
    assert_eq!((note["event"]["type"].as_str(), note["event"]["note"].as_str()), (Some("order.note_added"), Some("Fragile: pack twice")), "{note}");
    assert_eq!(note["event"]["order_version"], 2, "a note is no new version of the order");
    for frame in frames(&mut shoppers_socket, Duration::from_secs(1)).await {
        assert!(!frame.to_string().contains("Fragile"), "the shopper's socket carried the note: {frame}");
    }
    let theirs = timeline(&shopper, &order).await;
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    assert!(theirs.iter().all(|e| e["kind"] != "Note" && e["log"].is_null() && e["actor_name"].is_null()), "{theirs:?}");
    assert_eq!((theirs[0]["actor"].as_str(), theirs[1]["actor"].as_str()), (Some("shopper"), Some("staff")));
    let html = page(&shopper, &format!("/orders/{order}")).await;
    assert!(html.contains("Placed by you") && html.contains("Processing started by staff"), "the shopper's timeline");
    assert!(!html.contains("Fragile") && !html.contains("Internal note"), "the note reached the shopper's page");

    // Staff see the note, names, and where each entry's event is in the log.
    wait_for_empty_outbox(&app).await;
    let ours = timeline(&staff, &order).await;
    assert_eq!(ours.len(), 3, "{ours:?}");
    assert_eq!((ours[2]["kind"].as_str(), ours[2]["text"].as_str()), (Some("Note"), Some("Fragile: pack twice")));
    assert_eq!(ours[1]["actor_name"], staff_me["name"]);
    let html = page(&staff, &format!("/orders/{order}")).await;
    assert!(
        html.contains("Fragile: pack twice") && html.contains(&format!("Processing started by {} (staff)", staff_me["name"].as_str().unwrap())),
        "staff's timeline"
    );
    let client = server::kafka::connect(&app.app.brokers).await.unwrap();
    let partitions = server::kafka::partition_clients(&client, "order-events", 3).await.unwrap();
    for entry in &ours {
        let log = &entry["log"];
        let (p, offset) = (log["partition"].as_i64().expect("published") as usize, log["offset"].as_i64().unwrap());
        let (records, _) = partitions[p].fetch_records(offset, 1..1_000_000, 1_000).await.unwrap();
        let record = records.iter().find(|r| r.offset == offset).expect("a record at the timeline's offset");
        let event: serde_json::Value = serde_json::from_slice(record.record.value.as_deref().unwrap()).unwrap();
        assert_eq!(event["event_id"], log["event_id"], "partition {p} offset {offset}");
    }

    // The shopper cancels another order and says why; the timeline reads it back.
    let second = shopper.checkout("ridge-mug:1", &new_key()).await.body["order"]["id"].as_str().unwrap().to_owned();
    let long = "y".repeat(201);
    assert_eq!(shopper.call("change_status", &[("id", &second), ("status", "CANCELLED"), ("version", "1"), ("reason", &long)]).await.status, 422);
    let r = shopper.call("change_status", &[("id", &second), ("status", "CANCELLED"), ("version", "1"), ("reason", " changed\nmy mind ")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cancelled = next_event(&mut shoppers_socket, |e| e["order_id"] == second.as_str() && e["status"] == "CANCELLED").await;
    assert_eq!((cancelled["event"]["actor"].as_str(), cancelled["event"]["reason"].as_str()), (Some("shopper"), Some("changed my mind")));
    let theirs = timeline(&shopper, &second).await;
    assert_eq!((theirs[1]["actor"].as_str(), theirs[1]["text"].as_str()), (Some("shopper"), Some("changed my mind")));
    assert!(page(&shopper, &format!("/orders/{second}")).await.contains("Cancelled by you"));
    app.app.shutdown().await;
}

crate::on_both_databases!(who_did_what);

/// A note event written to the topic by someone else (right order, owner and total, no such
/// note in the database) reaches nobody, not even staff.
#[tokio::test]
async fn a_forged_note_reaches_nobody() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let (shopper, order) = app.shopper_with_order("forged-note@example.com", "ridge-mug").await;
    let detail = shopper.call("order", &[("id", &order)]).await.body;
    let mut staff_socket = app.staff().await.socket().await;
    let forged = serde_json::json!({"v": 1, "event_id": new_key(), "type": "order.note_added", "order_id": order,
        "user_id": detail["order"]["user_id"], "status": "PENDING", "order_version": 1, "total_cents": detail["order"]["total_cents"],
        "occurred_at": "2026-12-07T00:00:00Z", "actor": "staff", "note": "Refund to IBAN XY00 1234"})
    .to_string();
    crate::common::produce_raw(&app, &[forged]).await;
    crate::common::wait_for_metric(&app.base, "shop_events_untrusted_total 3", Duration::from_secs(5)).await;
    for frame in frames(&mut staff_socket, Duration::from_millis(500)).await {
        assert!(!frame.to_string().contains("IBAN"), "staff were shown a note nobody wrote: {frame}");
    }
    app.app.shutdown().await;
}
