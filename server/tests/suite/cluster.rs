//! The cluster fault suite: three instances of the server binary on a PostgreSQL of their own
//! and two Tansu brokers, HAProxy in front (`testkit::cluster`). An instance is SIGKILLed, a
//! broker is SIGKILLed, PostgreSQL is restarted, each while shoppers buy and watch through the
//! balancer; each test says what must survive. The clusters run one at a time (each is seven
//! processes on a machine that also runs the rest of the suite).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use testkit::cluster::{Cluster, Spec};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{new_key, temp_dir, Shopper, METRICS_TOKEN};
use testkit::Reply;

static ONE_CLUSTER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn start_cluster(tag: &str) -> (Cluster, DatabaseConnection) {
    let tansu = server::config::find_tansu(&|k| std::env::var(k).ok())
        .unwrap_or_else(|e| panic!("the cluster tests need the broker (shop-broker): {e}. Run scripts/test.sh, which builds it."));
    let mut spec = Spec::new(PathBuf::from(env!("CARGO_BIN_EXE_server")), temp_dir(tag), 3, 2);
    spec.tansu_bin = tansu;
    spec.env = [("BCRYPT_COST", "4"), ("METRICS_TOKEN", METRICS_TOKEN), ("RUST_LOG", "warn")].map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec();
    let cluster = Cluster::start(spec).await.unwrap_or_else(|e| panic!("the cluster did not start: {e}"));
    let db = Database::connect(cluster.postgres.shop_url()).await.unwrap();
    db.execute_unprepared("UPDATE products SET stock = 1000000").await.unwrap();
    (cluster, db)
}

async fn order_ids(db: &DatabaseConnection) -> HashSet<String> {
    db.query_all(Statement::from_string(db.get_database_backend(), "SELECT id FROM orders".to_owned()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "id").unwrap())
        .collect()
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap().expect("a row");
    row.try_get_by_index::<i64>(0).unwrap()
}

/// A request through the balancer, sent again while its answer is lost (the instance died
/// mid-request: no answer, or the balancer's 502/503), for 30 s at most.
async fn answered<F, Fut>(send: F) -> Reply
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<Reply>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match send().await {
            Some(r) if r.status != 502 && r.status != 503 => return r,
            _ => {}
        }
        assert!(tokio::time::Instant::now() < deadline, "a request was not answered within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A checkout as a browser makes it through the balancer: a lost answer is sent again with the
/// same idempotency key until it is answered.
async fn checkout_until_answered(s: &Shopper, cart: &str) -> String {
    let key = new_key();
    let r = answered(|| s.try_checkout(cart, &key)).await;
    assert_eq!(r.status, 200, "a checkout through the balancer: {}", r.text);
    r.body["order"]["id"].as_str().unwrap().to_owned()
}

/// Every order of the shopper's list, page by page (the list shows 20 a page), each id as often
/// as the list holds it. A page whose answer was lost in a failover (no answer, 502, 503) is
/// asked for again, as the browser does.
async fn listed_orders(s: &Shopper) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let page_text = page.to_string();
        let form = [("page", page_text.as_str())];
        let list = answered(|| s.try_call("orders", &form)).await;
        assert_eq!(list.status, 200, "the order list: {}", list.text);
        ids.extend(list.body["orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        if page >= list.body["pages"].as_u64().unwrap() {
            return ids;
        }
        page += 1;
    }
}

