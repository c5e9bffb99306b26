//! Accounts, catalog and checkout against the real server (SQLite and PostgreSQL).

use sea_orm::ConnectionTrait;

use crate::common::{self, new_key, start_broker, Db, TestApp};

#[tokio::test]
async fn register_login_logout_and_wrong_password() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let s = app.shopper();

    let r = s.register("Ada@Example.com").await;
    assert_eq!(r.body["email"], "ada@example.com", "emails are stored lower-cased");
    assert!(s.cookie_header().unwrap().contains("session="));
    let me = s.call("current_user", &[]).await;
    assert_eq!(me.body["email"], "ada@example.com");

    let dup = app.shopper().call("register", &[("name", "X"), ("email", "ada@example.com"), ("password", "another-password")]).await;
    assert_eq!(dup.status, 422);
    assert!(dup.text.contains("already exists"), "{}", dup.text);

    let bad = app.shopper().call("register", &[("name", ""), ("email", "nope"), ("password", "short")]).await;
    assert_eq!(bad.status, 422);
    for field in ["name", "email", "password"] {
        assert!(bad.body["Invalid"][field].is_string(), "field error for {field}: {}", bad.text);
    }

    assert_eq!(s.call("logout", &[]).await.status, 200);
    let me = s.call("current_user", &[]).await;
    assert_eq!((me.status, me.text.as_str()), (200, "null"), "signed out");

    let wrong = s.call("login", &[("email", "ada@example.com"), ("password", "not-the-password")]).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text.contains("Wrong email or password."));
    let unknown = s.call("login", &[("email", "nobody@example.com"), ("password", "whatever-123")]).await;
    assert_eq!(unknown.text, wrong.text, "the same message whether or not the account exists");

    let ok = s.call("login", &[("email", "ADA@example.com"), ("password", "correct-horse-battery")]).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(s.call("current_user", &[]).await.body["email"], "ada@example.com");
    app.app.shutdown().await;
}

#[tokio::test]
async fn private_pages_send_visitors_to_login_and_staff_pages_refuse_shoppers() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let visitor = app.shopper();
    for page in ["/orders", "/checkout", "/staff"] {
        // A browser's navigation: it accepts HTML, so a redirect is a real 302.
        let r = visitor.http.get(format!("{}{page}", app.base)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(r.status(), 302, "{page}");
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, format!("/login?next={page}"), "{page}");
    }
    let s = app.registered("carol@example.com").await;
    let r = s.http.get(format!("{}/orders", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(s.http.get(format!("{}/staff", app.base)).send().await.unwrap().status(), 403);
    assert_eq!(s.call("staff_overview", &[]).await.status, 403);
    assert_eq!(s.call("orders", &[("all", "true")]).await.status, 403);
    // The catalog is public and server-rendered.
    let home = visitor.http.get(&app.base).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Aurora Wireless Headphones") && home.contains("Only 3 left") && home.contains("Sold out"));
    app.app.shutdown().await;
}

async fn checkout_prices_from_the_database_in_one_transaction(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let s = app.registered("dan@example.com").await;
    let before = app.stock_of("ridge-mug").await;

    let key = new_key();
    let r = s
        .call(
            "place_order",
            &[
                ("first_name", "Dan"),
                ("last_name", "Doe"),
                ("email", "dan@example.com"),
                ("address", "1 Main St"),
                ("city", "Springfield"),
                ("state", "IL"),
                ("zip", "62701"),
                ("cart", "ridge-mug:2,canvas-notebook:1"),
                ("idempotency_key", &key),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["order"]["total_cents"], 2 * 1600 + 1875);
    assert_eq!(r.body["order"]["status"], "PENDING");
    assert_eq!(r.body["order"]["customer"], "Test Shopper", "the placed order names its customer");
    assert_eq!(app.stock_of("ridge-mug").await, before - 2);
    assert_eq!(app.count("outbox").await, 1, "one event in the same transaction");

    // Same form submitted again: the same order, nothing new written.
    let again = s.checkout("ridge-mug:2,canvas-notebook:1", &key).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["order"]["id"], r.body["order"]["id"]);
    assert_eq!(again.body["repeated"], true);
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.stock_of("ridge-mug").await, before - 2);

    // The shopper's list has it, with items.
    let list = s.call("orders", &[]).await;
    assert_eq!(list.body["orders"][0]["items"].as_array().unwrap().len(), 2);
    app.app.shutdown().await;
}

