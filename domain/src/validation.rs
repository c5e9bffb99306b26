//! Validation of what people type: sign-up, log-in, shipping details and the submitted cart.
//!
//! Each validator returns every field's problem at once ([`FieldErrors`]) so forms can show the
//! messages beside the fields. The server always validates; the browser may validate early with
//! the same functions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::cart::{is_valid_product_id, CartLine, MAX_CART_TEXT, MAX_QUANTITY};

/// Field name → message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(self, ok: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(ok)
        } else {
            Err(self)
        }
    }
}

pub const MIN_PASSWORD_LEN: usize = 8;
/// bcrypt only reads the first 72 bytes; longer passwords would silently be truncated.
pub const MAX_PASSWORD_BYTES: usize = 72;
/// Most distinct products in one order.
pub use crate::cart::MAX_CART_LINES;

/// Normalises an email for storage and lookup: trimmed, lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn is_plausible_email(email: &str) -> bool {
    let email = email.trim();
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty() && !domain.contains('@') && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..")
}

fn text(errors: &mut FieldErrors, field: &str, label: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, format!("{label} is required."));
    } else if v.chars().count() > max {
        errors.add(field, format!("{label} must be at most {max} characters."));
    } else if v.chars().any(|c| c.is_control()) {
        errors.add(field, format!("{label} contains invalid characters."));
    }
    v.to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub name: String,
    pub email: String,
    pub password: String,
}

/// An account's display name: required, at most 100 characters, no control characters.
pub fn validate_name(name: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = text(&mut errors, "name", "Name", name, 100);
    errors.into_result(name)
}