/// A browser tab watching its orders, its socket first opened at `first` (one instance): live
/// events, and when the socket dies, a reconnect through the balancer (to whichever instance)
/// and a resync from the order list. Returns every order id it has shown and how many times it
/// reconnected.
async fn watch(s: Shopper, first: String, stop: Arc<AtomicBool>) -> (HashSet<String>, usize) {
    let mut shown = HashSet::new();
    let mut reconnects = 0;
    let mut ws = s.socket_on(&first).await;
    loop {
        let msg = tokio::time::timeout(Duration::from_millis(200), ws.ws.next()).await;
        match msg {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                if v["kind"] == "event" {
                    shown.insert(v["event"]["order_id"].as_str().unwrap().to_owned());
                }
            }
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => {
                reconnects += 1;
                ws = loop {
                    // The balancer may still send the upgrade to the dead instance for a moment.
                    match tokio::time::timeout(Duration::from_secs(2), s.try_socket()).await {
                        Ok(Some(ws)) => break ws,
                        _ => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                };
                shown.extend(listed_orders(&s).await);
            }
            Ok(Some(Ok(_))) => {}
            Err(_) if stop.load(Ordering::Relaxed) => return (shown, reconnects),
            Err(_) => {}
        }
    }
}

/// Waits until every instance that is up reports an empty outbox.
async fn wait_outbox_drained(cluster: &Cluster, instances: &[usize]) {
    for &i in instances {
        crate::common::wait_for_metric(&cluster.instance_base(i), "shop_outbox_backlog 0", Duration::from_secs(30)).await;
    }
}

