//! Cart arithmetic shared by the browser cart and the server's checkout.
//!
//! The cart the browser keeps is only a wish list of product ids and quantities: prices shown
//! in it are informative, the server prices the order again from the database.

use serde::{Deserialize, Serialize};

/// Most units of one product in one order.
pub const MAX_QUANTITY: i64 = 99;

/// Longest cart text (the `cart` cookie, a form's `cart` field) that is read at all. Fifty lines
/// of the longest product ids fit; anything longer was not written by the shop and is refused
/// before any parsing, so no request can make a parser work longer than this.
pub const MAX_CART_TEXT: usize = 4096;

/// Most lines (different products) one cart holds.
pub const MAX_CART_LINES: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

impl Cart {
    /// Adds `quantity` of a product, merging with an existing line, capped at [`MAX_QUANTITY`].
    /// A new product beyond [`MAX_CART_LINES`] is not added.
    pub fn add(&mut self, product_id: &str, quantity: i64) {
        if quantity <= 0 {
            return;
        }
        let quantity = quantity.min(MAX_QUANTITY);
        if let Some(line) = self.lines.iter_mut().find(|l| l.product_id == product_id) {
            line.quantity = line.quantity.saturating_add(quantity).min(MAX_QUANTITY);
        } else if self.lines.len() < MAX_CART_LINES {
            self.lines.push(CartLine { product_id: product_id.to_owned(), quantity });
        }
    }

    /// Sets a line's quantity; 0 or less removes the line.
    pub fn set_quantity(&mut self, product_id: &str, quantity: i64) {
        if quantity <= 0 {
            self.remove(product_id);
        } else if let Some(line) = self.lines.iter_mut().find(|l| l.product_id == product_id) {
            line.quantity = quantity.min(MAX_QUANTITY);
        } else {
            self.add(product_id, quantity);
        }
    }

    pub fn remove(&mut self, product_id: &str) {
        self.lines.retain(|l| l.product_id != product_id);
    }

    pub fn quantity_of(&self, product_id: &str) -> i64 {
        self.lines.iter().find(|l| l.product_id == product_id).map_or(0, |l| l.quantity)
    }

    /// Number of items (sum of quantities), for the header badge.
    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// Subtotal given a price lookup; lines whose product is unknown count as zero.
    pub fn subtotal_cents(&self, price_of: impl Fn(&str) -> Option<i64>) -> i64 {
        self.lines.iter().map(|l| price_of(&l.product_id).unwrap_or(0) * l.quantity).sum()
    }

    /// Compact text form `id:qty,id:qty` used in the `cart` cookie and in hidden form fields.
    pub fn encode(&self) -> String {
        self.lines.iter().map(|l| format!("{}:{}", l.product_id, l.quantity)).collect::<Vec<_>>().join(",")
    }

    /// Cookie form: like [`Cart::encode`] with `|` between lines (a comma is not allowed in a
    /// cookie value by RFC 6265).
    pub fn to_cookie(&self) -> String {
        self.encode().replace(',', "|")
    }

    pub fn from_cookie(text: &str) -> Cart {
        Cart::decode_with(text, '|')
    }

    /// Lenient parse of [`Cart::encode`]'s output for display; malformed parts are dropped.
    /// Checkout does not use this: it validates strictly with [`crate::validation::parse_cart_lines`].
    /// A text over [`MAX_CART_TEXT`] is not read (an empty cart), and at most
    /// [`MAX_CART_LINES`] parts are looked at: the work is bounded whatever the input.
    pub fn decode(text: &str) -> Cart {
        Cart::decode_with(text, ',')
    }

    fn decode_with(text: &str, separator: char) -> Cart {
        let mut cart = Cart::default();
        if text.len() > MAX_CART_TEXT {
            return cart;
        }
        for part in text.split(separator).take(MAX_CART_LINES) {
            if let Some((id, qty)) = part.split_once(':') {
                if let Ok(q) = qty.trim().parse::<i64>() {
                    if is_valid_product_id(id.trim()) {
                        cart.add(id.trim(), q);
                    }
                }
            }
        }
        cart
    }
}

/// Checks one cart change a request asks for: a well-formed product id and a quantity from
/// `min` (0 where 0 means "remove") to [`MAX_QUANTITY`].
pub fn check_line(product_id: &str, quantity: i64, min: i64) -> Result<(), String> {
    if !is_valid_product_id(product_id) {
        return Err(format!("\"{}\" is not a product.", product_id.chars().take(40).collect::<String>()));
    }
    if !(min..=MAX_QUANTITY).contains(&quantity) {
        return Err(format!("Quantity must be between {min} and {MAX_QUANTITY} (got {quantity})."));
    }
    Ok(())
}

