//! The fault suite: the broker dies, the server dies, buyers race for the last units, a client
//! stops reading. Each test says what must survive. Run it alone with
//! `cargo test -p server --release --test suite faults::` (scripts/faults.sh); it is also part of the
//! README's test command.

use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{free_port, new_key, start_broker, temp_dir, Db, Shopper, TestApp};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, Database, Statement};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

async fn order_ids_on_topic(brokers: &[String]) -> HashSet<String> {
    crate::common::orders_created_on_topic(brokers).await.into_iter().collect()
}

#[tokio::test]
async fn broker_down_during_100_checkouts_loses_no_event() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    app.set_stock("canvas-notebook", 1000).await;
    let s = app.registered("outage@example.com").await;
    let mut ws = s.socket().await;

    let mut ids = HashSet::new();
    for i in 0..100 {
        if i == 10 {
            let pid = broker.pid().expect("broker pid");
            // SAFETY: killing the broker process this test started.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
        }
        let r = s.checkout("canvas-notebook:1", &new_key()).await;
        assert_eq!(r.status, 200, "checkout {i} while the broker is down: {}", r.text);
        ids.insert(r.body["order"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(app.count("orders").await, 100);
    broker.start_again().await.expect("broker restarts");

    let seen = ws.collect_orders(100, Duration::from_secs(60)).await;
    let missing: Vec<_> = ids.difference(&seen).collect();
    assert!(missing.is_empty(), "{} events never reached the socket: {missing:?}", missing.len());
    crate::common::wait_for_empty_outbox(&app).await;
    app.app.shutdown().await;
}

#[tokio::test]
async fn fifty_buyers_for_ten_units_make_exactly_ten_orders() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    app.set_stock("orbit-watch", 10).await;
    let mut buyers = Vec::new();
    for i in 0..50 {
        let s = app.registered(&format!("racer{i}@example.com")).await;
        buyers.push(s);
    }
    let results = futures::future::join_all(buyers.iter().map(|s| async move { s.checkout("orbit-watch:1", &new_key()).await })).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    let sold_out = results.iter().filter(|r| r.status == 422 && r.text.contains("Orbit Smart Watch")).count();
    assert_eq!(ok, 10, "{:?}", results.iter().map(|r| (r.status, &r.text)).collect::<Vec<_>>());
    assert_eq!(sold_out, 40);
    assert_eq!(app.stock_of("orbit-watch").await, 0);
    assert_eq!(app.count("orders").await, 10);
    assert_eq!(app.count("outbox").await, 10);
    app.app.shutdown().await;
}

/// A socket whose reader never reads, with a tiny receive buffer so the server's writes back up
/// quickly.
async fn stalled_socket(s: &Shopper) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let addr: std::net::SocketAddr = s.base.trim_start_matches("http://").parse().unwrap();
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp.connect(addr).await.unwrap();
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert("cookie", s.cookie_header().unwrap().parse().unwrap());
    let (ws, _) = tokio_tungstenite::client_async(req, stream).await.unwrap();
    ws
}

#[tokio::test]
async fn a_client_that_stops_reading_is_told_to_resync_and_slows_nobody() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let staff = app.staff().await;
    let mut slow = stalled_socket(&staff).await;
    let shopper = app.registered("steady@example.com").await;
    let mut fast = shopper.socket().await;

    // Flood the staff sockets with large events (not the shopper's: they belong to nobody).
    let big = "x".repeat(16 * 1024);
    let mut flood = 0;
    while app.app.metrics.events_dropped.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        assert!(flood < 20_000, "the stalled socket never overflowed");
        for _ in 0..100 {
            flood += 1;
            let mut event =
                domain::fixtures::order_event(domain::EventType::OrderStatusChanged, &format!("flood-{flood}"), "nobody", domain::OrderStatus::Processing, 2);
            event.event_id = format!("{flood}-{big}");
            app.app.hub.publish(&event);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Meanwhile the shopper's own events arrive as before.
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let placed = shopper.checkout("ridge-mug:1", &new_key()).await;
        assert_eq!(placed.status, 200, "{}", placed.text);
        let got = fast.next_json(Duration::from_secs(2)).await.expect("the reading socket still gets its events within 2 s");
        assert_eq!(got["event"]["order_id"], placed.body["order"]["id"]);
        eprintln!("event while another socket is stalled: {:?}", started.elapsed());
    }

    // The stalled client reads again: somewhere after the frames that fitted, it is told to resync.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut told = false;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, slow.next()).await {
        if let Message::Text(t) = msg {
            if t.as_str().contains("\"resync\"") {
                told = true;
                break;
            }
        }
    }
    assert!(told, "the client whose queue overflowed was told to resync");
    app.app.shutdown().await;
}

