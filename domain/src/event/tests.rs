use super::*;

fn sample() -> OrderEvent {
    OrderEvent {
        event_id: "01JEVENT".into(),
        total_cents: 82_498,
        occurred_at: "2026-11-25T14:00:00Z".into(),
        placed_at_ms: Some(1_764_079_200_000),
        ..crate::fixtures::order_event(EventType::OrderCreated, "01JORDER", "01JUSER", OrderStatus::Pending, 1)
    }
}

/// What the database says of u1's order of $19.99, placed and then moved to processing, with
/// these notes.
fn processing_order(notes: Vec<String>) -> OrderFacts {
    OrderFacts {
        user_id: "u1".into(),
        total_cents: 1999,
        created_at_ms: 1_764_633_600_000,
        history: vec![(1, OrderStatus::Pending), (2, OrderStatus::Processing)],
        notes,
    }
}

#[test]
fn json_matches_the_documented_shape() {
    let json: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
    assert_eq!(json["v"], 1);
    assert_eq!(json["type"], "order.created");
    assert_eq!(json["status"], "PENDING");
    assert_eq!(json["total_cents"], 82_498);
    assert_eq!(json["order_version"], 1);
}

#[test]
fn round_trips_and_rejects_garbage_and_future_versions() {
    let e = sample();
    assert_eq!(OrderEvent::from_json(e.to_json().as_bytes()).unwrap(), e);
    assert!(matches!(OrderEvent::from_json(b"{not json"), Err(DecodeError::Malformed(_))));
    let future = e.to_json().replace("\"v\":1", "\"v\":2");
    assert_eq!(OrderEvent::from_json(future.as_bytes()), Err(DecodeError::UnknownVersion(2)));
}

#[test]
fn duplicate_and_old_events_are_ignored() {
    let mut t = VersionTracker::default();
    assert!(t.accept("a", 1));
    assert!(!t.accept("a", 1), "duplicate");
    assert!(t.accept("a", 3));
    assert!(!t.accept("a", 2), "reordered older event");
    assert!(t.accept("b", 1), "other orders are independent");
    t.observe("c", 4);
    assert!(!t.accept("c", 4));
    assert!(t.accept("c", 5));
}

