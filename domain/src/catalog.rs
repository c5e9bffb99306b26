//! The rules staff work under when they run the catalog: what a product must be, how a price is
//! typed, and how stock may change. Plain functions; the server checks with them inside its
//! transactions and the staff pages use the same messages.

use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;
use crate::views::ProductView;

pub const MAX_NAME: usize = 120;
pub const MAX_DESCRIPTION: usize = 2_000;
pub const MAX_CATEGORY: usize = 60;
/// The highest price staff can set: $100,000.00.
pub const MAX_PRICE_CENTS: i64 = 10_000_000;
/// The most units one restock adds, and the most a product can hold: a typo of a few extra
/// digits is refused rather than believed.
pub const MAX_RESTOCK: i64 = 100_000;
pub const MAX_STOCK: i64 = 1_000_000;
/// The picture a product shows until staff upload one.
pub const PLACEHOLDER_IMAGE: &str = "/images/placeholder.svg";

/// A product as staff type it, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDraft {
    pub name: String,
    pub description: String,
    pub category: String,
    pub price_cents: i64,
}

/// Checks what staff typed into the product form: every field's problem at once.
pub fn validate_product(name: &str, description: &str, category: &str, price: &str) -> Result<ProductDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = name.trim();
    let description = description.trim();
    let category = category.trim();
    if name.is_empty() {
        errors.add("name", "Give the product a name.");
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", format!("At most {MAX_NAME} characters."));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add("description", format!("At most {MAX_DESCRIPTION} characters."));
    }
    if category.is_empty() {
        errors.add("category", "Choose or type a category.");
    } else if category.chars().count() > MAX_CATEGORY {
        errors.add("category", format!("At most {MAX_CATEGORY} characters."));
    }
    let price_cents = match parse_price(price) {
        Ok(cents) => cents,
        Err(message) => {
            errors.add("price", message);
            0
        }
    };
    errors.into_result(ProductDraft { name: name.to_owned(), description: description.to_owned(), category: category.to_owned(), price_cents })
}

/// A price as people type it ("19.99", "$1,299", "0.5") in integer cents. Never through a float:
/// "0.29" is 29 cents, not 28.999….
pub fn parse_price(typed: &str) -> Result<i64, String> {
    let cleaned: String = typed.trim().trim_start_matches('$').chars().filter(|c| *c != ',').collect();
    let invalid = || "Type a price such as 19.99.".to_owned();
    if cleaned.is_empty() {
        return Err("Give the product a price.".into());
    }
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(invalid());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    if fraction.len() > 2 {
        return Err("A price has at most two decimals.".into());
    }
    if whole.len() > 9 {
        return Err(too_high());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| invalid())? };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| invalid())? * 10,
        _ => fraction.parse().map_err(|_| invalid())?,
    };
    let total = whole * 100 + cents;
    if total > MAX_PRICE_CENTS {
        return Err(too_high());
    }
    Ok(total)
}

fn too_high() -> String {
    format!("At most {}.", crate::format_cents(MAX_PRICE_CENTS))
}

/// A price in cents as the form shows it again: `1999` → `"19.99"`.
pub fn price_input(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The id of a new product, from its name: "Vista 27\" Monitor" → `vista-27-monitor`. Valid as a
/// cart's product id ([`crate::cart::is_valid_product_id`]); the server adds a suffix when the id
/// is taken.
pub fn product_id_from_name(name: &str) -> String {
    let mut id = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let mut id: String = id.trim_end_matches('-').chars().take(48).collect();
    while id.ends_with('-') {
        id.pop();
    }
    if id.is_empty() {
        id.push_str("product");
    }
    id
}

/// Why stock was changed by hand: kept with the change in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockReason {
    /// Goods arrived.
    Received,
    /// A count found a different number on the shelf.
    CountCorrection,
    /// Units broke or went missing.
    Damaged,
}

impl StockReason {
    pub const ALL: [StockReason; 3] = [StockReason::Received, StockReason::CountCorrection, StockReason::Damaged];