/// The server binary as a child process (so it can be SIGKILLed), on a broker the test owns.
struct Child {
    process: tokio::process::Child,
    base: String,
}

async fn start_server(data: &Path, port: u16, brokers: &str) -> Child {
    let process = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATA_DIR", data)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("KAFKA_BROKERS", brokers)
        .env("BCRYPT_COST", "4")
        .env("METRICS_TOKEN", crate::common::METRICS_TOKEN)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server binary");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                return Child { process, base };
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server binary never became ready at {base}");
}

#[tokio::test]
async fn a_server_killed_under_load_loses_no_order_event_and_clients_resync() {
    let broker = start_broker().await;
    let brokers = broker.addr.to_string();
    let data = temp_dir("sigkill");
    let port = free_port();
    let mut server = start_server(&data, port, &brokers).await;
    let base = server.base.clone();
    let db = Database::connect(format!("sqlite://{}?mode=rw", data.join("shop.db").display())).await.unwrap();
    // Enough stock that the buyers never run out (a write from outside, as an operator would).
    db.execute_unprepared("UPDATE products SET stock = 1000000 WHERE id = 'canvas-notebook'").await.unwrap();
    let s = Shopper::new(&base);
    s.register("survivor@example.com").await;
    let mut ws = s.socket().await;

    // Four buyers check out in a loop; the server is killed while they do.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut buyers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (s, stop) = (s.clone(), stop.clone());
        buyers.spawn(async move {
            let mut confirmed = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // None: the connection died with the server, the answer lost (the order may
                // still have committed: the checks below find it in the database).
                if let Some(r) = s.try_checkout("canvas-notebook:1", &new_key()).await {
                    assert_eq!(r.status, 200, "a checkout answered with an error around the kill: {}", r.text);
                    confirmed.push(r.body["order"]["id"].as_str().unwrap().to_owned());
                }
            }
            confirmed
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = server.process.id().expect("server pid");
    // SAFETY: killing the server process this test started.
    unsafe {
        libc::kill(pid as i32, libc::SIGKILL);
    }
    let _ = server.process.wait().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut confirmed = HashSet::new();
    while let Some(r) = buyers.join_next().await {
        confirmed.extend(r.unwrap());
    }
    assert!(!confirmed.is_empty(), "some checkouts completed before the kill");
    // The old socket is gone with the process.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the socket noticed the server died");

    // Restart on the same data: the outbox drains every committed order, including any whose
    // HTTP response was lost in the kill.
    let server = start_server(&data, port, &brokers).await;
    let in_db: HashSet<String> = db
        .query_all(Statement::from_string(db.get_database_backend(), "SELECT id FROM orders".to_owned()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "id").unwrap())
        .collect();
    assert!(confirmed.is_subset(&in_db), "every confirmed order is in the database");
    let mut on_topic = HashSet::new();
    for _ in 0..100 {
        on_topic = order_ids_on_topic(std::slice::from_ref(&brokers)).await;
        if in_db.is_subset(&on_topic) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let lost: Vec<_> = in_db.difference(&on_topic).collect();
    assert!(lost.is_empty(), "{} committed orders have no event on Kafka: {lost:?}", lost.len());
    // Produced rows are marked published right after the broker's ack: wait for that too.
    crate::common::wait_for_metric(&server.base, "shop_outbox_backlog 0", Duration::from_secs(10)).await;

    // The browser's reconnect: the same session works on the restarted server; its resync (the
    // order list) shows every order, and new events arrive live.
    let mut ws = s.socket().await;
    let list = s.call("orders", &[]).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let listed: HashSet<String> = list.body["orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    assert!(!listed.is_empty() && listed.is_subset(&in_db));
    let total: u64 = list.body["counts"].as_array().unwrap().iter().map(|c| c[1].as_u64().unwrap()).sum();
    assert_eq!(total as usize, in_db.len(), "the resync counts every committed order");
    let placed = s.checkout("canvas-notebook:1", &new_key()).await;
    assert_eq!(placed.status, 200, "{}", placed.text);
    // Events of orders drained from the outbox after the restart may still be on their way from
    // the broker to this socket (the consumer starts at the log's end when the server starts, and
    // the drain produces after that): they are live deliveries too, of committed orders only.
    let placed_id = placed.body["order"]["id"].as_str().unwrap().to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = ws.next_json(left).await.expect("live again after the restart");
        let id = got["event"]["order_id"].as_str().unwrap_or_default().to_owned();
        if id == placed_id {
            break;
        }
        assert!(in_db.contains(&id), "an event for an order that was never committed: {got}");
        eprintln!("after the restart, first the drained event of order {id}");
    }
    drop(server);
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap().expect("a row");
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The notifications service keeps its position in the database, moved in the transaction that
/// writes the notifications: a kill -9 in the middle of a burst, then a restart, leaves exactly
/// one notification per event (none twice, none skipped).
#[tokio::test]
async fn a_server_killed_during_a_burst_of_cancels_notifies_each_exactly_once() {
    let broker = start_broker().await;
    let brokers = broker.addr.to_string();
    let data = temp_dir("notify-kill");
    let port = free_port();
    let mut server = start_server(&data, port, &brokers).await;
    let db = Database::connect(format!("sqlite://{}?mode=rw", data.join("shop.db").display())).await.unwrap();
    db.execute_unprepared("UPDATE products SET stock = 1000000 WHERE id = 'canvas-notebook'").await.unwrap();
    let s = Shopper::new(&server.base);
    s.register("canceller@example.com").await;
    let mut orders = Vec::new();
    for _ in 0..400 {
        let r = s.checkout("canvas-notebook:1", &new_key()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        orders.push(r.body["order"]["id"].as_str().unwrap().to_owned());
    }

    // The shopper cancels them all, four at a time (each cancel is an event, and each event a
    // notification); the server is killed once the service has written some.
    let mut cancelling = tokio::task::JoinSet::new();
    for chunk in orders.chunks(orders.len() / 4) {
        let (s, chunk) = (s.clone(), chunk.to_vec());
        cancelling.spawn(async move {
            for id in chunk {
                if s.try_call("change_status", &[("id", &id), ("status", "CANCELLED"), ("version", "1")]).await.is_none() {
                    return;
                }
            }
        });
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while count(&db, "SELECT COUNT(*) FROM notifications").await < 20 {
        assert!(tokio::time::Instant::now() < deadline, "no notifications were written");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = server.process.id().expect("server pid");
    // SAFETY: killing the server process this test started.
    unsafe {
        libc::kill(pid as i32, libc::SIGKILL);
    }
    let _ = server.process.wait().await;
    while cancelling.join_next().await.is_some() {}
    let before_restart = count(&db, "SELECT COUNT(*) FROM notifications").await;
    let cancelled = count(&db, "SELECT COUNT(*) FROM orders WHERE status = 'CANCELLED'").await;
    assert!(before_restart < cancelled, "the kill came in the middle of the burst ({before_restart} of {cancelled} written)");

    let server = start_server(&data, port, &brokers).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while count(&db, "SELECT COUNT(*) FROM notifications").await < cancelled {
        assert!(tokio::time::Instant::now() < deadline, "notifications skipped: {} of {cancelled}", count(&db, "SELECT COUNT(*) FROM notifications").await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Nothing more comes: the events before the kill are not notified twice.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM notifications").await, cancelled, "one notification per cancel");
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT source_event_id) FROM notifications").await, cancelled, "no event notified twice");
    drop(server);
}