/// The order and its event commit together: when the outbox refuses the event, no order, no
/// line and no stock change is left behind, and the same form placed again later succeeds.
async fn an_order_whose_event_cannot_be_written_is_not_placed(db: Db) {
    let broker = start_broker().await;
    let postgres = matches!(db, Db::Postgres(_));
    let app = TestApp::spawn(db, &broker).await;
    let s = app.registered("atomic@example.com").await;
    let before = app.stock_of("ridge-mug").await;
    let refuse = if postgres {
        "CREATE FUNCTION refuse_event() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER refuse_event BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_event();"
    } else {
        "CREATE TRIGGER refuse_event BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox refused'); END;"
    };
    app.app.shop.db().execute_unprepared(refuse).await.unwrap();

    let key = new_key();
    let refused = s.checkout("ridge-mug:2,canvas-notebook:1", &key).await;
    assert!(refused.status >= 500, "the order was placed without its event: {} {}", refused.status, refused.text);
    for table in ["orders", "order_items", "outbox", "order_status_history"] {
        assert_eq!(app.count(table).await, 0, "{table} kept a row of the refused order");
    }
    assert_eq!(app.stock_of("ridge-mug").await, before, "stock taken by an order that does not exist");

    let allow = if postgres { "DROP TRIGGER refuse_event ON outbox; DROP FUNCTION refuse_event();" } else { "DROP TRIGGER refuse_event;" };
    app.app.shop.db().execute_unprepared(allow).await.unwrap();
    let placed = s.checkout("ridge-mug:2,canvas-notebook:1", &key).await;
    assert_eq!(placed.status, 200, "{}", placed.text);
    assert_eq!((app.count("orders").await, app.count("outbox").await), (1, 1));
    assert_eq!(app.stock_of("ridge-mug").await, before - 2);
    app.app.shutdown().await;
}

async fn resubmitting_the_form_that_bought_the_last_unit_shows_that_order(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    app.set_stock("orbit-watch", 1).await;
    let s = app.registered("last@example.com").await;
    let key = new_key();
    let first = s.checkout("orbit-watch:1", &key).await;
    assert_eq!(first.status, 200, "{}", first.text);
    // The stock is gone now, but this is the same form (double click, back + resubmit): the
    // shopper gets the order it placed, not "out of stock".
    let again = s.checkout("orbit-watch:1", &key).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["order"]["id"], first.body["order"]["id"]);
    assert_eq!(again.body["repeated"], true);
    // A new form for the same product is refused and writes nothing.
    let other = s.checkout("orbit-watch:1", &new_key()).await;
    assert_eq!(other.status, 422, "{}", other.text);
    assert!(other.text.contains("out of stock"), "{}", other.text);
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("outbox").await, 1);
    assert_eq!(app.stock_of("orbit-watch").await, 0);
    app.app.shutdown().await;
}

async fn bad_carts_are_refused_and_write_nothing(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    let s = app.registered("erin@example.com").await;
    let cases = [
        ("no-such-product:1", "no-such-product"),
        ("ridge-mug:0", "between 1 and 99"),
        ("ridge-mug:-1", "between 1 and 99"),
        ("ridge-mug:1000", "between 1 and 99"),
        ("ridge-mug:two", "not a whole number"),
        ("", "cart is empty"),
        ("stride-band:4", "Stride Fitness Band: only 3 left, you asked for 4."),
        ("brew-kettle:1", "Brew Pour-Over Kettle is out of stock."),
        ("ridge-mug:1,stride-band:5", "only 3 left"),
    ];
    for (cart, expected) in cases {
        let r = s.checkout(cart, &new_key()).await;
        assert_eq!(r.status, 422, "{cart}: {}", r.text);
        assert!(r.text.contains(expected), "{cart}: expected {expected:?} in {}", r.text);
    }
    let r = s.call("place_order", &[("cart", "ridge-mug:1"), ("idempotency_key", &new_key())]).await;
    assert_eq!(r.status, 400, "missing shipping fields: {}", r.text);
    let bad_fields = s
        .call(
            "place_order",
            &[
                ("first_name", ""),
                ("last_name", "X"),
                ("email", "x"),
                ("address", "A"),
                ("city", "C"),
                ("state", "S"),
                ("zip", "ABC"),
                ("cart", "ridge-mug:1"),
                ("idempotency_key", &new_key()),
            ],
        )
        .await;
    assert_eq!(bad_fields.status, 422);
    for f in ["first_name", "email", "zip"] {
        assert!(bad_fields.body["Invalid"][f].is_string(), "{f}: {}", bad_fields.text);
    }
    assert_eq!(app.count("orders").await, 0);
    assert_eq!(app.count("order_items").await, 0);
    assert_eq!(app.count("outbox").await, 0);
    assert_eq!(app.stock_of("ridge-mug").await, 50);
    assert_eq!(app.stock_of("stride-band").await, 3);

    // The catalog's cache still says 50 mugs while the database has 1 (an operator's write): the
    // refusal comes from inside the transaction, after the mouse's unit was taken (lines are
    // taken in product order), and takes nothing.
    let mice = app.stock_of("glide-mouse").await;
    app.app.shop.db().execute_unprepared("UPDATE products SET stock = 1 WHERE id = 'ridge-mug'").await.unwrap();
    let r = s.checkout("ridge-mug:2,glide-mouse:1", &new_key()).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("Ridge Ceramic Mug"), "{}", r.text);
    assert_eq!(app.stock_of("glide-mouse").await, mice, "the first line's unit was not given back");
    assert_eq!(app.stock_of("ridge-mug").await, 1);
    for table in ["orders", "order_items", "outbox"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }

    // Signed out: refused.
    let visitor = app.shopper();
    assert_eq!(visitor.checkout("ridge-mug:1", &new_key()).await.status, 401);
    app.app.shutdown().await;
}

