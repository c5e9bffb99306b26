//! Fuzzing, by proptest, of the two decoders that take bytes from outside: the order-event
//! decoder (Kafka records, WebSocket frames in the browser) and the checkout form's parsers
//! (cart lines, shipping fields, the cart cookie). A fixed number of cases each; the property
//! is "never panics, and whatever is accepted obeys the rules".

use domain::cart::{Cart, CartLine, MAX_CART_LINES, MAX_QUANTITY};
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
            placed_at_ms: if created { Some(total_cents) } else { None },
            previous_status: if created { None } else { Some(status) },
            actor: None,
            actor_id: None,
            reason: None,
            note: None,
        },
    )
}

/// Text built from the characters the cart grammar cares about, so the parser's branches are
/// reached far more often than by uniformly random strings.
fn cart_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9:,\\- ]{0,80}", "([a-z\\-]{1,12}:-?[0-9]{1,4},){0,6}[a-z\\-]{0,12}:?[0-9]{0,25}", "\\PC{0,60}",]
}

/// Carts the shop itself would write: distinct valid product ids, quantities 1 to 99.
fn valid_lines() -> impl Strategy<Value = Vec<CartLine>> {
    proptest::collection::btree_map("[a-z0-9][a-z0-9-]{0,30}", 1..=MAX_QUANTITY, 1..=MAX_CART_LINES)
        .prop_map(|lines| lines.into_iter().map(|(product_id, quantity)| CartLine { product_id, quantity }).collect())
}

/// Shipping details a real shopper would type, padded with the spaces people leave.
fn valid_shipping() -> impl Strategy<Value = Shipping> {
    let name = "[A-Za-z\\u{e0}-\\u{ff}][A-Za-z\\u{e0}-\\u{ff} '.-]{0,40}";
    let email = "[a-zA-Z0-9._%+-]{1,20}@[a-z0-9-]{1,20}(\\.[a-z]{2,6}){1,2}";
    let zip = "[0-9]{5}(-[0-9]{4})?";
    (name, name, email, "[0-9]{1,5} [A-Za-z .]{1,60}", name, "[A-Za-z][A-Za-z ]{1,29}", zip, " {0,2}").prop_map(
        |(first, last, email, address, city, state, zip, pad)| Shipping {
            first_name: format!("{pad}{first}"),
            last_name: last,
            email: format!("{email}{pad}"),
            address,
            city,
            state,
            zip: format!("{pad}{zip}{pad}"),
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_valid_cart_parses_to_its_lines(lines in valid_lines(), spaced in any::<bool>()) {
        let sep = if spaced { " , " } else { "," };
        let text = lines.iter().map(|l| format!("{}:{}", l.product_id, l.quantity)).collect::<Vec<_>>().join(sep);
        prop_assert_eq!(parse_cart_lines(&text), Ok(lines.clone()));
        // The same cart through the cookie the browser keeps.
        let cart = Cart { lines };
        prop_assert_eq!(Cart::from_cookie(&cart.to_cookie()), cart);
    }

    #[test]
    fn a_product_listed_twice_is_merged_and_its_sum_checked(lines in valid_lines(), extra in 1..=MAX_QUANTITY) {
        // One text line more than the cart: it must stay within the bound of lines read at all.
        let lines = &lines[..lines.len().min(MAX_CART_LINES - 1)];
        let first = &lines[0];
        let text = lines.iter().chain(std::iter::once(&CartLine { product_id: first.product_id.clone(), quantity: extra }))
            .map(|l| format!("{}:{}", l.product_id, l.quantity)).collect::<Vec<_>>().join(",");
        let parsed = parse_cart_lines(&text);
        if first.quantity + extra <= MAX_QUANTITY {
            let merged = parsed.unwrap();
            prop_assert_eq!(merged.len(), lines.len());
            prop_assert_eq!(merged[0].quantity, first.quantity + extra);
        } else {
            prop_assert!(parsed.is_err(), "{} + {} units of one product were accepted", first.quantity, extra);
        }
    }

    #[test]
    fn every_valid_shipping_form_is_accepted_trimmed(input in valid_shipping()) {
        let ok = validate_shipping(&input);
        prop_assert!(ok.is_ok(), "{:?} refused: {:?}", input, ok);
        let ok = ok.unwrap();
        prop_assert_eq!(ok.first_name, input.first_name.trim());
        prop_assert_eq!(ok.email, input.email.trim().to_lowercase());
        prop_assert_eq!(ok.zip, input.zip.trim());
    }

    #[test]
    fn a_valid_shipping_form_with_one_field_blanked_is_refused_for_that_field(input in valid_shipping(), field in 0..7usize) {
        let mut bad = input;
        let names = ["first_name", "last_name", "email", "address", "city", "state", "zip"];
        *[&mut bad.first_name, &mut bad.last_name, &mut bad.email, &mut bad.address, &mut bad.city, &mut bad.state, &mut bad.zip][field] = "  ".into();
        let errors = validate_shipping(&bad).expect_err("a blank field was accepted");
        prop_assert!(errors.get(names[field]).is_some(), "no error for {}: {:?}", names[field], errors);
    }

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