#[tokio::test]
async fn an_instance_killed_under_load_loses_nothing_and_its_sockets_move() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let (mut cluster, db) = start_cluster("cluster-instance").await;
    let s = Shopper::new(&cluster.base);
    s.register("cluster-survivor@example.com").await;
    // Three tabs, one on each instance (as the balancer would deal them out; placed by hand, so
    // that one is surely on the instance that dies). They reconnect through the balancer.
    let stop = Arc::new(AtomicBool::new(false));
    let tabs: Vec<_> = (0..3).map(|i| tokio::spawn(watch(s.clone(), cluster.instance_base(i), stop.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let buying = Arc::new(AtomicBool::new(true));
    let mut buyers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (s, buying) = (s.clone(), buying.clone());
        buyers.spawn(async move {
            let mut confirmed = Vec::new();
            while buying.load(Ordering::Relaxed) {
                confirmed.push(checkout_until_answered(&s, "canvas-notebook:1").await);
            }
            confirmed
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.kill_instance(0).await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    buying.store(false, Ordering::Relaxed);
    let mut confirmed = Vec::new();
    while let Some(r) = buyers.join_next().await {
        confirmed.extend(r.unwrap());
    }
    let unique: HashSet<String> = confirmed.iter().cloned().collect();
    assert_eq!(unique.len(), confirmed.len(), "two checkouts were confirmed as the same order");
    let in_db = order_ids(&db).await;
    assert_eq!(in_db, unique, "the orders in the database are exactly the confirmed ones (a retried checkout made no second order)");

    // The dead instance's committed rows are published by the others.
    wait_outbox_drained(&cluster, &[1, 2]).await;
    let on_topic: HashSet<String> = crate::common::orders_created_on_topic(&cluster.broker_addrs()).await.into_iter().collect();
    let lost: Vec<_> = in_db.difference(&on_topic).collect();
    assert!(lost.is_empty(), "{} committed orders have no event on Kafka: {lost:?}", lost.len());

    // Every tab shows every order: live, or through its resync after moving to another instance
    // (the last events are given a moment to travel from the broker to the sockets).
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let mut moved = 0;
    for (i, tab) in tabs.into_iter().enumerate() {
        let (shown, reconnects) = tab.await.unwrap();
        moved += reconnects;
        let missing: Vec<_> = in_db.difference(&shown).collect();
        assert!(missing.is_empty(), "tab {i} ({reconnects} reconnects) never showed {} orders: {missing:?}", missing.len());
        let unknown: Vec<_> = shown.difference(&in_db).collect();
        assert!(unknown.is_empty(), "tab {i} showed orders that were never committed: {unknown:?}");
    }
    assert!(moved >= 1, "the tab on the killed instance reconnected through the balancer");
    eprintln!("{} orders around the kill; the tabs reconnected {moved} times", in_db.len());
    let ids = listed_orders(&s).await;
    assert_eq!(ids.len(), in_db.len(), "the order list holds each order once: {} entries for {} orders", ids.len(), in_db.len());
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), in_db);
    cluster.stop().await;
}

#[tokio::test]
async fn a_broker_killed_leaves_the_other_to_carry_every_event() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let (mut cluster, db) = start_cluster("cluster-broker").await;
    let s = Shopper::new(&cluster.base);
    s.register("cluster-broker@example.com").await;
    let mut ws = s.socket().await;
    let before = checkout_until_answered(&s, "ridge-mug:1").await;
    assert_eq!(ws.collect_orders(1, Duration::from_secs(5)).await, HashSet::from([before]));

    cluster.kill_broker(0).await;
    // With broker 1 dead (and left dead), every checkout's event still reaches the shopper's
    // socket, produced and consumed through broker 2.
    let mut placed = HashSet::new();
    for _ in 0..30 {
        placed.insert(checkout_until_answered(&s, "ridge-mug:1").await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = ws.collect_orders(placed.len(), Duration::from_secs(60)).await;
    let missing: Vec<_> = placed.difference(&seen).collect();
    assert!(missing.is_empty(), "{} events never reached the socket with one broker dead: {missing:?}", missing.len());
    wait_outbox_drained(&cluster, &[0, 1, 2]).await;
    assert_eq!(scalar(&db, "SELECT count(*) FROM orders").await, 31);
    // A shopper who arrives now, on any instance, gets live events too.
    let late = Shopper::new(&cluster.base);
    late.register("cluster-late@example.com").await;
    let mut late_ws = late.socket().await;
    let id = checkout_until_answered(&late, "ridge-mug:1").await;
    assert_eq!(late_ws.collect_orders(1, Duration::from_secs(20)).await, HashSet::from([id]));
    cluster.stop().await;
}

#[tokio::test]
async fn postgres_restarted_means_a_clear_503_then_checkouts_again_without_restarts() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let (mut cluster, db) = start_cluster("cluster-postgres").await;
    let s = Shopper::new(&cluster.base);
    s.register("cluster-pg@example.com").await;
    let mut ws = s.socket().await;
    checkout_until_answered(&s, "glide-mouse:1").await;
    let orders_before = scalar(&db, "SELECT count(*) FROM orders").await;
    let stock_before = scalar(&db, "SELECT CAST(stock AS BIGINT) FROM products WHERE id = 'glide-mouse'").await;
    let pids: Vec<_> = (0..3).map(|i| cluster.instance_pid(i)).collect();
    drop(db);

    cluster.postgres.stop().await;
    // Two attempts: each waits out the pool's 10 s for a connection before answering.
    for _ in 0..2 {
        let r = s.try_checkout("glide-mouse:1", &new_key()).await.expect("the instance answers while its database is down");
        assert_eq!(r.status, 503, "a checkout while PostgreSQL is down: {}", r.text);
        assert!(r.text.contains("cannot reach its database") && r.text.contains("nothing was saved"), "a clear message: {}", r.text);
    }
    cluster.postgres.start_again().await.unwrap();

    // Nothing was half-written, and the same instances take checkouts again.
    let db = Database::connect(cluster.postgres.shop_url()).await.unwrap();
    assert_eq!(scalar(&db, "SELECT count(*) FROM orders").await, orders_before);
    assert_eq!(scalar(&db, "SELECT CAST(stock AS BIGINT) FROM products WHERE id = 'glide-mouse'").await, stock_before);
    let mut after = HashSet::new();
    for _ in 0..3 {
        after.insert(checkout_until_answered(&s, "glide-mouse:1").await);
    }
    assert_eq!(scalar(&db, "SELECT count(*) FROM orders").await, orders_before + 3);
    assert_eq!((0..3).map(|i| cluster.instance_pid(i)).collect::<Vec<_>>(), pids, "no instance was restarted");
    let seen = ws.collect_orders(4, Duration::from_secs(20)).await;
    assert!(after.is_subset(&seen), "the socket opened before the outage gets the new orders live");
    cluster.stop().await;
}
