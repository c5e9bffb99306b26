//! Staff run the catalog through the real server: who may, what a bad form changes (nothing),
//! stale edits, archived products, restocks racing checkouts, the catalog event on the topic
//! and the live frame a signed-out visitor's socket gets.

use std::time::Duration;

use crate::common::{new_key, start_broker, Db, TestApp};
use testkit::Shopper;

/// A server function's name and its form.
type Call = (&'static str, Vec<(&'static str, &'static str)>);

/// Every catalog function, with a valid form for `lumen-lamp`.
fn calls() -> Vec<Call> {
    vec![
        ("staff_products", vec![("query", ""), ("category", ""), ("status", ""), ("page", "1")]),
        ("staff_product", vec![("id", "lumen-lamp")]),
        ("create_product", vec![("name", "Desk Fan"), ("description", "Quiet."), ("category", "Home"), ("price", "39.00"), ("stock", "4")]),
        ("update_product", vec![("id", "lumen-lamp"), ("version", "1"), ("name", "Lamp"), ("description", ""), ("category", "Home"), ("price", "1.00")]),
        ("archive_product", vec![("id", "lumen-lamp"), ("version", "1"), ("archived", "true")]),
        ("change_stock", vec![("id", "lumen-lamp"), ("action", "add"), ("quantity", "5"), ("reason", "received")]),
    ]
}

/// The products table as it is, to prove a refused call changed nothing.
async fn snapshot(app: &TestApp) -> (i64, i64, i64) {
    (app.count("products").await, app.total_stock().await, app.count("outbox").await)
}

#[tokio::test]
async fn only_staff_may_run_the_catalog_and_bad_forms_change_nothing() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let before = snapshot(&app).await;
    let visitor = app.shopper();
    let shopper = app.registered("nina@example.com").await;
    for (name, form) in calls() {
        assert_eq!(visitor.call(name, &form).await.status, 401, "{name} signed out");
        let r = shopper.call(name, &form).await;
        assert_eq!(r.status, 403, "{name} as a shopper: {}", r.text);
    }
    let staff = app.staff().await;
    // Each refused form, and the field its error names ("" for a missing product).
    let refused: [(Call, &str); 6] = [
        (("create_product", vec![("name", ""), ("description", ""), ("category", "Home"), ("price", "12.345"), ("stock", "1")]), "price"),
        (("create_product", vec![("name", "Fan"), ("description", ""), ("category", "Home"), ("price", "9"), ("stock", "-1")]), "stock"),
        (
            ("update_product", vec![("id", "lumen-lamp"), ("version", "1"), ("name", "Lamp"), ("description", ""), ("category", ""), ("price", "abc")]),
            "category",
        ),
        (("change_stock", vec![("id", "lumen-lamp"), ("action", "add"), ("quantity", "0"), ("reason", "received")]), "quantity"),
        (("change_stock", vec![("id", "lumen-lamp"), ("action", "set"), ("quantity", "5"), ("reason", "because")]), "reason"),
        (("change_stock", vec![("id", "no-such-product"), ("action", "add"), ("quantity", "5"), ("reason", "received")]), ""),
    ];
    for ((name, form), field) in refused {
        let r = staff.call(name, &form).await;
        assert!(r.status == 422 || r.status == 404, "{name} {form:?}: {} {}", r.status, r.text);
        if !field.is_empty() {
            assert!(r.text.contains(field), "{name}: the error names {field}: {}", r.text);
        }
    }
    assert_eq!(snapshot(&app).await, before, "refused calls changed nothing");
}

/// A stale edit is refused with the current values; an archived product leaves the catalog,
/// cannot be bought, and comes back when restored. Both databases.
async fn edits_and_archiving(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let staff = app.staff().await;
    let edit = |version: &'static str, price: &'static str| {
        let staff = staff.clone();
        async move {
            staff
                .call(
                    "update_product",
                    &[
                        ("id", "lumen-lamp"),
                        ("version", version),
                        ("name", "Lumen Desk Lamp"),
                        ("description", "Warm light."),
                        ("category", "Home"),
                        ("price", price),
                    ],
                )
                .await
        }
    };
    let first = edit("1", "64.50").await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!((first.body["version"].as_i64(), first.body["product"]["price_cents"].as_i64()), (Some(2), Some(6450)));
    let stale = edit("1", "10.00").await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert!(stale.text.contains("$64.50") && stale.text.contains("Lumen Desk Lamp"), "the refusal shows the current values: {}", stale.text);
    assert_eq!(app.shopper().call("product", &[("id", "lumen-lamp")]).await.body["price_cents"], 6450, "the shop charges the new price");

    let shopper = app.registered("omar@example.com").await;
    let archived = staff.call("archive_product", &[("id", "lumen-lamp"), ("version", "2"), ("archived", "true")]).await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    let catalog = shopper.call("products", &[("query", ""), ("category", "")]).await;
    assert!(!catalog.text.contains("lumen-lamp"), "archived products leave the catalog");
    assert_eq!(shopper.call("product", &[("id", "lumen-lamp")]).await.status, 404);
    let stock = app.stock_of("lumen-lamp").await;
    let refused = shopper.checkout("lumen-lamp:1", &new_key()).await;
    assert_eq!(refused.status, 422, "an archived product cannot be bought: {}", refused.text);
    assert_eq!((app.count("orders").await, app.stock_of("lumen-lamp").await), (0, stock), "nothing written");
    let restored = staff.call("archive_product", &[("id", "lumen-lamp"), ("version", "3"), ("archived", "false")]).await;
    assert_eq!(restored.status, 200, "{}", restored.text);
    assert_eq!(shopper.checkout("lumen-lamp:1", &new_key()).await.status, 200, "restored, it sells again");
}

