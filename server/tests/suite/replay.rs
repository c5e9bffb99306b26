//! `server replay --verify` against a real shop: after orders and status changes the log and the
//! database agree (and the figures replayed from the log equal the database's); a row changed
//! behind the shop's back is reported and fails the command.

use sea_orm::ConnectionTrait;

use crate::common::{self, new_key, start_broker, temp_dir, Db, TestApp};
use crate::on_both_databases;

on_both_databases!(the_audit_finds_a_row_changed_behind_the_shops_back);

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

async fn the_audit_finds_a_row_changed_behind_the_shops_back(db: Db) {
    let broker = start_broker().await;
    let data = temp_dir("replay");
    let database_url = match &db {
        Db::Sqlite => format!("sqlite://{}?mode=rwc", data.join("shop.db").display()),
        Db::Postgres(url) => url.clone(),
    };
    let data_dir = data.display().to_string();
    let extra = [("DATA_DIR", data_dir.as_str()), ("DATABASE_URL", database_url.as_str())];
    let app = TestApp::spawn_with(db, &broker, &extra).await;
    let shopper = app.registered("audit@example.com").await;
    let staff = app.staff().await;
    let mut ids = Vec::new();
    for cart in ["ridge-mug:1", "glide-mouse:2", "canvas-notebook:1"] {
        let r = shopper.checkout(cart, &new_key()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        ids.push(r.body["order"]["id"].as_str().unwrap().to_owned());
    }
    for (id, status, version) in [(&ids[0], "PROCESSING", "1"), (&ids[0], "SHIPPED", "2"), (&ids[1], "CANCELLED", "1")] {
        let r = staff.call("change_status", &[("id", id), ("status", status), ("version", version), ("reason", "as the shopper asked")]).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    common::wait_for_empty_outbox(&app).await;
    // The operator's configuration: the same database and broker (`extra` names the database).
    let config = common::config_with(&Db::Sqlite, &broker, &extra).await;

    let agreed = server::cli::run(&words(&["replay", "--verify"]), &config).await.expect("a command");
    let report = agreed.unwrap_or_else(|e| panic!("the log and the database should agree:\n{e}"));
    assert!(report.ends_with("the log and the database agree"), "{report}");
    assert!(report.contains("log: 6 records on 3 partitions of order-events, 0 events still in the outbox"), "{report}");
    assert!(report.contains("checked: 3 orders (every order)"), "{report}");
    let figures: Vec<&str> = report.lines().filter(|l| l.starts_with("today's figures from")).map(|l| l.split_once(':').unwrap().1.trim()).collect();
    assert_eq!(figures.len(), 2, "{report}");
    assert_eq!(figures[0], figures[1], "replayed from the log = from the database");
    assert!(figures[0].starts_with("3 orders"), "{report}");

    // Someone moves an order in the database without the shop: no history, no event.
    let db = app.app.shop.db();
    db.execute_unprepared(&format!("UPDATE orders SET status = 'DELIVERED', version = 4 WHERE id = '{}'", ids[0])).await.unwrap();
    let found = server::cli::run(&words(&["replay", "--verify"]), &config).await.expect("a command");
    let report = found.expect_err("the audit must fail");
    assert!(report.contains(&format!("order {}: the database row is at version 4 (DELIVERED), its log ends at version 3 (SHIPPED)", ids[0])), "{report}");
    assert!(report.contains("2 differences between the log and the database"), "{report}");
    assert!(report.contains("today's figures differ"), "the replayed figures have it shipped, the database delivered: {report}");

    // Without --verify it only replays; orders placed after a time in the future: none to check.
    let replayed = server::cli::run(&words(&["replay"]), &config).await.expect("a command").unwrap();
    assert!(!replayed.contains("agree") && replayed.contains("today's figures from the log"), "{replayed}");
    let later = server::cli::run(&words(&["replay", "--since", "2999-01-01T00:00:00Z", "--verify"]), &config).await.expect("a command").unwrap();
    assert!(later.contains("checked: 0 orders (orders placed since 2999-01-01T00:00:00.000Z)"), "{later}");
    // Bad arguments are refused with the usage.
    let bad = server::cli::run(&words(&["replay", "--since", "soon"]), &config).await.expect("a command").unwrap_err();
    assert!(bad.contains("not an RFC 3339 time") && bad.contains("usage:"), "{bad}");
    app.app.shutdown().await;
    let _ = std::fs::remove_dir_all(&data);
}
