use super::*;

#[test]
fn retries_follow_the_schedule_then_give_up() {
    assert_eq!(retry_after(0), None, "no attempt made, nothing to retry");
    assert_eq!(retry_after(1), Some(1_000));
    assert_eq!(retry_after(2), Some(5_000));
    assert_eq!(retry_after(5), Some(600_000));
    assert_eq!(retry_after(MAX_ATTEMPTS), None, "the sixth failure is the last");
    assert_eq!(retry_after(-3), None);
}

#[test]
fn filters_take_all_prefixes_and_exact_types() {
    let f = EventFilter::parse(" order.* , product.stock_changed").unwrap();
    assert!(f.matches("order.created") && f.matches("order.note_added"));
    assert!(f.matches("product.stock_changed"));
    assert!(!f.matches("product.updated"));
    assert!(!f.matches("notification.created"));
    assert_eq!(f.to_text(), "order.*, product.stock_changed");
    let all = EventFilter::parse("order.created *").unwrap();
    assert_eq!(all.to_text(), "*");
    assert!(all.matches("product.archived"));
    assert_eq!(EventFilter::parse("ORDER.CREATED, order.created").unwrap().to_text(), "order.created");
}

#[test]
fn filters_refuse_what_is_not_an_event() {
    assert!(EventFilter::parse("").is_err());
    assert!(EventFilter::parse("order.exploded").unwrap_err().contains("order.exploded"));
    assert!(EventFilter::parse("notification.*").is_err(), "the shop's own bookkeeping is not offered");
    assert!(EventFilter::parse("ord*").is_err());
}

#[test]
fn urls_are_http_without_credentials() {
    let ok = validate("https://hooks.example.com/shop?x=1", "order.*", "ERP").unwrap();
    assert_eq!(ok.0, "https://hooks.example.com/shop?x=1");
    let field = |url: &str| validate(url, "*", "").unwrap_err().get("url").map(str::to_owned);
    assert!(field("").is_some());
    assert!(field("ftp://example.com/").unwrap().contains("http"));
    assert!(field("javascript:alert(1)").is_some());
    assert!(field("https://user:pw@example.com/").unwrap().contains("passwords"));
    assert!(field("https:///path").unwrap().contains("host"));
    assert!(field("https://example.com/a b").is_some());
    assert!(field("https://example.com/#top").is_some());
    assert!(field(&format!("https://example.com/{}", "a".repeat(MAX_URL))).is_some());
    let errors = validate("nope", "bogus", &"x".repeat(MAX_DESCRIPTION + 1)).unwrap_err();
    assert!(errors.get("url").is_some() && errors.get("events").is_some() && errors.get("description").is_some(), "every field at once");
}

#[test]
fn only_public_addresses_pass() {
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    for public in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34", "64:ff9b::808:808"] {
        assert!(is_public(ip(public)), "{public} is public");
    }
    for private in [
        "127.0.0.1",
        "127.8.9.1",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "224.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::7f00:1",
        "::127.0.0.1",
    ] {
        assert!(!is_public(ip(private)), "{private} is not public");
    }
    assert!(refusal(ip("10.0.0.1")).contains("10.0.0.1"));
}

#[test]
fn delivery_states_round_trip() {
    for s in [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Dead] {
        assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
    }
    assert_eq!(DeliveryState::parse("lost"), None);
}

#[test]
fn the_signature_covers_time_and_body() {
    assert_eq!(signed_message(1_700_000_000, r#"{"v":1}"#), r#"1700000000.{"v":1}"#);
}
