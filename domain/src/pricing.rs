//! Pricing and stock checks for a checkout, from the database's products only.
//!
//! The request contributes product ids and quantities, nothing else: any price or total the
//! browser sends is never read. The checkout transaction runs this on the rows it loaded, then
//! applies the stock decrements with a conditional update that cannot go below zero.

use serde::{Deserialize, Serialize};

use crate::cart::{CartLine, MAX_QUANTITY};

/// What pricing needs to know of a product, as loaded inside the checkout transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSnapshot {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
    pub stock: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub product_id: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedOrder {
    pub lines: Vec<PricedLine>,
    pub total_cents: i64,
}

/// Why a line cannot be ordered. Messages name the product so the shopper knows what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum LineProblem {
    #[error("Product \"{0}\" does not exist (any more).")]
    UnknownProduct(String),
    #[error("{name}: quantity must be between 1 and {max}.", max = MAX_QUANTITY)]
    BadQuantity { name: String, quantity: i64 },
    #[error("{name} is out of stock.")]
    OutOfStock { name: String },
    #[error("{name}: only {available} left, you asked for {requested}.")]
    InsufficientStock { name: String, requested: i64, available: i64 },
}

/// What the checkout's review step shows: the cart priced with today's prices, or what to fix
/// before ordering (unknown product, not enough stock…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceQuote {
    pub lines: Vec<PricedLine>,
    pub total_cents: i64,
    pub problems: Vec<String>,
}

impl PriceQuote {
    /// A quote for a cart text and the products as they are now.
    pub fn for_cart(cart: &str, products: &[ProductSnapshot]) -> PriceQuote {
        let refused = |problems: Vec<String>| PriceQuote { lines: vec![], total_cents: 0, problems };
        match crate::validation::parse_cart_lines(cart) {
            Err(message) => refused(vec![message]),
            Ok(lines) => match price_order(&lines, products) {
                Ok(order) => PriceQuote { lines: order.lines, total_cents: order.total_cents, problems: vec![] },
                Err(problems) => refused(problems.iter().map(ToString::to_string).collect()),
            },
        }
    }
}

/// Prices `requested` lines against `products`. Returns every problem, not only the first.
pub fn price_order(requested: &[CartLine], products: &[ProductSnapshot]) -> Result<PricedOrder, Vec<LineProblem>> {
    let mut problems = Vec::new();
    let mut lines = Vec::with_capacity(requested.len());
    for line in requested {
        let Some(product) = products.iter().find(|p| p.id == line.product_id) else {
            problems.push(LineProblem::UnknownProduct(line.product_id.clone()));
            continue;
        };
        if line.quantity < 1 || line.quantity > MAX_QUANTITY {
            problems.push(LineProblem::BadQuantity { name: product.name.clone(), quantity: line.quantity });
            continue;
        }
        if product.stock <= 0 {
            problems.push(LineProblem::OutOfStock { name: product.name.clone() });
            continue;
        }
        if line.quantity > product.stock {
            problems.push(LineProblem::InsufficientStock { name: product.name.clone(), requested: line.quantity, available: product.stock });
            continue;
        }
        lines.push(PricedLine {
            product_id: product.id.clone(),
            name: product.name.clone(),
            quantity: line.quantity,
            unit_price_cents: product.price_cents,
            line_total_cents: product.price_cents * line.quantity,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let total_cents = lines.iter().map(|l| l.line_total_cents).sum();
    Ok(PricedOrder { lines, total_cents })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn products() -> Vec<ProductSnapshot> {
        vec![
            ProductSnapshot { id: "mug".into(), name: "Mug".into(), price_cents: 1250, stock: 10 },
            ProductSnapshot { id: "lamp".into(), name: "Lamp".into(), price_cents: 4999, stock: 3 },
            ProductSnapshot { id: "gone".into(), name: "Gone".into(), price_cents: 100, stock: 0 },
        ]
    }

    fn line(id: &str, q: i64) -> CartLine {
        CartLine { product_id: id.into(), quantity: q }
    }

    #[test]
    fn a_quote_prices_a_cart_text_or_says_what_to_fix() {
        let q = PriceQuote::for_cart("mug:2,lamp:1", &products());
        assert_eq!((q.total_cents, q.lines.len(), q.problems.len()), (2 * 1250 + 4999, 2, 0));
        let q = PriceQuote::for_cart("mug:2,lamp:4", &products());
        assert_eq!((q.total_cents, q.lines.len()), (0, 0));
        assert!(q.problems.iter().any(|p| p.contains("Lamp")), "{:?}", q.problems);
        let q = PriceQuote::for_cart("mug:x", &products());
        assert!(q.problems[0].contains("not a whole number"), "{:?}", q.problems);
    }

    #[test]
    fn totals_come_from_database_prices() {
        let order = price_order(&[line("mug", 2), line("lamp", 3)], &products()).unwrap();
        assert_eq!(order.total_cents, 2 * 1250 + 3 * 4999);
        assert_eq!(order.lines[1].unit_price_cents, 4999);
        assert_eq!(order.lines[1].line_total_cents, 14_997);
    }

    #[test]
    fn every_problem_is_reported_with_the_product_name() {
        let err = price_order(&[line("nope", 1), line("lamp", 4), line("gone", 1), line("mug", 0), line("mug", 100)], &products()).unwrap_err();
        assert_eq!(err.len(), 5);
        assert_eq!(err[0].to_string(), "Product \"nope\" does not exist (any more).");
        assert_eq!(err[1].to_string(), "Lamp: only 3 left, you asked for 4.");
        assert_eq!(err[2].to_string(), "Gone is out of stock.");
        assert!(matches!(err[3], LineProblem::BadQuantity { quantity: 0, .. }));
        assert!(matches!(err[4], LineProblem::BadQuantity { quantity: 100, .. }));
    }

    #[test]
    fn exact_stock_is_allowed() {
        assert!(price_order(&[line("lamp", 3)], &products()).is_ok());
    }
}