    pub fn as_str(self) -> &'static str {
        match self {
            StockReason::Received => "received",
            StockReason::CountCorrection => "count_correction",
            StockReason::Damaged => "damaged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StockReason::Received => "Received",
            StockReason::CountCorrection => "Count correction",
            StockReason::Damaged => "Damaged or lost",
        }
    }

    pub fn parse(s: &str) -> Result<StockReason, String> {
        StockReason::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| "Choose a reason for the stock change.".to_owned())
    }
}

/// A change of stock staff asked for. The server turns each into one atomic statement
/// (`stock = stock + n`, or `stock = n`), so a checkout running at the same moment is never
/// lost or counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockChange {
    /// Add this many units (goods received).
    Restock(i64),
    /// The shelf holds exactly this many.
    SetTo(i64),
}

impl StockChange {
    /// Reads the quantity field of a restock ("add") or a count ("set").
    pub fn parse(action: &str, quantity: &str) -> Result<StockChange, String> {
        let n: i64 = quantity.trim().parse().map_err(|_| "Type a whole number of units.".to_owned())?;
        let change = match action {
            "add" => StockChange::Restock(n),
            "set" => StockChange::SetTo(n),
            _ => return Err("Choose whether to add units or set the count.".into()),
        };
        change.check()?;
        Ok(change)
    }

    pub fn check(self) -> Result<(), String> {
        match self {
            StockChange::Restock(n) if !(1..=MAX_RESTOCK).contains(&n) => Err(format!("Add between 1 and {MAX_RESTOCK} units.")),
            StockChange::SetTo(n) if !(0..=MAX_STOCK).contains(&n) => Err(format!("Set a count between 0 and {MAX_STOCK}.")),
            _ => Ok(()),
        }
    }

    /// The stock after the change, from the stock before it.
    pub fn apply(self, before: i64) -> Result<i64, String> {
        self.check()?;
        let after = match self {
            StockChange::Restock(n) => before + n,
            StockChange::SetTo(n) => n,
        };
        if after > MAX_STOCK {
            return Err(format!("A product holds at most {MAX_STOCK} units; it has {before}."));
        }
        Ok(after)
    }
}

/// Whether the catalog lists a product for a search: `query` (any case) in its name, description
/// or category, and `category` when one is chosen. The server filters with it; the browser uses
/// it to tell whether a product created while a search is open belongs on the page.
pub fn matches(p: &ProductView, query: &str, category: &str) -> bool {
    let q = query.trim().to_lowercase();
    (category.is_empty() || p.category.eq_ignore_ascii_case(category))
        && (q.is_empty() || [&p.name, &p.description, &p.category].iter().any(|f| f.to_lowercase().contains(&q)))
}

