//! The catalog: a searchable, filterable grid of product cards. Rendered on the server; one
//! island makes the cards' "Add to cart" forms update the browser's cart, another
//! (`live_catalog`) keeps the cards in step with the live catalog.

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::catalog::{list_categories, list_products};
use crate::api::checkout::AddToCart;
use crate::components::{ErrorNotice, ProductImage, Skeleton};
use crate::pages::live_catalog::LiveCatalog;
#[cfg(feature = "hydrate")]
use crate::state::cart::CartStore;
#[cfg(feature = "hydrate")]
use crate::state::toast::{use_toasts, Tone};
use domain::format_cents;
use domain::views::ProductView;
use leptos::server_fn::ServerFn;

#[component]
pub fn ProductsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let category = move || query.read().get("category").unwrap_or_default();
    let products = Resource::new(move || (q(), category()), |(q, c)| list_products(q, c));
    let categories = OnceResource::new(list_categories());
    let assets = use_context::<crate::assets::Assets>().unwrap_or_default();

    view! {
        <Title text="Products" />
        <div class="mb-6 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-3xl font-bold tracking-tight">"Products"</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Everyday tech and home goods, shipped fast. Stock updates live."</p>
            </div>
            <form method="get" action="/products" role="search" class="flex flex-wrap gap-2 sm:flex-nowrap">
                <input
                    type="search"
                    name="q"
                    aria-label="Search products"
                    placeholder="Search…"
                    value=q
                    class="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 sm:w-56 dark:border-slate-700 dark:bg-slate-900"
                />
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let cats = categories.await.unwrap_or_default();
                        let current = category();
                        view! {
                            <select
                                name="category"
                                aria-label="Category"
                                class="min-w-0 flex-1 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm sm:flex-none dark:border-slate-700 dark:bg-slate-900"
                            >
                                <option value="" selected=current.is_empty()>"All categories"</option>
                                {cats.into_iter().map(|c| {
                                    let selected = c == current;
                                    view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Suspense>
                <button type="submit" class="rounded-lg bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700 dark:bg-white dark:text-slate-900 dark:hover:bg-slate-200">
                    "Search"
                </button>
            </form>
        </div>
        <Suspense fallback=|| view! { <Skeleton rows=4 /> }>
            // `EitherOf3` rather than `.into_any()`: erasing a view's type first converts it to
            // an owned copy, a heap copy of every attribute of every card on each render (P6).
            {move || {
                let assets = assets.clone();
                Suspend::new(async move {
                    match products.await {
                        Ok(list) if list.is_empty() => EitherOf3::A(view! {
                            <p class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:border-slate-700">
                                "No products match your search. "
                                <a href="/products" class="font-semibold text-indigo-600 hover:underline dark:text-indigo-400">"Show all products"</a>
                            </p>
                        }),
                        Ok(list) => EitherOf3::B(view! {
                            <ul class="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3" data-testid="product-grid">
                                {list.into_iter().map(|mut p| {
                                    p.image = assets.url(&p.image);
                                    view! { <ProductCard product=p /> }
                                }).collect_view()}
                            </ul>
                            <AddToCartForms />
                            <LiveCatalog />
                        }),
                        Err(e) => EitherOf3::C(view! { <ErrorNotice message=e.to_string() /> }),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ProductCard(product: ProductView) -> impl IntoView {
    let ProductView { id, name, description, category, price_cents, stock, image, picture } = product;
    let out_of_stock = stock <= 0;
    let card_id = id.clone();
    let href = format!("/products/{id}");
    // The card's looks are named classes (`style/tailwind.css`, "product card"), not utility
    // lists: the grid repeats them for every product, in the HTML and in the render (P6).
    view! {
        <li data-testid="product-card" data-product-id=card_id class="product-card">
            <ProductImage image picture alt=name.clone() sizes="(min-width: 1024px) 25vw, (min-width: 640px) 50vw, 100vw" width=400 height=300 class="product-card-img" lazy=true />
            <div class="product-card-body">
                <div class="product-card-head">
                    <h2 class="product-card-title"><a href=href>{name.clone()}</a></h2>
                    <span class="product-card-price" data-testid="price">{format_cents(price_cents)}</span>
                </div>
                <p class="product-card-category">{category}</p>
                <p class="product-card-description">{description}</p>
                <div class="product-card-foot">
                    <span data-testid="stock" class=if out_of_stock { "product-card-stock sold-out" } else { "product-card-stock" }>
                        {stock_note(stock)}
                    </span>
                    <AddToCartForm id name stock />
                </div>
            </div>
        </li>
    }
}

/// What a card says of its stock: nothing when there is plenty.
pub fn stock_note(stock: i64) -> &'static str {
    // Static text for the common cases keeps the card's render free of allocations (P6).
    match stock {
        s if s <= 0 => "Out of stock",
        1 => "Only 1 left",
        2 => "Only 2 left",
        3 => "Only 3 left",
        4 => "Only 4 left",
        5 => "Only 5 left",
        _ => "",
    }
}

/// The add-to-cart button's words, and whether it can be used, at a stock.
pub fn add_to_cart_label(stock: i64) -> (&'static str, bool) {
    if stock <= 0 {
        ("Sold out", false)
    } else {
        ("Add to cart", true)
    }
}

/// "Add to cart": a plain form posting to the server, which is what it does without WASM. The
/// data attributes are for [`AddToCartForms`]. The button's accessible name is its visible
/// words and then the product's ("Add to cart: Desk Lamp"): every card has one, and a name that
/// starts with what is seen is what voice control users say.
#[component]
pub fn AddToCartForm(id: String, name: String, stock: i64) -> impl IntoView {
    let (words, enabled) = add_to_cart_label(stock);
    let product_id = id.clone();
    let label = format!("{words}: {name}");
    view! {
        <form method="post" action=AddToCart::url() data-add-to-cart=id data-name=name data-stock=stock>
            <input type="hidden" name="product_id" value=product_id />
            <button type="submit" disabled=!enabled aria-label=label class="add-to-cart">
                {words}
            </button>
        </form>
    }
}

/// Every "Add to cart" form of the page, hydrated: a submit becomes an update of the browser's
/// cart with a toast, and more than the stock shown is refused. One island for the whole grid,
/// listening to the forms' submit events, rather than one island per card: each island costs
/// the server a wrapper and its props as JSON on every render (P6).
#[island]
pub fn AddToCartForms() -> impl IntoView {
    crate::state::page::scoped();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let cart = CartStore::get();
        let toasts = use_toasts();
        let on_submit = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            let Some(id) = form.get_attribute("data-add-to-cart") else { return };
            ev.prevent_default();
            let name = form.get_attribute("data-name").unwrap_or_default();
            let stock = form.get_attribute("data-stock").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
            let wanted = cart.cart.with_untracked(|c| c.quantity_of(&id)) + 1;
            if let Err(message) = domain::cart::check_stock(&name, wanted, stock) {
                toasts.push(Tone::Error, message);
                return;
            }
            cart.add(&id, 1);
            toasts.push(Tone::Success, format!("Added {name} to your cart."));
        });
        // On the document, not the window: the navigation script's listener on the window runs
        // after this one and leaves a submit alone once it is taken care of here.
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let _ = doc.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
            let held = send_wrapper::SendWrapper::new((doc, on_submit));
            on_cleanup(move || {
                let (doc, on_submit) = &*held;
                let _ = doc.remove_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
            });
        }
    }
    view! { <span hidden></span> }
}
