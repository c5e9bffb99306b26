//! The catalog as it changes: the grid's cards and a product's page follow the live catalog's
//! frames in place. Stock counts down, "Sold out" disables the button and a restock enables it,
//! a price changes, a new product appears where the catalog would list it, an archived one
//! leaves the grid.
//!
//! The cards are plain server-rendered HTML (one island for all of them, as for the add-to-cart
//! forms), so the frames are applied to their elements. The island is lazy: its code is a chunk
//! of its own, fetched once the page is shown, not part of every page's first load (P5).

use leptos::prelude::*;

#[island(lazy)]
pub fn LiveCatalog() -> impl IntoView {
    crate::state::page::scoped();
    #[cfg(feature = "hydrate")]
    {
        use crate::api::catalog::list_products;
        use crate::state::live::{Live, LiveMsg};
        let live = Live::get();
        live.watch_catalog();
        live.listen(move |msg| match msg {
            LiveMsg::Catalog { products, archived } => {
                products.iter().for_each(dom::show);
                archived.iter().for_each(|id| dom::withdraw(id));
            }
            // Frames may have been missed while the connection was down: read the whole catalog.
            LiveMsg::Resync => leptos::task::spawn_local(async {
                if let Ok(all) = list_products(String::new(), String::new()).await {
                    all.iter().for_each(dom::show);
                }
            }),
            LiveMsg::Event(_) | LiveMsg::Notification { .. } => {}
        });
    }
    view! { <span hidden></span> }
}

#[cfg(feature = "hydrate")]
mod dom {
    //! The cards' elements, changed in place. A card is an `li` in the grid or the product
    //! page's `article`; both carry `data-testid="product-card"` and the product's id.
    use wasm_bindgen::JsCast;
    use web_sys::Element;

    use crate::pages::products::{add_to_cart_label, stock_note};
    use domain::format_cents;
    use domain::views::ProductView;

    const GRID: &str = "[data-testid=\"product-grid\"]";

    fn document() -> Option<web_sys::Document> {
        web_sys::window().and_then(|w| w.document())
    }

    fn all(root: &impl AsRef<web_sys::Element>, selector: &str) -> Vec<Element> {
        let Ok(list) = root.as_ref().query_selector_all(selector) else { return vec![] };
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
    }

    fn cards(id: &str) -> Vec<Element> {
        let Some(root) = document().and_then(|d| d.document_element()) else { return vec![] };
        // Ids are `[a-z0-9-]` (the server refuses others), safe inside the quotes.
        all(&root, &format!("[data-testid=\"product-card\"][data-product-id=\"{id}\"]"))
    }

    fn find(card: &Element, selector: &str) -> Option<Element> {
        card.query_selector(selector).ok().flatten()
    }

    fn in_grid(card: &Element) -> bool {
        card.tag_name().eq_ignore_ascii_case("li")
    }

    /// The search the page shows: `(q, category)` from its address.
    fn search() -> (String, String) {
        let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(&query) else { return Default::default() };
        (params.get("q").unwrap_or_default(), params.get("category").unwrap_or_default())
    }

    pub fn show(p: &ProductView) {
        let (q, category) = search();
        let listed = domain::catalog::matches(p, &q, &category);
        let found = cards(&p.id);
        if found.is_empty() && listed {
            add_to_grid(p);
        }
        for card in found {
            if in_grid(&card) && !listed {
                card.remove();
            } else {
                fill(&card, p);
            }
        }
    }

    /// Archived: it leaves the grid; on its own page it is shown as no longer sold.
    pub fn withdraw(id: &str) {
        for card in cards(id) {
            if in_grid(&card) {
                card.remove();
                continue;
            }
            set_stock(&card, "No longer sold", true);
            if let Some(form) = find(&card, "form[data-add-to-cart]") {
                let _ = form.set_attribute("data-stock", "0");
            }
            let name = find(&card, "form[data-add-to-cart]").and_then(|f| f.get_attribute("data-name")).unwrap_or_default();
            set_button(&card, &name, None, "Unavailable");
            if let Some(notice) = find(&card, "[data-restock-notice]") {
                let _ = notice.set_attribute("hidden", "");
            }
        }
    }