/// Keeps the staff dashboard's low-stock list (lowest stock first) in step with products as they
/// are now: each product under `threshold` is in it with its current stock, others and archived
/// ones leave it.
pub fn update_low_stock(list: &mut Vec<ProductView>, threshold: i64, now: &[ProductView], archived: &[String]) {
    list.retain(|p| !archived.contains(&p.id) && !now.iter().any(|n| n.id == p.id));
    list.extend(now.iter().filter(|p| p.stock < threshold).cloned());
    list.sort_by(|a, b| a.stock.cmp(&b.stock).then_with(|| a.name.cmp(&b.name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: &str, stock: i64) -> ProductView {
        ProductView {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            category: "Home".into(),
            price_cents: 100,
            stock,
            image: String::new(),
            picture: None,
        }
    }

    #[test]
    fn a_search_matches_name_description_or_category_in_any_case() {
        let mut p = product("lamp", 3);
        p.name = "Desk Lamp".into();
        p.description = "Warm light".into();
        assert!(matches(&p, "", ""));
        assert!(matches(&p, "  desk ", ""), "trimmed, any case");
        assert!(matches(&p, "WARM", "home"), "description, and the category in any case");
        assert!(matches(&p, "hom", ""), "the category's text");
        assert!(!matches(&p, "chair", ""));
        assert!(!matches(&p, "", "Audio"), "another category");
    }

    #[test]
    fn the_low_stock_list_follows_the_catalog() {
        let mut list = vec![product("a", 1), product("b", 4)];
        update_low_stock(&mut list, 5, &[product("b", 20), product("c", 0), product("d", 9)], &["a".to_owned()]);
        assert_eq!(list, vec![product("c", 0)], "restocked and archived products leave, a sold-out one arrives");
        update_low_stock(&mut list, 5, &[product("e", 3), product("c", 2)], &[]);
        assert_eq!(list.iter().map(|p| (p.id.as_str(), p.stock)).collect::<Vec<_>>(), vec![("c", 2), ("e", 3)], "lowest first, with the stock now");
    }

    #[test]
    fn prices_are_read_as_integer_cents() {
        assert_eq!(parse_price("19.99"), Ok(1999));
        assert_eq!(parse_price("$1,299"), Ok(129_900));
        assert_eq!(parse_price("0.5"), Ok(50));
        assert_eq!(parse_price(".29"), Ok(29));
        assert_eq!(parse_price("0.29"), Ok(29));
        assert_eq!(parse_price(" 7 "), Ok(700));
        assert_eq!(parse_price("100000"), Ok(MAX_PRICE_CENTS));
        for bad in ["", "abc", "-5", "1.999", "1e3", "1.2.3", "100000.01", "99999999999999999999", "."] {
            assert!(parse_price(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(price_input(1999), "19.99");
        assert_eq!(price_input(50), "0.50");
        assert_eq!(parse_price(&price_input(123_405)), Ok(123_405));
    }

    #[test]
    fn a_product_form_reports_every_problem_at_once() {
        let errors = validate_product("  ", "", "", "12.345").unwrap_err();
        assert!(errors.get("name").is_some() && errors.get("category").is_some() && errors.get("price").is_some());
        let ok = validate_product(" Desk Lamp ", "Warm light.", "Home", "24.50").unwrap();
        assert_eq!(ok, ProductDraft { name: "Desk Lamp".into(), description: "Warm light.".into(), category: "Home".into(), price_cents: 2450 });
        assert!(validate_product(&"x".repeat(MAX_NAME + 1), "", "Home", "1").is_err());
    }

    #[test]
    fn ids_from_names_are_valid_product_ids() {
        assert_eq!(product_id_from_name("Vista 27\" 4K Monitor"), "vista-27-4k-monitor");
        assert_eq!(product_id_from_name("  Café — Crème! "), "caf-cr-me");
        assert_eq!(product_id_from_name("!!!"), "product");
        for name in ["Vista 27\" 4K Monitor", "!!!", &"long name ".repeat(20)] {
            assert!(crate::cart::is_valid_product_id(&product_id_from_name(name)));
        }
    }

    #[test]
    fn stock_changes_have_bounds_and_arithmetic() {
        assert_eq!(StockChange::parse("add", "5"), Ok(StockChange::Restock(5)));
        assert_eq!(StockChange::parse("set", "0"), Ok(StockChange::SetTo(0)));
        assert!(StockChange::parse("add", "0").is_err(), "a restock adds at least one unit");
        assert!(StockChange::parse("add", "-3").is_err());
        assert!(StockChange::parse("set", "-1").is_err());
        assert!(StockChange::parse("add", "2.5").is_err());
        assert!(StockChange::parse("remove", "2").is_err());
        assert!(StockChange::parse("add", &(MAX_RESTOCK + 1).to_string()).is_err());
        assert_eq!(StockChange::Restock(5).apply(3), Ok(8));
        assert_eq!(StockChange::SetTo(4).apply(30), Ok(4));
        assert!(StockChange::Restock(10).apply(MAX_STOCK - 5).is_err());
        assert_eq!(StockReason::parse("count_correction"), Ok(StockReason::CountCorrection));
        assert!(StockReason::parse("because").is_err());
    }
}