crate::on_both_databases!(edits_and_archiving);

/// Restocks and counts while shoppers buy the same product: every unit is accounted for.
async fn restocks_racing_checkouts_lose_no_unit(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    app.set_stock("ridge-mug", 40).await;
    let staff = app.staff().await;
    let mut shoppers = Vec::new();
    for i in 0..8 {
        shoppers.push(app.registered(&format!("race{i}@example.com")).await);
    }
    let buying = shoppers.iter().map(|s| async move {
        let mut bought = 0;
        for _ in 0..10 {
            if s.checkout("ridge-mug:1", &new_key()).await.status == 200 {
                bought += 1;
            }
        }
        bought
    });
    let restocking = async {
        for _ in 0..10 {
            let r = staff.call("change_stock", &[("id", "ridge-mug"), ("action", "add"), ("quantity", "3"), ("reason", "received")]).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    };
    let (bought, ()) = tokio::join!(futures::future::join_all(buying), restocking);
    let bought: i64 = bought.into_iter().sum();
    assert_eq!(app.stock_of("ridge-mug").await, 40 + 30 - bought, "stock = start + restocked - sold");
    let sold: i64 = app.scalar("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS n FROM order_items WHERE product_id = 'ridge-mug'").await;
    assert_eq!(sold, bought);

    // A count sets the level whatever was sold before it.
    let count = staff.call("change_stock", &[("id", "ridge-mug"), ("action", "set"), ("quantity", "7"), ("reason", "count_correction")]).await;
    assert_eq!((count.status, count.body["product"]["stock"].as_i64()), (200, Some(7)), "{}", count.text);
}

crate::on_both_databases!(restocks_racing_checkouts_lose_no_unit);

/// A restock reaches a signed-out visitor's socket as a catalog frame, the order sockets that
/// did not ask for the catalog get nothing, and the change is on the topic with who made it.
#[tokio::test]
async fn a_restock_reaches_a_visitors_socket_and_the_log() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    app.set_stock("orbit-watch", 0).await;
    let mut visitor = Shopper::new(&app.base).catalog_socket().await;
    let shopper = app.registered("pia@example.com").await;
    let mut orders_only = shopper.socket().await;
    let staff = app.staff().await;
    let r = staff.call("change_stock", &[("id", "orbit-watch"), ("action", "add"), ("quantity", "5"), ("reason", "received")]).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let frame = next_catalog(&mut visitor, Duration::from_secs(5)).await.expect("a catalog frame within 5 s");
    let product = frame["products"].as_array().unwrap().iter().find(|p| p["id"] == "orbit-watch").expect("the restocked product");
    assert_eq!(product["stock"], 5);
    assert!(orders_only.next_json(Duration::from_millis(800)).await.is_none(), "a socket that did not ask gets no catalog frames");

    let staff_id = staff.call("current_user", &[]).await.body["id"].as_str().unwrap().to_owned();
    let records = crate::common::records_on_topic(&[broker.addr.to_string()]).await;
    let event = records.iter().find(|r| r["type"] == "product.stock_changed").expect("the stock change on the topic");
    assert_eq!((event["product_id"].as_str(), event["stock"].as_i64(), event["stock_delta"].as_i64()), (Some("orbit-watch"), Some(5), Some(5)));
    assert_eq!((event["reason"].as_str(), event["actor_id"].as_str()), (Some("received"), Some(staff_id.as_str())));

    // A checkout moves stock: the visitor hears of that too.
    assert_eq!(shopper.checkout("orbit-watch:2", &new_key()).await.status, 200);
    let frame = next_catalog(&mut visitor, Duration::from_secs(5)).await.expect("a catalog frame after the checkout");
    assert_eq!(frame["products"][0]["stock"], 3, "{frame}");
}

async fn next_catalog(socket: &mut testkit::Socket, wait: Duration) -> Option<serde_json::Value> {
    socket.next_of_kind("catalog", wait).await
}

/// Signed-out visitors' sockets take the catalog only, and one address holds at most four
/// times an account's cap of them; a closed one frees its place.
#[tokio::test]
async fn visitors_sockets_are_capped_per_address() {
    let broker = start_broker().await;
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("WS_PER_USER", "2")]).await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(Shopper::new(&app.base).catalog_socket().await);
    }
    assert_eq!(visitor_refusal(&app.base).await, Some(429), "a ninth visitor's socket from one address");
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while visitor_refusal(&app.base).await.is_some() {
        assert!(tokio::time::Instant::now() < deadline, "a closed socket never freed its place");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Tries a signed-out `/ws?catalog=1`: the HTTP status it was refused with, or `None` when it
/// opened (it is closed again at once).
async fn visitor_refusal(base: &str) -> Option<u16> {
    let url = base.replace("http://", "ws://") + "/ws?catalog=1";
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Ok(_) => None,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Some(resp.status().as_u16()),
        Err(e) => panic!("no HTTP answer: {e}"),
    }
}