async fn twenty_buyers_for_five_units(db: Db) {
    let broker = start_broker().await;
    let app = TestApp::spawn(db, &broker).await;
    app.set_stock("orbit-watch", 5).await;
    let mut buyers = Vec::new();
    for i in 0..20 {
        let s = app.registered(&format!("buyer{i}@example.com")).await;
        buyers.push(s);
    }
    let keys: Vec<String> = (0..20).map(|_| new_key()).collect();
    let results = futures::future::join_all(buyers.iter().zip(&keys).map(|(s, k)| s.checkout("orbit-watch:1", k))).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    let refused = results.iter().filter(|r| r.status == 422 && r.text.contains("Orbit Smart Watch")).count();
    assert_eq!(ok, 5, "exactly five orders: {:?}", results.iter().map(|r| (r.status, r.text.clone())).collect::<Vec<_>>());
    assert_eq!(refused, 15);
    assert_eq!(app.stock_of("orbit-watch").await, 0);
    assert_eq!(app.count("orders").await, 5);
    app.app.shutdown().await;
}

#[tokio::test]
async fn checkout_and_ownership_on_postgres() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Postgres(common::fresh_postgres().await), &broker).await;
    let alice = app.registered("alice@example.com").await;
    let r = alice.checkout("lumen-lamp:2", &new_key()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["order"]["total_cents"], 2 * 6400);
    assert_eq!(r.body["order"]["customer"], "Test Shopper");
    let id = r.body["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(alice.call("order", &[("id", &id)]).await.status, 200);

    let mallory = app.registered("mallory@example.com").await;
    assert_eq!(mallory.call("order", &[("id", &id)]).await.status, 404, "another shopper's order is not found");
    assert_eq!(mallory.call("change_status", &[("id", &id), ("status", "CANCELLED"), ("version", "1")]).await.status, 404);
    assert_eq!(mallory.call("orders", &[]).await.body["orders"].as_array().unwrap().len(), 0);
    let bad = alice.checkout("lumen-lamp:19", &new_key()).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("only 16 left"), "{}", bad.text);
    app.app.shutdown().await;
}

#[tokio::test]
async fn one_shopper_cannot_read_another_shoppers_order_sqlite() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let alice = app.registered("alice@example.com").await;
    let id = alice.checkout("ridge-mug:1", &new_key()).await.body["order"]["id"].as_str().unwrap().to_owned();
    let bob = app.registered("bob@example.com").await;
    assert_eq!(bob.call("order", &[("id", &id)]).await.status, 404);
    let page = bob.http.get(format!("{}/orders/{id}", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 404);
    app.app.shutdown().await;
}

#[tokio::test]
async fn startup_errors_name_the_variable_or_the_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let data = common::temp_dir("startup");
    let env = |extra: Vec<(&'static str, String)>| {
        let data = data.clone();
        move |k: &str| -> Option<String> {
            if let Some((_, v)) = extra.iter().find(|(key, _)| *key == k) {
                return Some(v.clone());
            }
            match k {
                "DATA_DIR" => Some(data.display().to_string()),
                "KAFKA_BROKERS" => Some("127.0.0.1:1".into()),
                "LEPTOS_SITE_ADDR" => Some("127.0.0.1:0".into()),
                _ => None,
            }
        }
    };
    let busy = server::Config::from_lookup(&env(vec![("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))])).unwrap();
    let e = server::spawn(busy).await.err().expect("port in use");
    assert_eq!(e, format!("LEPTOS_SITE_ADDR: port {port} on 127.0.0.1 is already in use"));

    let no_pg = server::Config::from_lookup(&env(vec![("DATABASE_URL", "postgres://root:pw@127.0.0.1:1/shop".into())])).unwrap();
    let e = server::spawn(no_pg).await.err().expect("unreachable PostgreSQL");
    assert!(e.starts_with("DATABASE_URL: cannot connect to postgres://root:***@127.0.0.1:1/shop"), "{e}");
}

crate::on_both_databases!(
    checkout_prices_from_the_database_in_one_transaction,
    an_order_whose_event_cannot_be_written_is_not_placed,
    resubmitting_the_form_that_bought_the_last_unit_shows_that_order,
    bad_carts_are_refused_and_write_nothing,
    twenty_buyers_for_five_units,
);
