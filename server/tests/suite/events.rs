//! The event browser (`/staff/events`) through the real server: what it reads from the start, an
//! offset or a time is exactly what the relay produced (checked against the offsets the relay
//! recorded in the outbox), pages forward and back cover every record once, the filters, staff
//! only, and the live consumer carrying on untouched.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::common::{start_broker, wait_for_empty_outbox, Db, TestApp};
use testkit::{new_key, Shopper};

type Page = serde_json::Value;

async fn browse(staff: &Shopper, form: &[(&str, &str)]) -> Page {
    let r = staff.call("browse_events", form).await;
    assert_eq!(r.status, 200, "{form:?}: {}", r.text);
    r.body
}

fn rows(page: &Page) -> Vec<Page> {
    page["rows"].as_array().unwrap().clone()
}

/// Where a row is: (partition, offset).
fn at(row: &Page) -> (i64, i64) {
    (row["partition"].as_i64().unwrap(), row["offset"].as_i64().unwrap())
}

fn event_id(row: &Page) -> String {
    let event: serde_json::Value = serde_json::from_str(row["json"].as_str().unwrap()).unwrap();
    event["event_id"].as_str().unwrap_or_default().to_owned()
}

fn cursor(page: &Page, which: &str) -> String {
    page[which].as_array().unwrap().iter().map(|p| format!("{}:{}", p[0], p[1])).collect::<Vec<_>>().join(",")
}

/// Follows pages in one direction (`newer` or `older`) until one comes back empty.
async fn walk(staff: &Shopper, first: &[(&str, &str)], dir: &str) -> Vec<Page> {
    let mut page = browse(staff, first).await;
    let mut all = rows(&page);
    for _ in 0..20 {
        let c = cursor(&page, dir);
        let mut form: Vec<(&str, &str)> = first.iter().copied().filter(|(k, _)| matches!(*k, "kind" | "partition" | "subject")).collect();
        form.extend([("dir", dir), ("cursor", c.as_str())]);
        page = browse(staff, &form).await;
        let got = rows(&page);
        if got.is_empty() {
            return all;
        }
        all.extend(got);
    }
    panic!("more than 20 pages");
}

fn by_place(rows: &[Page]) -> BTreeMap<(i64, i64), String> {
    rows.iter().map(|r| (at(r), event_id(r))).collect()
}

