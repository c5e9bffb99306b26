//! The notifications service through the real server: an order's status changes reach its
//! owner (live and in the list) and nobody else, marking read, "Notify me" on a sold-out
//! product. Exactly-once across a kill is in `faults.rs`.

use std::time::Duration;

use crate::common::{start_broker, Db, TestApp};
use testkit::Socket;

/// The next notification frame on `ws` within `wait`.
async fn next_notification(ws: &mut Socket, wait: Duration) -> Option<serde_json::Value> {
    ws.next_of_kind("notification", wait).await
}

async fn status_changes_notify_the_owner_and_only_them(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let staff = app.staff().await;
    let (owner, order) = app.shopper_with_order("owner@example.com", "canvas-notebook").await;
    let other = app.registered("bystander@example.com").await;
    let mut owner_ws = owner.socket().await;
    let mut other_ws = other.socket().await;

    for (status, version) in [("PROCESSING", "1"), ("SHIPPED", "2")] {
        let r = staff.call("change_status", &[("id", &order), ("status", status), ("version", version)]).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let first = next_notification(&mut owner_ws, Duration::from_secs(10)).await.expect("a notification frame for the processing order");
    assert!(first["notification"]["title"].as_str().unwrap().ends_with("is being prepared"), "{first}");
    let shipped = next_notification(&mut owner_ws, Duration::from_secs(10)).await.expect("a notification frame for the shipped order");
    assert!(shipped["notification"]["title"].as_str().unwrap().ends_with("has shipped"), "{shipped}");
    assert_eq!(shipped["notification"]["link"], format!("/orders/{order}"));
    assert_eq!(shipped["unread"], 2);
    assert_eq!(next_notification(&mut other_ws, Duration::from_millis(500)).await, None, "another shopper's socket gets nothing");

    let list = owner.call("notifications", &[]).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let (items, unread) = (list.body[0].as_array().unwrap().clone(), &list.body[1]);
    assert_eq!((items.len(), unread.as_u64()), (2, Some(2)), "{}", list.text);
    assert!(items[0]["title"].as_str().unwrap().ends_with("has shipped"), "newest first: {}", list.text);
    assert_eq!(other.call("notifications", &[]).await.body[0].as_array().map(Vec::len), Some(0));
    assert_eq!(app.shopper().call("notifications", &[]).await.status, 401, "signed out: no list");

    // Someone else's id marks nothing; the owner's own marks one, then all.
    let newest = items[0]["id"].as_str().unwrap();
    assert_eq!(other.call("mark_notifications_read", &[("id", newest)]).await.body[1], 0);
    assert_eq!(owner.call("unread_notifications", &[]).await.body, 2, "the other shopper's mark changed nothing");
    assert_eq!(owner.call("mark_notifications_read", &[("id", newest)]).await.body[1], 1);
    let list = owner.call("notifications", &[]).await;
    assert_eq!((list.body[0][0]["read"].as_bool(), list.body[0][1]["read"].as_bool()), (Some(true), Some(false)));
    assert_eq!(owner.call("mark_notifications_read", &[]).await.body[1], 0);
    assert_eq!(app.count("notifications").await, 2, "one notification per status change");
}

crate::on_both_databases!(status_changes_notify_the_owner_and_only_them);

async fn notify_me_tells_each_watcher_once_when_restocked(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    app.set_stock("orbit-watch", 0).await;
    let staff = app.staff().await;
    let watcher = app.registered("waiting@example.com").await;
    let changed_mind = app.registered("fickle@example.com").await;
    let watch = |on: &'static str| [("product_id", "orbit-watch"), ("watch", on)];

    assert_eq!(app.shopper().call("set_restock_watch", &watch("true")).await.status, 401, "signed out: sign in first");
    let in_stock = watcher.call("set_restock_watch", &[("product_id", "canvas-notebook"), ("watch", "true")]).await;
    assert!(in_stock.status >= 400 && in_stock.text.contains("is in stock"), "{}: {}", in_stock.status, in_stock.text);
    assert_eq!(watcher.call("set_restock_watch", &[("product_id", "no-such-thing"), ("watch", "true")]).await.status, 404);
    for _ in 0..2 {
        let r = watcher.call("set_restock_watch", &watch("true")).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert_eq!(watcher.call("restock_watch", &[("product_id", "orbit-watch")]).await.body, true);
    changed_mind.call("set_restock_watch", &watch("true")).await;
    changed_mind.call("set_restock_watch", &watch("false")).await;
    assert_eq!(app.count("restock_watches").await, 1, "asking twice is asking once; taking it back removes it");

    let mut ws = watcher.socket().await;
    let r = staff.call("change_stock", &[("id", "orbit-watch"), ("action", "add"), ("quantity", "3"), ("reason", "received")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let frame = next_notification(&mut ws, Duration::from_secs(10)).await.expect("a back-in-stock notification");
    assert_eq!(frame["notification"]["kind"], "back_in_stock");
    assert_eq!(frame["notification"]["title"], "Orbit Smart Watch is back in stock");
    assert_eq!(frame["notification"]["link"], "/products/orbit-watch");
    assert_eq!(app.count("restock_watches").await, 0, "the request is done with");

    // A second restock tells nobody again.
    staff.call("change_stock", &[("id", "orbit-watch"), ("action", "add"), ("quantity", "2"), ("reason", "received")]).await;
    assert_eq!(next_notification(&mut ws, Duration::from_millis(1500)).await, None);
    assert_eq!(app.count("notifications").await, 1, "one notification, for the one shopper still asking");
}

crate::on_both_databases!(notify_me_tells_each_watcher_once_when_restocked);

fn mails(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("mail")).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    files.sort();
    files.iter().map(|f| std::fs::read_to_string(f).unwrap().replace("=\r\n", "").replace("=\n", "")).collect()
}

/// Notifications go out by e-mail too (as `.eml` files without `SMTP_URL`), until the shopper
/// turns that off on the account page; the notification itself is written either way.
#[tokio::test]
async fn notifications_are_mailed_unless_the_shopper_turned_that_off() {
    let broker = start_broker().await;
    let data = crate::common::temp_dir("notify-mail");
    let data_dir = data.display().to_string();
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("DATA_DIR", &data_dir), ("PUBLIC_URL", "https://shop.example.test")]).await;
    let staff = app.staff().await;
    let (owner, order) = app.shopper_with_order("mailme@example.com", "canvas-notebook").await;
    assert_eq!(owner.call("my_account", &[]).await.body["email_notifications"], true, "on for a new account");

    staff.call("change_status", &[("id", &order), ("status", "PROCESSING"), ("version", "1")]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while mails(&data).is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no mail for the notification");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mail = &mails(&data)[0];
    assert!(mail.contains("To: mailme@example.com"), "{mail}");
    assert!(mail.contains("is being prepared"), "{mail}");
    assert!(mail.contains(&format!("https://shop.example.test/orders/{order}")), "{mail}");

    // Off: the next change is a notification, not a mail.
    assert_eq!(owner.call("set_email_notifications", &[]).await.body, false);
    assert_eq!(owner.call("my_account", &[]).await.body["email_notifications"], false);
    staff.call("change_status", &[("id", &order), ("status", "SHIPPED"), ("version", "2")]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.count("notifications").await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no notification for the shipped order");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails(&data).len(), 1, "no mail once turned off");
}

/// A `notification.created` record is only a hint: the pushed notification is the database's,
/// to the database's owner. Forged records naming someone else, or no notification, show nothing.
#[tokio::test]
async fn a_forged_notification_record_reaches_nobody() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let staff = app.staff().await;
    let (alice, order) = app.shopper_with_order("alice-notified@example.com", "ridge-mug").await;
    let alices_id = alice.call("current_user", &[]).await.body["id"].as_str().unwrap().to_owned();
    let mut alices_socket = alice.socket().await;
    staff.call("change_status", &[("id", &order), ("status", "PROCESSING"), ("version", "1")]).await;
    next_notification(&mut alices_socket, Duration::from_secs(10)).await.expect("alice's genuine notification");
    let alices_notification = alice.call("notifications", &[]).await.body[0][0]["id"].as_str().unwrap().to_owned();
    let mallory = app.registered("mallory-notified@example.com").await;
    let mallorys_id = mallory.call("current_user", &[]).await.body["id"].as_str().unwrap().to_owned();
    let mut mallorys_socket = mallory.socket().await;

    let forged = |notification_id: &str, user_id: &str| {
        serde_json::json!({"v": 1, "event_id": "forged", "type": "notification.created", "notification_id": notification_id,
            "user_id": user_id, "occurred_at": "2026-12-06T00:00:00Z"})
        .to_string()
    };
    crate::common::produce_raw(&app, &[forged(&alices_notification, &mallorys_id), forged("no-such-notification", &alices_id)]).await;
    crate::common::wait_for_metric(&app.base, "shop_events_untrusted_total 3", Duration::from_secs(5)).await;
    assert_eq!(mallorys_socket.next_json(Duration::from_millis(500)).await, None, "mallory was shown alice's notification");
    assert_eq!(next_notification(&mut alices_socket, Duration::from_millis(500)).await, None, "alice was shown a notification that does not exist");
    assert_eq!(app.count("notifications").await, 1);
}