#[test]
fn server_messages_are_tagged() {
    let m = ServerMessage::Event { event: sample() };
    let json: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
    assert_eq!(json["kind"], "event");
    assert_eq!(json["event"]["order_id"], "01JORDER");
    assert_eq!(ServerMessage::Resync.to_json(), r#"{"kind":"resync"}"#);
}

#[test]
fn only_events_the_database_vouches_for_are_trusted() {
    let facts = processing_order(vec![]);
    let created = OrderEvent {
        v: EVENT_SCHEMA_VERSION,
        event_id: "e".into(),
        kind: EventType::OrderCreated,
        order_id: "o1".into(),
        user_id: "u1".into(),
        status: OrderStatus::Pending,
        order_version: 1,
        total_cents: 1999,
        occurred_at: "2026-12-02T00:00:00Z".into(),
        placed_at_ms: Some(1_764_633_600_000),
        previous_status: None,
        actor: None,
        actor_id: None,
        reason: None,
        note: None,
    };
    let changed = OrderEvent {
        kind: EventType::OrderStatusChanged,
        status: OrderStatus::Processing,
        order_version: 2,
        previous_status: Some(OrderStatus::Pending),
        actor: None,
        actor_id: None,
        reason: None,
        note: None,
        ..created.clone()
    };
    assert!(created.agrees_with(&facts) && changed.agrees_with(&facts));
    assert!(!OrderEvent { user_id: "u2".into(), ..created.clone() }.agrees_with(&facts), "another owner");
    assert!(!OrderEvent { total_cents: 1, ..created.clone() }.agrees_with(&facts), "another total");
    assert!(!OrderEvent { status: OrderStatus::Cancelled, ..changed.clone() }.agrees_with(&facts), "a status it never had");
    assert!(!OrderEvent { order_version: 3, ..changed.clone() }.agrees_with(&facts), "a version it never reached");
    assert!(!OrderEvent { kind: EventType::OrderStatusChanged, ..created.clone() }.agrees_with(&facts), "a change at version 1");
    assert!(!OrderEvent { placed_at_ms: Some(1), ..created.clone() }.agrees_with(&facts), "another placing time");
    assert!(!OrderEvent { previous_status: Some(OrderStatus::Shipped), ..changed.clone() }.agrees_with(&facts), "a previous status it never had");
    assert!(!OrderEvent { previous_status: Some(OrderStatus::Pending), ..created.clone() }.agrees_with(&facts), "a created event has no previous status");
}

/// Events written before `placed_at_ms` and `previous_status` existed still decode, and
/// are completed from the database's facts.
#[test]
fn old_events_decode_and_are_completed_from_the_facts() {
    let recorded = br#"{"v":1,"event_id":"01JEV","type":"order.status_changed","order_id":"o1","user_id":"u1","status":"PROCESSING","order_version":2,"total_cents":1999,"occurred_at":"2026-12-02T00:05:00.000Z"}"#;
    let mut event = OrderEvent::from_json(recorded).unwrap();
    assert_eq!((event.placed_at_ms, event.previous_status), (None, None));
    let facts = processing_order(vec![]);
    assert!(event.agrees_with(&facts));
    event.complete_from(&facts);
    assert_eq!((event.placed_at_ms, event.previous_status), (Some(1_764_633_600_000), Some(OrderStatus::Pending)));
    assert!(event.agrees_with(&facts));
    let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    assert_eq!(json["previous_status"], "PENDING");
    let created: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
    assert!(created.get("previous_status").is_none(), "left out when absent");
}

/// An event recorded before actors, reasons and notes existed decodes with none of them;
/// one written now carries them, and the shopper's copy leaves the staff member out.
#[test]
fn actors_and_reasons_are_optional_and_staff_ids_stay_with_staff() {
    let recorded = br#"{"v":1,"event_id":"01JEV","type":"order.status_changed","order_id":"o1","user_id":"u1","status":"CANCELLED","order_version":2,"total_cents":1999,"occurred_at":"2026-12-02T00:05:00.000Z","placed_at_ms":1764633600000,"previous_status":"PENDING"}"#;
    let old = OrderEvent::from_json(recorded).unwrap();
    assert_eq!((old.actor, old.actor_id.as_deref(), old.reason.as_deref(), old.note.as_deref()), (None, None, None, None));
    assert!(old.for_owner().is_some_and(|e| matches!(e, std::borrow::Cow::Borrowed(_))));

    let by_staff = OrderEvent { actor: Some(Actor::Staff), actor_id: Some("01JSTAFF".into()), reason: Some("supplier out of stock".into()), ..old.clone() };
    let json: serde_json::Value = serde_json::from_str(&by_staff.to_json()).unwrap();
    assert_eq!((json["actor"].as_str(), json["actor_id"].as_str(), json["reason"].as_str()), (Some("staff"), Some("01JSTAFF"), Some("supplier out of stock")));
    assert_eq!(OrderEvent::from_json(by_staff.to_json().as_bytes()).unwrap(), by_staff);
    let for_shopper = by_staff.for_owner().unwrap();
    assert_eq!((for_shopper.actor, for_shopper.actor_id.as_deref(), for_shopper.reason.as_deref()), (Some(Actor::Staff), None, Some("supplier out of stock")));

    let note = OrderEvent { kind: EventType::OrderNoteAdded, previous_status: None, note: Some("called the shopper".into()), ..by_staff };
    assert!(note.for_owner().is_none(), "notes are for staff only");
    assert!(!note.moved_stock() && !note.changes_order(), "a note on a cancelled order moves nothing");
    let json: serde_json::Value = serde_json::from_str(&note.to_json()).unwrap();
    assert_eq!(json["type"], "order.note_added");
}

#[test]
fn a_note_is_trusted_at_a_version_and_status_the_order_had() {
    let facts = processing_order(vec!["n".into()]);
    let note = OrderEvent {
        v: EVENT_SCHEMA_VERSION,
        event_id: "n".into(),
        kind: EventType::OrderNoteAdded,
        order_id: "o1".into(),
        user_id: "u1".into(),
        status: OrderStatus::Pending,
        order_version: 1,
        total_cents: 1999,
        occurred_at: "2026-12-02T00:05:00.000Z".into(),
        placed_at_ms: Some(1_764_633_600_000),
        previous_status: None,
        actor: Some(Actor::Staff),
        actor_id: Some("s".into()),
        reason: None,
        note: Some("n".into()),
    };
    assert!(note.agrees_with(&facts));
    assert!(OrderEvent { order_version: 2, status: OrderStatus::Processing, ..note.clone() }.agrees_with(&facts));
    assert!(!OrderEvent { order_version: 2, ..note.clone() }.agrees_with(&facts), "not Pending at version 2");
    assert!(!OrderEvent { previous_status: Some(OrderStatus::Pending), ..note.clone() }.agrees_with(&facts));
    assert!(!OrderEvent { event_id: "forged".into(), ..note }.agrees_with(&facts), "no such note in the database");
}
