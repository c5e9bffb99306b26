use super::*;
use domain::{EventType, OrderStatus};

fn event(user: &str, version: i64) -> OrderEvent {
    OrderEvent { event_id: format!("e{version}"), ..domain::fixtures::order_event(EventType::OrderCreated, "o1", user, OrderStatus::Pending, version) }
}

#[test]
fn routes_to_owner_and_staff_only() {
    let hub = Hub::new(Arc::default());
    let (_a, mut rx_a) = hub.subscribe("alice", "s-alice", false, false, 8, usize::MAX).unwrap();
    let (_b, mut rx_b) = hub.subscribe("bob", "s-bob", false, false, 8, usize::MAX).unwrap();
    let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff-1", true, false, 8, usize::MAX).unwrap();
    assert_eq!(hub.publish(&event("alice", 1)), 2);
    assert!(matches!(rx_a.try_recv().unwrap(), Outgoing::Frame(1, f) if f.as_str().contains("\"user_id\":\"alice\"")));
    assert!(rx_s.try_recv().is_ok());
    assert!(rx_b.try_recv().is_err(), "bob must not see alice's order");
}

#[test]
fn notes_reach_staff_only_and_the_owner_never_sees_which_staff_member_acted() {
    let hub = Hub::new(Arc::default());
    let (_a, mut rx_a) = hub.subscribe("alice", "s-alice", false, false, 8, usize::MAX).unwrap();
    let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff-1", true, false, 8, usize::MAX).unwrap();
    let frame = |o: Outgoing| match o {
        Outgoing::Frame(_, f) => f.as_str().to_owned(),
        Outgoing::Resync => panic!("no resync expected"),
    };
    let shipped = OrderEvent {
        kind: EventType::OrderStatusChanged,
        status: OrderStatus::Shipped,
        actor: Some(domain::Actor::Staff),
        actor_id: Some("staff-1".into()),
        ..event("alice", 2)
    };
    assert_eq!(hub.publish(&shipped), 2);
    let (to_alice, to_staff) = (frame(rx_a.try_recv().unwrap()), frame(rx_s.try_recv().unwrap()));
    assert!(to_alice.contains("\"actor\":\"staff\"") && !to_alice.contains("staff-1"), "{to_alice}");
    assert!(to_staff.contains("\"actor_id\":\"staff-1\""), "{to_staff}");

    let note = OrderEvent { kind: EventType::OrderNoteAdded, note: Some("fragile: pack twice".into()), ..event("alice", 2) };
    assert_eq!(hub.publish(&note), 1);
    assert!(rx_a.try_recv().is_err(), "the shopper gets no note");
    assert!(frame(rx_s.try_recv().unwrap()).contains("fragile"));

    // Resuming: the shopper's gap holds the redacted change and not the note.
    let last = EventId { epoch: hub.epoch(), seq: 0 };
    let Resume::Gap(gap) = hub.resume(last, "alice", false) else { panic!("expected a gap") };
    assert_eq!(gap.len(), 1);
    assert!(!gap[0].1.as_str().contains("staff-1") && !gap[0].1.as_str().contains("fragile"));
    let Resume::Gap(gap) = hub.resume(last, "staff-1", true) else { panic!("expected a gap") };
    assert_eq!(gap.len(), 2);
}

#[test]
fn a_full_queue_ends_with_a_resync_for_that_socket_only() {
    let hub = Hub::new(Arc::default());
    let (slow, mut rx_slow) = hub.subscribe("alice", "s-alice", false, false, 3, usize::MAX).unwrap();
    let (fast, mut rx_fast) = hub.subscribe("staff", "s-staff", true, false, 64, usize::MAX).unwrap();
    for v in 1..=5 {
        hub.publish(&event("alice", v));
    }
    assert!(slow.overflowed());
    assert!(!fast.overflowed());
    let slow_got: Vec<_> = std::iter::from_fn(|| rx_slow.try_recv().ok()).collect();
    assert!(matches!(slow_got.as_slice(), [Outgoing::Frame(1, _), Outgoing::Frame(2, _), Outgoing::Resync]), "{slow_got:?}");
    assert_eq!(std::iter::from_fn(|| rx_fast.try_recv().ok()).count(), 5, "the fast socket got everything");
    assert_eq!(hub.metrics.events_dropped.load(Ordering::Relaxed), 3);

    // Once the socket has taken the resync, it gets events again.
    slow.took_resync();
    hub.publish(&event("alice", 6));
    assert!(matches!(rx_slow.try_recv(), Ok(Outgoing::Frame(6, f)) if f.as_str().contains("\"order_version\":6")));
}

