//! The event spine end to end: checkout → outbox → Kafka (Tansu) → consumer → hub → /ws.

use std::time::Duration;

use crate::common::{self, new_key, start_broker, Db, TestApp};

#[tokio::test]
async fn an_order_reaches_its_owner_and_staff_but_no_other_shopper() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let alice = app.registered("alice@example.com").await;
    let bob = app.registered("bob@example.com").await;
    let staff = app.staff().await;

    let mut alice_ws = alice.socket().await;
    let mut bob_ws = bob.socket().await;
    let mut staff_ws = staff.socket().await;

    let placed = alice.checkout("ridge-mug:1", &new_key()).await;
    assert_eq!(placed.status, 200, "{}", placed.text);
    let order_id = placed.body["order"]["id"].as_str().unwrap();

    let started = std::time::Instant::now();
    let got = alice_ws.next_json(Duration::from_secs(2)).await.expect("alice's socket got her order within 2 s");
    tracing_free_print(&format!("checkout → socket: {:?}", started.elapsed()));
    assert_eq!(got["kind"], "event");
    assert_eq!(got["event"]["type"], "order.created");
    assert_eq!(got["event"]["order_id"], order_id);
    assert_eq!(got["event"]["user_id"], placed.body["order"]["user_id"]);
    assert_eq!(got["event"]["order_version"], 1);
    assert_eq!(got["event"]["total_cents"], 1600);
    assert_eq!(got["event"]["v"], 1);

    let staff_got = staff_ws.next_json(Duration::from_secs(2)).await.expect("staff socket sees every order");
    assert_eq!(staff_got["event"]["order_id"], order_id);
    assert!(bob_ws.next_json(Duration::from_millis(800)).await.is_none(), "bob must not receive alice's order");

    // Staff moves it: alice sees the new status live.
    let moved = staff.call("change_status", &[("id", order_id), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let change = alice_ws.next_json(Duration::from_secs(2)).await.expect("status change");
    assert_eq!(change["event"]["type"], "order.status_changed");
    assert_eq!(change["event"]["status"], "PROCESSING");
    assert_eq!(change["event"]["order_version"], 2);
    assert_eq!(staff_ws.next_json(Duration::from_secs(2)).await.expect("staff see the change")["event"]["status"], "PROCESSING");
    assert!(bob_ws.next_json(Duration::from_millis(800)).await.is_none(), "bob must not receive alice's status change");

    // The relay counts a batch once it has marked it published, which can be after the consumer
    // (nudged at the broker's acknowledgement) already delivered it: wait for the counter.
    // Three records: the two order events and the notification the status change made.
    common::wait_for_metric(&app.base, "shop_events_produced_total 3", Duration::from_secs(3)).await;
    let metrics = common::metrics(&app.base).await;
    assert!(metrics.lines().any(|l| l == "shop_events_consumed_total 2"), "{metrics}");
    app.app.shutdown().await;
}

fn tracing_free_print(s: &str) {
    eprintln!("{s}");
}

#[tokio::test]
async fn a_socket_needs_a_session_and_the_same_origin() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let url = app.base.replace("http://", "ws://") + "/ws";
    let err = tokio_tungstenite::connect_async(url.as_str()).await.expect_err("no cookie");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 401),
        other => panic!("expected HTTP 401, got {other:?}"),
    }
    let s = app.registered("eve@example.com").await;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("cookie", s.cookie_header().unwrap().parse().unwrap());
    req.headers_mut().insert("origin", "http://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await.expect_err("foreign origin") {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 403),
        other => panic!("expected HTTP 403, got {other:?}"),
    }
    app.app.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_every_socket_and_the_gauge_counts_none() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let (s, staff) = (app.registered("sam@example.com").await, app.staff().await);
    let mut sockets = vec![s.socket().await, s.socket().await, staff.socket().await];
    let metrics = app.app.metrics.clone();
    assert_eq!(metrics.ws_connections.load(std::sync::atomic::Ordering::Relaxed), 3);
    app.app.shutdown().await;
    for socket in &mut sockets {
        // The server's close frame (or the connection's end), not a hang.
        let end = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match socket.ws.next().await {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
        assert!(end.is_ok(), "the socket was not closed by the shutdown");
    }
    // The socket's reading side saw its writer end and let go (it used to panic on the way).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while metrics.ws_connections.load(std::sync::atomic::Ordering::Relaxed) != 0 {
        assert!(tokio::time::Instant::now() < deadline, "the gauge still counts closed sockets");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn no_event_is_lost_while_the_broker_is_down() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let s = app.registered("frank@example.com").await;
    let mut ws = s.socket().await;

    let mut ids = std::collections::HashSet::new();
    for i in 0..20 {
        if i == 5 {
            let pid = broker.pid().expect("broker pid");
            // SAFETY: killing the broker process this test started.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
        }
        let r = s.checkout("canvas-notebook:1", &new_key()).await;
        assert_eq!(r.status, 200, "checkouts succeed while the broker is down: {}", r.text);
        ids.insert(r.body["order"]["id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    broker.start_again().await.expect("broker restarts");

    let seen = ws.collect_orders(20, Duration::from_secs(30)).await;
    let missing: Vec<_> = ids.difference(&seen).collect();
    assert!(missing.is_empty(), "events never delivered: {missing:?}");
    common::wait_for_empty_outbox(&app).await;
    app.app.shutdown().await;
}

#[tokio::test]
async fn two_instances_share_postgres_and_the_broker() {
    let broker = start_broker().await;
    let url = common::fresh_postgres().await;
    let a = TestApp::spawn(Db::Postgres(url.clone()), &broker).await;
    let b = TestApp::spawn(Db::Postgres(url), &broker).await;

    let on_a = a.registered("gina@example.com").await;
    // The same shopper, signed in on instance B.
    let on_b = b.shopper();
    let login = on_b.call("login", &[("email", "gina@example.com"), ("password", "correct-horse-battery")]).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let mut ws_b = on_b.socket().await;
    let staff_a = a.staff().await;
    let mut staff_ws_a = staff_a.socket().await;

    let placed = on_a.checkout("glide-mouse:1", &new_key()).await;
    assert_eq!(placed.status, 200, "{}", placed.text);
    let id = placed.body["order"]["id"].as_str().unwrap();
    let got = ws_b.next_json(Duration::from_secs(3)).await.expect("order via A arrives at a socket on B");
    assert_eq!(got["event"]["order_id"], id);
    assert_eq!(staff_ws_a.next_json(Duration::from_secs(3)).await.expect("staff on A")["event"]["order_id"], id);

    // Both relays running against one outbox: every row published exactly once each round.
    let mut ids = vec![id.to_owned()];
    for _ in 0..10 {
        let r = on_a.checkout("glide-mouse:1", &new_key()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        ids.push(r.body["order"]["id"].as_str().unwrap().to_owned());
    }
    let seen = ws_b.collect_orders(10, Duration::from_secs(10)).await;
    assert_eq!(seen.len(), 10);
    common::wait_for_empty_outbox(&a).await;
    let mut on_topic: Vec<String> = common::orders_created_on_topic(&[broker.addr.to_string()]).await.into_iter().filter(|o| ids.contains(o)).collect();
    on_topic.sort();
    ids.sort();
    assert_eq!(on_topic, ids, "each order's event on the topic once");
    a.app.shutdown().await;
    b.app.shutdown().await;
}