/// Whether a cart line of `quantity` fits the `stock` on sale: the catalog's buttons and the
/// no-WASM cart forms refuse more than the stock shown (checkout takes the stock for real).
pub fn check_stock(name: &str, quantity: i64, stock: i64) -> Result<(), String> {
    match stock {
        s if s <= 0 => Err(format!("{name} is sold out.")),
        s if quantity > s => Err(format!("Only {s} of {name} in stock.")),
        _ => Ok(()),
    }
}

/// Product ids are slugs: lower-case ASCII letters, digits and dashes, 1–64 characters.
pub fn is_valid_product_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_do_not_overflow() {
        let cart = Cart::from_cookie("x:1|x:9223372036854775807");
        assert_eq!(cart.quantity_of("x"), MAX_QUANTITY);
        let cart = Cart::decode("x:9223372036854775807,x:9223372036854775807");
        assert_eq!(cart.quantity_of("x"), MAX_QUANTITY);
    }

    #[test]
    fn an_oversized_cart_text_is_not_read() {
        let lines: Vec<String> = (0..20_000).map(|i| format!("p{i}:1")).collect();
        assert_eq!(Cart::from_cookie(&lines.join("|")), Cart::default());
        // Within the size limit, only the first MAX_CART_LINES products are kept.
        let many: Vec<String> = (0..400).map(|i| format!("{i}:1")).collect();
        let text = many.join(",");
        assert!(text.len() <= MAX_CART_TEXT);
        assert_eq!(Cart::decode(&text).lines.len(), MAX_CART_LINES);
    }

    #[test]
    fn a_line_may_not_exceed_the_stock() {
        assert_eq!(check_stock("Mug", 3, 3), Ok(()));
        assert_eq!(check_stock("Mug", 4, 3), Err("Only 3 of Mug in stock.".into()));
        assert_eq!(check_stock("Mug", 1, 0), Err("Mug is sold out.".into()));
        assert_eq!(check_stock("Mug", 1, -2), Err("Mug is sold out.".into()));
    }

    #[test]
    fn cart_changes_are_checked() {
        assert!(check_line("ridge-mug", 0, 0).is_ok());
        assert!(check_line("ridge-mug", 99, 1).is_ok());
        assert!(check_line("ridge-mug", 0, 1).is_err());
        assert!(check_line("ridge-mug", 100, 0).is_err());
        assert!(check_line("ridge-mug", -1, 0).is_err());
        assert_eq!(check_line("x; Domain=evil", 1, 1), Err("\"x; Domain=evil\" is not a product.".into()));
    }

    #[test]
    fn add_merges_and_caps() {
        let mut c = Cart::default();
        c.add("a", 2);
        c.add("b", 1);
        c.add("a", 3);
        assert_eq!(c.quantity_of("a"), 5);
        assert_eq!(c.item_count(), 6);
        c.add("a", 500);
        assert_eq!(c.quantity_of("a"), MAX_QUANTITY);
        c.add("c", 0);
        c.add("c", -4);
        assert_eq!(c.lines.len(), 2);
    }

    #[test]
    fn set_quantity_and_remove() {
        let mut c = Cart::default();
        c.add("a", 2);
        c.set_quantity("a", 7);
        assert_eq!(c.quantity_of("a"), 7);
        c.set_quantity("a", 0);
        assert!(c.lines.is_empty());
        c.set_quantity("b", 3);
        assert_eq!(c.quantity_of("b"), 3);
        c.remove("b");
        assert_eq!(c.item_count(), 0);
    }

    #[test]
    fn subtotal_uses_integer_cents() {
        let mut c = Cart::default();
        c.add("a", 3);
        c.add("b", 2);
        c.add("gone", 1);
        let total = c.subtotal_cents(|id| match id {
            "a" => Some(1999),
            "b" => Some(1),
            _ => None,
        });
        assert_eq!(total, 3 * 1999 + 2);
    }

    #[test]
    fn encode_decode_round_trip_and_garbage() {
        let mut c = Cart::default();
        c.add("red-mug", 2);
        c.add("lamp", 1);
        assert_eq!(c.encode(), "red-mug:2,lamp:1");
        assert_eq!(Cart::decode(&c.encode()), c);
        assert_eq!(Cart::decode("x:y,,<script>:1,ok:2").encode(), "ok:2");
        assert_eq!(c.to_cookie(), "red-mug:2|lamp:1");
        assert_eq!(Cart::from_cookie(&c.to_cookie()), c);
    }
}