#[test]
fn closing_the_hub_closes_every_queue_and_later_ones() {
    let hub = Hub::new(Arc::default());
    let (_a, mut rx_a) = hub.subscribe("alice", "s-alice", false, false, 8, usize::MAX).unwrap();
    let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff-1", true, false, 8, usize::MAX).unwrap();
    hub.close();
    assert!(matches!(rx_a.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
    assert!(matches!(rx_s.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
    let (_late, mut rx_late) = hub.subscribe("bob", "s-bob", false, false, 8, usize::MAX).unwrap();
    assert!(matches!(rx_late.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
    assert_eq!(hub.connections(), 0);
}

#[test]
fn dropping_a_subscription_unregisters_it() {
    let hub = Hub::new(Arc::default());
    let (sub, _rx) = hub.subscribe("alice", "s-alice", false, false, 2, usize::MAX).unwrap();
    assert_eq!(hub.connections(), 1);
    drop(sub);
    assert_eq!(hub.connections(), 0);
    assert_eq!(hub.publish(&event("alice", 1)), 0);

    let staff: Vec<_> = (0..3).map(|i| hub.subscribe(&format!("staff-{i}"), &format!("s-{i}"), true, false, 2, usize::MAX).unwrap()).collect();
    let mut staff = staff.into_iter();
    let (first, second, third) = (staff.next().unwrap(), staff.next().unwrap(), staff.next().unwrap());
    drop(second);
    assert_eq!(hub.connections(), 2);
    assert_eq!(hub.publish(&event("alice", 2)), 2, "the staff sockets still open get the event");
    drop((first, third));
    assert_eq!(hub.connections(), 0);
}

#[test]
fn a_user_holds_at_most_the_allowed_sockets() {
    let hub = Hub::new(Arc::new(Metrics::default()));
    let first = hub.subscribe("alice", "s-alice", false, false, 2, 2).unwrap();
    let _second = hub.subscribe("alice", "s-alice", false, false, 2, 2).unwrap();
    assert!(hub.subscribe("alice", "s-alice", false, false, 2, 2).is_none(), "a third socket is refused");
    assert!(hub.subscribe("bob", "s-bob", true, false, 2, 2).is_some(), "other users are not affected");
    drop(first);
    assert!(hub.subscribe("alice", "s-alice", false, false, 2, 2).is_some(), "a closed socket frees its place");
}

#[test]
fn ending_a_session_closes_its_sockets_only() {
    let hub = Hub::new(Arc::new(Metrics::default()));
    let (_a1, mut rx_a1) = hub.subscribe("alice", "s-ended", false, false, 4, 8).unwrap();
    let (_a2, mut rx_a2) = hub.subscribe("alice", "s-kept", false, false, 4, 8).unwrap();
    let (_s, mut rx_s) = hub.subscribe("staff-1", "s-staff", true, false, 4, 8).unwrap();
    let ended = ["s-ended".to_owned()].into_iter().collect();
    assert_eq!(hub.close_sessions(&ended), 1);
    assert!(rx_a1.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Disconnected), "the ended session's queue is closed");
    assert!(rx_a2.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Empty));
    assert!(rx_s.try_recv().is_err_and(|e| e == mpsc::error::TryRecvError::Empty));
}

#[test]
fn catalog_frames_reach_the_sockets_that_watch_the_catalog_only() {
    let hub = Hub::new(Arc::new(Metrics::default()));
    let (_visitor, mut rx_visitor) = hub.subscribe("visitor:127.0.0.1", "", false, true, 4, 8).unwrap();
    let (_alice, mut rx_alice) = hub.subscribe("alice", "s-alice", false, true, 4, 8).unwrap();
    let (_bench, mut rx_bench) = hub.subscribe("bob", "s-bob", false, false, 4, 8).unwrap();
    assert!(hub.watches_catalog());
    let message = ServerMessage::Catalog { products: vec![], archived: vec!["lumen-lamp".into()] };
    assert_eq!(hub.publish_catalog(&message), 2);
    assert!(matches!(rx_visitor.try_recv(), Ok(Outgoing::Frame(CATALOG_SEQ, f)) if f.as_str().contains("lumen-lamp")));
    assert!(matches!(rx_alice.try_recv(), Ok(Outgoing::Frame(CATALOG_SEQ, _))));
    assert!(rx_bench.try_recv().is_err(), "a socket that did not ask gets no catalog frames");
    hub.publish(&event("alice", 1));
    assert!(rx_visitor.try_recv().is_err(), "a visitor never gets an order event");
    assert!(rx_alice.try_recv().is_ok());
    drop((_visitor, _alice));
    assert!(!hub.watches_catalog(), "closed sockets leave the catalog's list");
}