#[tokio::test]
async fn the_browser_reads_exactly_what_was_produced() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let staff = app.staff().await;
    let shopper = app.registered("browsed@example.com").await;
    let mut orders = Vec::new();
    for i in 0..36 {
        let product = ["ridge-mug", "canvas-notebook", "glide-mouse"][i % 3];
        let r = shopper.checkout(&format!("{product}:1"), &new_key()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        orders.push(r.body["order"]["id"].as_str().unwrap().to_owned());
    }
    for id in &orders[..24] {
        let r = staff.call("change_status", &[("id", id), ("status", "PROCESSING"), ("version", "1")]).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    wait_for_empty_outbox(&app).await;
    // Where the relay says each order event went.
    let produced: BTreeMap<(i64, i64), String> = {
        use sea_orm::{ConnectionTrait, Statement};
        let sql = "SELECT event_id, kafka_partition, kafka_offset FROM outbox WHERE payload LIKE '%\"type\":\"order.%'";
        let rows = app.app.shop.db().query_all(Statement::from_string(app.app.shop.db().get_database_backend(), sql)).await.unwrap();
        rows.iter()
            .map(|r| {
                let (p, o): (i32, i64) = (r.try_get("", "kafka_partition").unwrap(), r.try_get("", "kafka_offset").unwrap());
                ((i64::from(p), o), r.try_get::<String>("", "event_id").unwrap())
            })
            .collect()
    };
    assert_eq!(produced.len(), 60);

    // From the earliest record, page by page forward: every order event once, none other.
    let forward = walk(&staff, &[("start", "earliest"), ("kind", "order.")], "newer").await;
    assert_eq!(forward.len(), 60, "each record once");
    assert_eq!(by_place(&forward), produced, "the rows are the records the relay produced, where it produced them");
    // From the end, page by page back: the same.
    let back = walk(&staff, &[("start", "latest"), ("kind", "order.")], "older").await;
    assert_eq!(back.len(), 60);
    assert_eq!(by_place(&back), produced);

    // One partition from an offset.
    let (&(p, _), _) = produced.iter().next().unwrap();
    let in_p: Vec<i64> = produced.keys().filter(|(q, _)| *q == p).map(|(_, o)| *o).collect();
    let from = in_p[in_p.len() / 2];
    let (p_text, from_text) = (p.to_string(), from.to_string());
    let page = browse(&staff, &[("partition", &p_text), ("start", "offset"), ("at", &from_text), ("kind", "order.")]).await;
    let got: BTreeSet<(i64, i64)> = rows(&page).iter().map(at).collect();
    assert_eq!(got, in_p.iter().filter(|o| **o >= from).map(|o| (p, *o)).collect(), "partition {p} from offset {from}");

    // From a time (ListOffsets by timestamp): exactly the records at or after it.
    let mut times: Vec<i64> = forward.iter().map(|r| r["at_ms"].as_i64().unwrap()).collect();
    times.sort();
    let t = times[times.len() / 2];
    let when = chrono::DateTime::from_timestamp_millis(t).unwrap().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let since: BTreeSet<(i64, i64)> = walk(&staff, &[("start", "time"), ("at", &when), ("kind", "order.")], "newer").await.iter().map(at).collect();
    let expected: BTreeSet<(i64, i64)> = forward.iter().filter(|r| r["at_ms"].as_i64().unwrap() >= t).map(at).collect();
    assert_eq!(since, expected, "from {when}");

    // One order's events, oldest last on the page (newest first), offsets growing.
    let one = browse(&staff, &[("start", "earliest"), ("subject", &orders[0])]).await;
    let kinds: Vec<&str> = one["rows"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["order.status_changed", "order.created"]);
    let offsets: Vec<i64> = one["rows"].as_array().unwrap().iter().map(|r| r["offset"].as_i64().unwrap()).collect();
    assert!(offsets[0] > offsets[1], "{offsets:?}");

    // Health: each partition's end, and the consumer up to date.
    let health = &browse(&staff, &[]).await["health"];
    assert_eq!(health.as_array().unwrap().len(), 3);
    for h in health.as_array().unwrap() {
        let end = h["high_watermark"].as_i64().unwrap();
        assert!(end >= produced.keys().filter(|(q, _)| *q == h["partition"].as_i64().unwrap()).count() as i64, "{h}");
    }

    // Bad input is refused and says why; only staff may look.
    let r = staff.call("browse_events", &[("start", "offset"), ("at", "abc")]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = staff.call("browse_events", &[("partition", "7")]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("no partition 7"), "{}", r.text);
    assert_eq!(shopper.call("browse_events", &[]).await.status, 403);
    assert_eq!(app.shopper().call("browse_events", &[]).await.status, 401);

    // "Rebuild figures from the log": the same figures both ways, then a row changed behind the
    // shop's back is reported.
    let rebuilt = staff.call("rebuild_figures", &[]).await;
    assert_eq!(rebuilt.status, 200, "{}", rebuilt.text);
    assert_eq!(rebuilt.body["differences"], serde_json::json!([]), "{}", rebuilt.text);
    assert_eq!(rebuilt.body["today"][0], rebuilt.body["today"][1], "{}", rebuilt.text);
    assert_eq!(rebuilt.body["today"][0]["figures"]["orders"], 36);
    {
        use sea_orm::{ConnectionTrait, Statement};
        let sql = format!("UPDATE orders SET status = 'DELIVERED', version = version + 1 WHERE id = '{}'", orders[0]);
        app.app.shop.db().execute(Statement::from_string(app.app.shop.db().get_database_backend(), sql)).await.unwrap();
    }
    let rebuilt = staff.call("rebuild_figures", &[]).await;
    let differences = rebuilt.body["differences"].as_array().unwrap();
    assert!(differences.iter().any(|d| d.as_str().unwrap().contains(orders[0].as_str())), "{}", rebuilt.text);
    assert_eq!(staff.call("rebuild_figures", &[("since", "last week")]).await.status, 422);
    assert_eq!(shopper.call("rebuild_figures", &[]).await.status, 403);

    // The live consumer never moved: a new order still reaches a socket at once.
    let mut ws = shopper.socket().await;
    let placed = shopper.checkout("ridge-mug:1", &new_key()).await;
    let frame = ws.next_of_kind("event", Duration::from_secs(5)).await.expect("the live consumer carried on");
    assert_eq!(frame["event"]["order_id"], placed.body["order"]["id"]);
    app.app.shutdown().await;
}