    /// A product the grid does not show yet, as a copy of one of its cards, at the place the
    /// catalog lists it (by category, then name). An empty grid has no card to copy: the product
    /// shows at the next visit.
    fn add_to_grid(p: &ProductView) {
        let Some(grid) = document().and_then(|d| d.query_selector(GRID).ok().flatten()) else { return };
        let existing = all(&grid, "li[data-testid=\"product-card\"]");
        let Some(card) = existing.first().and_then(|c| c.clone_node_with_deep(true).ok()).and_then(|n| n.dyn_into::<Element>().ok()) else { return };
        let _ = card.set_attribute("data-product-id", &p.id);
        set_picture(&card, p);
        if let Some(img) = find(&card, "img") {
            let _ = img.set_attribute("alt", &p.name);
        }
        if let Some(link) = find(&card, ".product-card-title a") {
            let _ = link.set_attribute("href", &format!("/products/{}", p.id));
            link.set_text_content(Some(&p.name));
        }
        if let Some(el) = find(&card, ".product-card-category") {
            el.set_text_content(Some(&p.category));
        }
        if let Some(el) = find(&card, ".product-card-description") {
            el.set_text_content(Some(&p.description));
        }
        if let Some(form) = find(&card, "form[data-add-to-cart]") {
            let _ = form.set_attribute("data-add-to-cart", &p.id);
            let _ = form.set_attribute("data-name", &p.name);
        }
        if let Some(input) = find(&card, "input[name=\"product_id\"]") {
            let _ = input.set_attribute("value", &p.id);
        }
        fill(&card, p);
        let key = (p.category.as_str(), p.name.as_str());
        let after = existing.iter().find(|c| {
            let text = |s: &str| find(c, s).and_then(|e| e.text_content()).unwrap_or_default();
            (text(".product-card-category").as_str(), text(".product-card-title a").as_str()) > key
        });
        let _ = grid.insert_before(&card, after.map(|e| -> &web_sys::Node { e.as_ref() }));
    }

    /// Stock, price and the button as the product is now.
    fn fill(card: &Element, p: &ProductView) {
        set_picture(card, p);
        set_stock(card, stock_note(p.stock), p.stock <= 0);
        if let Some(price) = find(card, "[data-testid=\"price\"]") {
            price.set_text_content(Some(&format_cents(p.price_cents)));
        }
        if let Some(form) = find(card, "form[data-add-to-cart]") {
            let _ = form.set_attribute("data-stock", &p.stock.to_string());
        }
        let (text, enabled) = add_to_cart_label(p.stock);
        set_button(card, &p.name, enabled.then_some(text), text);
        // "Notify me" is for a product that is sold out.
        if let Some(notice) = find(card, "[data-restock-notice]") {
            let _ = if p.stock > 0 { notice.set_attribute("hidden", "") } else { notice.remove_attribute("hidden") };
        }
    }

    /// A new picture shows at once as its largest file; the widths and WebP come with the next
    /// visit (the card's `srcset` is the old picture's, so it goes).
    fn set_picture(card: &Element, p: &ProductView) {
        let Some(img) = find(card, "img") else { return };
        if img.get_attribute("src").is_some_and(|src| src.ends_with(&p.image)) {
            return;
        }
        let _ = img.set_attribute("src", &p.image);
        let _ = img.remove_attribute("srcset");
        for source in all(card, "source") {
            source.remove();
        }
    }

    fn set_stock(card: &Element, text: &str, sold_out: bool) {
        if let Some(stock) = find(card, "[data-testid=\"stock\"]") {
            stock.set_text_content(Some(text));
            let _ = if sold_out { stock.class_list().add_1("sold-out") } else { stock.class_list().remove_1("sold-out") };
        }
    }

    /// `enabled`: the button's words when it can be used; else it is disabled and says
    /// `disabled_text`. Its accessible name is the words and the product's name.
    fn set_button(card: &Element, name: &str, enabled: Option<&str>, disabled_text: &str) {
        let Some(button) = find(card, "form[data-add-to-cart] button") else { return };
        let words = enabled.unwrap_or(disabled_text);
        button.set_text_content(Some(words));
        let _ = button.set_attribute("aria-label", &format!("{words}: {name}"));
        let _ = if enabled.is_some() { button.remove_attribute("disabled") } else { button.set_attribute("disabled", "") };
    }
}
