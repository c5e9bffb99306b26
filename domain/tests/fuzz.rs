//! Fuzzing, by proptest, of the two decoders that take bytes from outside: the order-event
//! decoder (Kafka records, WebSocket frames in the browser) and the checkout form's parsers
//! (cart lines, shipping fields, the cart cookie). A fixed number of cases each; the property
//! is "never panics, and whatever is accepted obeys the rules".

use domain::cart::{Cart, MAX_QUANTITY};
use domain::validation::{parse_cart_lines, validate_shipping, Shipping};
use domain::{EventType, OrderEvent, OrderStatus};
use proptest::prelude::*;

const CASES: u32 = 4000;

fn config() -> ProptestConfig {
    ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() }
}

fn status() -> impl Strategy<Value = OrderStatus> {
    prop_oneof![
        Just(OrderStatus::Pending),
        Just(OrderStatus::Processing),
        Just(OrderStatus::Shipped),
        Just(OrderStatus::Delivered),
        Just(OrderStatus::Cancelled),
    ]
}

fn event() -> impl Strategy<Value = OrderEvent> {
    (any::<bool>(), "[0-9A-Z]{1,26}", "[0-9A-Z]{1,26}", "\\PC{0,30}", status(), any::<i64>(), any::<i64>(), "\\PC{0,30}").prop_map(
        |(created, event_id, order_id, user_id, status, order_version, total_cents, occurred_at)| OrderEvent {
            v: 1,
            event_id,
            kind: if created { EventType::OrderCreated } else { EventType::OrderStatusChanged },
            order_id,
            user_id,
            status,
            order_version,
            total_cents,
            occurred_at,
        },
    )
}

/// Text built from the characters the cart grammar cares about, so the parser's branches are
/// reached far more often than by uniformly random strings.
fn cart_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9:,\\- ]{0,80}", "([a-z\\-]{1,12}:-?[0-9]{1,4},){0,6}[a-z\\-]{0,12}:?[0-9]{0,25}", "\\PC{0,60}",]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = OrderEvent::from_json(&bytes);
    }

    #[test]
    fn every_event_round_trips(e in event()) {
        prop_assert_eq!(OrderEvent::from_json(e.to_json().as_bytes()), Ok(e));
    }

    #[test]
    fn mutated_events_are_decoded_or_refused_never_panic(e in event(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let mut bytes = e.to_json().into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = OrderEvent::from_json(&bytes);
        let truncated = &bytes[..cut.index(bytes.len())];
        prop_assert!(OrderEvent::from_json(truncated).is_err(), "a truncated event is refused");
    }

    #[test]
    fn the_cart_parser_accepts_only_valid_lines(text in cart_text()) {
        if let Ok(lines) = parse_cart_lines(&text) {
            prop_assert!(!lines.is_empty());
            for (i, l) in lines.iter().enumerate() {
                prop_assert!((1..=MAX_QUANTITY).contains(&l.quantity), "{:?}", l);
                prop_assert!(domain::cart::is_valid_product_id(&l.product_id));
                prop_assert!(lines[..i].iter().all(|o| o.product_id != l.product_id), "merged duplicates");
            }
        }
    }

    #[test]
    fn the_cart_cookie_never_yields_an_impossible_cart(text in cart_text()) {
        let cart = Cart::from_cookie(&text);
        for l in &cart.lines {
            prop_assert!((1..=MAX_QUANTITY).contains(&l.quantity));
        }
        prop_assert!(cart.item_count() >= 0);
        // What the cart writes, it reads back unchanged.
        prop_assert_eq!(Cart::from_cookie(&cart.to_cookie()), cart);
    }

    #[test]
    fn shipping_validation_never_panics(fields in proptest::collection::vec("\\PC{0,40}", 7)) {
        let input = Shipping {
            first_name: fields[0].clone(),
            last_name: fields[1].clone(),
            email: fields[2].clone(),
            address: fields[3].clone(),
            city: fields[4].clone(),
            state: fields[5].clone(),
            zip: fields[6].clone(),
        };
        if let Ok(ok) = validate_shipping(&input) {
            prop_assert!(!ok.first_name.trim().is_empty() && !ok.zip.is_empty());
        }
    }
}
