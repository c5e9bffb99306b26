//! The staff catalog: `/staff/products` (the table, `list.rs`), `/staff/products/new` and
//! `/staff/products/:id` (the forms, `edit.rs`). Plain HTML forms, rendered on the server; each
//! posts to its server function (`api/staff_catalog.rs`), which answers with a redirect back
//! (`?saved=…`, or a flash with the errors and the values typed).

mod edit;
mod list;

pub use edit::{EditProductPage, NewProductPage};
pub(crate) use list::encode;
pub use list::StaffProductsPage;

const INPUT: &str = "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-[invalid=true]:border-rose-500 dark:border-slate-700 dark:bg-slate-900";
const PRIMARY: &str = "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500";
const SECTION: &str = "rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";

/// How staff read a stock level, and whether it is low (the dashboard's threshold is the
/// server's; five is where the catalog starts saying "Only … left").
fn stock_label(stock: i64) -> (String, bool) {
    match stock {
        0 => ("Out of stock".to_owned(), true),
        s if s <= 5 => (format!("{s} left"), true),
        s => (s.to_string(), false),
    }
}
