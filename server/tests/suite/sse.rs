//! `/events`, the Server-Sent Events fallback of `/ws`: the same rules, and a stream that
//! drops for a moment resumes where it stopped.

use std::time::Duration;

use crate::common::{self, start_broker, Db, TestApp};

const WAIT: Duration = Duration::from_secs(3);

#[tokio::test]
async fn the_stream_keeps_the_rules_of_the_socket() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let alice = app.registered("alice@example.com").await;
    let bob = app.registered("bob@example.com").await;
    let staff = app.staff().await;

    assert_eq!(app.shopper().events_response(None, &[]).await.status(), 401, "a visitor who is not signed in");
    let cross = alice.events_response(None, &[("origin", "https://evil.example")]).await;
    assert_eq!(cross.status(), 403, "a page of another site");

    let mut alice_stream = alice.events(None).await;
    let mut bob_stream = bob.events(None).await;
    let mut staff_stream = staff.events(None).await;
    let hello = alice_stream.next(WAIT).await.expect("hello");
    assert_eq!(hello.json["kind"], "hello");
    assert_eq!(hello.json["role"], "shopper");
    assert!(hello.json.get("resumed").is_none(), "a new stream resumes nothing: {:?}", hello.json);
    assert_eq!(staff_stream.next(WAIT).await.expect("staff hello").json["role"], "staff");
    bob_stream.next(WAIT).await.expect("bob's hello");

    let placed = alice.checkout("ridge-mug:1", &common::new_key()).await;
    assert_eq!(placed.status, 200, "{}", placed.text);
    let order_id = placed.body["order"]["id"].as_str().unwrap();
    let got = alice_stream.next(WAIT).await.expect("alice's order reaches her stream");
    assert_eq!(got.json["event"]["order_id"], order_id);
    assert!(got.id.is_some(), "every event carries an id to resume from");
    assert_eq!(staff_stream.next(WAIT).await.expect("staff see every order").json["event"]["order_id"], order_id);
    assert!(bob_stream.next(Duration::from_millis(800)).await.is_none(), "bob must not receive alice's order");

    // Signing out ends the stream within seconds, as it closes the socket.
    assert_eq!(alice.call("logout", &[]).await.status, 200);
    assert!(alice_stream.ends_within(Duration::from_secs(5)).await, "the stream of the ended session is still open 5 s after logout");
    app.app.shutdown().await;
}

#[tokio::test]
async fn a_dropped_stream_resumes_with_what_it_missed_and_nothing_else() {
    let broker = start_broker().await;
    let app = TestApp::spawn(Db::Sqlite, &broker).await;
    let (alice, order) = app.shopper_with_order("alice@example.com", "ridge-mug").await;
    let bob = app.registered("bob@example.com").await;
    let staff = app.staff().await;

    let mut staff_stream = staff.events(None).await;
    staff_stream.next(WAIT).await.expect("staff hello");
    let mut stream = alice.events(None).await;
    stream.next(WAIT).await.expect("hello");
    // Her order's creation may already be on its way; wait for a later event to resume from.
    let moved = staff.call("change_status", &[("id", &order), ("status", "PROCESSING"), ("version", "1")]).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let last_id = loop {
        let got = stream.next(WAIT).await.expect("the status change reaches alice");
        if got.json["event"]["order_version"] == 2 {
            break got.id.expect("an id");
        }
    };
    drop(stream);

    // While she is away: her order ships, and bob orders. Staff's stream shows when both have
    // passed through the hub.
    let shipped = staff.call("change_status", &[("id", &order), ("status", "SHIPPED"), ("version", "2")]).await;
    assert_eq!(shipped.status, 200, "{}", shipped.text);
    let bobs = bob.checkout("ridge-mug:1", &common::new_key()).await;
    assert_eq!(bobs.status, 200, "{}", bobs.text);
    let bobs_order = bobs.body["order"]["id"].as_str().unwrap().to_owned();
    let (mut saw_shipped, mut saw_bobs) = (false, false);
    while !(saw_shipped && saw_bobs) {
        let got = staff_stream.next(WAIT).await.expect("staff see both events");
        saw_shipped |= got.json["event"]["status"] == "SHIPPED";
        saw_bobs |= got.json["event"]["order_id"] == bobs_order.as_str();
    }

    let mut resumed = alice.events(Some(&last_id)).await;
    let hello = resumed.next(WAIT).await.expect("hello");
    assert_eq!(hello.json["resumed"], true, "the gap is here: no refetch needed");
    let missed = resumed.next(WAIT).await.expect("the missed shipment");
    assert_eq!(missed.json["event"]["status"], "SHIPPED");
    assert_eq!(missed.json["event"]["order_version"], 3);
    // Her notifications of the changes may come too (they are not events, and not resumed).
    while let Some(more) = resumed.next(Duration::from_millis(800)).await {
        assert_eq!(more.json["kind"], "notification", "bob's order is not alice's to see: {:?}", more.json);
    }

    // An id this instance did not give out (another instance's, or garbage): refetch.
    for foreign in ["1-1", "not-an-id"] {
        let mut other = alice.events(Some(foreign)).await;
        let hello = other.next(WAIT).await.expect("hello");
        assert!(hello.json.get("resumed").is_none(), "{foreign}: {:?}", hello.json);
    }
    // A client that opens a new EventSource names the id in the address instead.
    let by_query = alice.http.get(format!("{}/events?last_event_id={last_id}", app.base)).send().await.unwrap();
    assert_eq!(by_query.status(), 200);
    let metrics = common::metrics(&app.base).await;
    assert!(metrics.lines().any(|l| l == "shop_sse_resumed_total 2"), "{metrics}");
    assert!(metrics.lines().any(|l| l == "shop_sse_lost_total 2"), "{metrics}");
    app.app.shutdown().await;
}
