//! Sample data for tests and the benchmark (the `fixtures` feature; never in the shop's own
//! builds' logic): the shipping details a shopper types on the checkout form.

use crate::validation::Shipping;

/// Valid shipping details, field by field, as the checkout form posts them.
pub const SHIPPING_FORM: [(&str, &str); 7] = [
    ("first_name", "Ada"),
    ("last_name", "Lovelace"),
    ("email", "ada@example.com"),
    ("address", "12 Analytical Way"),
    ("city", "New York"),
    ("state", "NY"),
    ("zip", "10001"),
];

/// [`SHIPPING_FORM`] as the checkout reads it.
pub fn shipping() -> Shipping {
    let field = |name: &str| SHIPPING_FORM.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()).unwrap_or_default();
    Shipping {
        first_name: field("first_name"),
        last_name: field("last_name"),
        email: field("email"),
        address: field("address"),
        city: field("city"),
        state: field("state"),
        zip: field("zip"),
    }
}