pub fn validate_registration(name: &str, email: &str, password: &str) -> Result<Registration, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = text(&mut errors, "name", "Name", name, 100);
    if !is_plausible_email(email) {
        errors.add("email", "Enter a valid email address.");
    }
    if password.chars().count() < MIN_PASSWORD_LEN {
        errors.add("password", format!("Password must be at least {MIN_PASSWORD_LEN} characters."));
    } else if password.len() > MAX_PASSWORD_BYTES {
        errors.add("password", format!("Password must be at most {MAX_PASSWORD_BYTES} bytes."));
    }
    errors.into_result(Registration { name, email: normalize_email(email), password: password.to_owned() })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipping {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub address: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

/// US ZIP: `12345` or `12345-6789`.
pub fn is_valid_zip(zip: &str) -> bool {
    let b = zip.trim().as_bytes();
    let five = |s: &[u8]| s.len() == 5 && s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => five(b),
        10 => five(&b[..5]) && b[5] == b'-' && b[6..].iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

pub fn validate_shipping(input: &Shipping) -> Result<Shipping, FieldErrors> {
    let mut errors = FieldErrors::default();
    let out = Shipping {
        first_name: text(&mut errors, "first_name", "First name", &input.first_name, 60),
        last_name: text(&mut errors, "last_name", "Last name", &input.last_name, 60),
        email: normalize_email(&input.email),
        address: text(&mut errors, "address", "Address", &input.address, 200),
        city: text(&mut errors, "city", "City", &input.city, 100),
        state: text(&mut errors, "state", "State", &input.state, 50),
        zip: input.zip.trim().to_owned(),
    };
    if !is_plausible_email(&input.email) {
        errors.add("email", "Enter a valid email address.");
    }
    if !is_valid_zip(&input.zip) {
        errors.add("zip", "Enter a 5-digit ZIP code (or ZIP+4, 12345-6789).");
    }
    errors.into_result(out)
}

/// Strictly parses the cart a checkout form submits (`id:qty,id:qty`). Quantities must be whole
/// numbers from 1 to 99; a product listed twice is merged (and the sum checked).
pub fn parse_cart_lines(encoded: &str) -> Result<Vec<CartLine>, String> {
    let encoded = encoded.trim();
    if encoded.is_empty() {
        return Err("Your cart is empty.".into());
    }
    // Bounded before any parsing: the merge below is quadratic in the number of lines.
    if encoded.len() > MAX_CART_TEXT || encoded.split(',').nth(MAX_CART_LINES).is_some() {
        return Err(format!("At most {MAX_CART_LINES} different products per order."));
    }
    let mut lines: Vec<CartLine> = Vec::new();
    for part in encoded.split(',') {
        let (id, qty) = part.split_once(':').ok_or_else(|| format!("Malformed cart line \"{}\".", truncate(part)))?;
        let id = id.trim();
        if !is_valid_product_id(id) {
            return Err(format!("Product \"{}\" does not exist.", truncate(id)));
        }
        let quantity: i64 = qty.trim().parse().map_err(|_| format!("Quantity \"{}\" for \"{id}\" is not a whole number.", truncate(qty)))?;
        match lines.iter_mut().find(|l| l.product_id == id) {
            Some(l) => l.quantity = l.quantity.saturating_add(quantity),
            None => lines.push(CartLine { product_id: id.to_owned(), quantity }),
        }
    }
    if lines.len() > MAX_CART_LINES {
        return Err(format!("At most {MAX_CART_LINES} different products per order."));
    }
    if let Some(bad) = lines.iter().find(|l| l.quantity < 1 || l.quantity > MAX_QUANTITY) {
        return Err(format!("Quantity for \"{}\" must be between 1 and {MAX_QUANTITY} (got {}).", bad.product_id, bad.quantity));
    }
    Ok(lines)
}

/// An order request carries shipping details, the cart and its idempotency key, and nothing
/// else: no price, no total. Every price is read from the catalog, so a request that sends one
/// (a tampered form, a client guessing at an API) was not made by our checkout form; it is
/// refused whole, with the fields named, rather than half-read and charged at a price the
/// sender did not state.
pub fn check_no_extra_fields<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
    let mut names: Vec<String> = fields.into_iter().map(truncate).collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    names.dedup();
    let shown = names.iter().take(5).map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    Err(format!("The order request has fields the checkout form does not send ({shown}). Prices and totals always come from the catalog; nothing was ordered."))
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn oversized_carts_are_refused_before_parsing() {
        let lines: Vec<String> = (0..51).map(|i| format!("p{i}:1")).collect();
        assert!(parse_cart_lines(&lines.join(",")).unwrap_err().contains("At most 50"));
        let long = format!("{}:1", "a".repeat(MAX_CART_TEXT));
        assert!(parse_cart_lines(&long).is_err());
        let fifty: Vec<String> = (0..50).map(|i| format!("p{i}:1")).collect();
        assert_eq!(parse_cart_lines(&fifty.join(",")).unwrap().len(), 50);
    }

    use super::*;

    #[test]
    fn registration_rules() {
        let ok = validate_registration(" Ada ", " Ada@Example.COM ", "longenough").unwrap();
        assert_eq!(ok.email, "ada@example.com");
        assert_eq!(ok.name, "Ada");
        let err = validate_registration("", "not-an-email", "short").unwrap_err();
        assert_eq!(err.get("name"), Some("Name is required."));
        assert_eq!(err.get("email"), Some("Enter a valid email address."));
        assert_eq!(err.get("password"), Some("Password must be at least 8 characters."));
        assert!(validate_registration("A", "a@b.co", &"x".repeat(73)).is_err());
    }

    #[test]
    fn email_plausibility() {
        for good in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(is_plausible_email(good), "{good}");
        }
        for bad in ["", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@b.", "a@b..co"] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    fn shipping() -> Shipping {
        crate::fixtures::shipping()
    }

    #[test]
    fn shipping_rules() {
        assert!(validate_shipping(&shipping()).is_ok());
        let mut bad = shipping();
        bad.first_name = "  ".into();
        bad.zip = "1234".into();
        bad.email = "nope".into();
        bad.city = "x".repeat(101);
        let err = validate_shipping(&bad).unwrap_err();
        assert_eq!(err.get("first_name"), Some("First name is required."));
        assert!(err.get("zip").is_some() && err.get("email").is_some() && err.get("city").is_some());
        assert!(err.get("last_name").is_none());
        assert!(is_valid_zip("12345-6789") && !is_valid_zip("12345-678") && !is_valid_zip("abcde"));
    }

    #[test]
    fn an_order_request_carries_no_prices() {
        assert_eq!(check_no_extra_fields([]), Ok(()));
        let err = check_no_extra_fields(["total_cents", "price", "price"]).unwrap_err();
        assert!(err.contains("(\"price\", \"total_cents\")"), "{err}");
        assert!(err.contains("nothing was ordered"));
        let long = "x".repeat(500);
        assert!(check_no_extra_fields([long.as_str()]).unwrap_err().len() < 250, "a long name is cut");
    }

    #[test]
    fn cart_lines_are_parsed_strictly() {
        assert_eq!(parse_cart_lines("mug:2,lamp:1").unwrap().len(), 2);
        assert_eq!(parse_cart_lines("mug:2,mug:3").unwrap()[0].quantity, 5);
        assert_eq!(parse_cart_lines(""), Err("Your cart is empty.".into()));
        assert!(parse_cart_lines("mug:0").unwrap_err().contains("between 1 and 99"));
        assert!(parse_cart_lines("mug:-1").unwrap_err().contains("between 1 and 99"));
        assert!(parse_cart_lines("mug:1000").unwrap_err().contains("between 1 and 99"));
        assert!(parse_cart_lines("mug:60,mug:60").unwrap_err().contains("got 120"));
        assert!(parse_cart_lines("mug:two").unwrap_err().contains("not a whole number"));
        assert!(parse_cart_lines("mug").unwrap_err().contains("Malformed"));
        assert!(parse_cart_lines("Robert'); DROP TABLE products;--:1").unwrap_err().contains("does not exist"));
        assert!(parse_cart_lines("mug:99999999999999999999999").is_err());
    }
}
