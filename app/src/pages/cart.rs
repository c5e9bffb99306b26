//! The cart: change quantities, remove lines, see the subtotal, go to checkout.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::catalog::list_products;
use crate::api::checkout::SetCartQuantity;
use crate::components::{EmptyState, ErrorNotice, Skeleton};
use crate::state::cart::CartStore;
use domain::format_cents;
use domain::views::ProductView;
use leptos::server_fn::ServerFn;

#[component]
pub fn CartPage() -> impl IntoView {
    let products = OnceResource::new(list_products(String::new(), String::new()));
    view! {
        <Title text="Cart" />
        <h1 class="mb-6 text-3xl font-bold tracking-tight">"Your cart"</h1>
        <Suspense fallback=|| view! { <Skeleton rows=2 /> }>
            {move || Suspend::new(async move {
                match products.await {
                    Ok(catalog) => view! { <CartView catalog /> }.into_any(),
                    Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The cart's lines, quantities and subtotal, kept current as the cart changes (here or in
/// another tab) and as the catalog changes: `catalog` is the products as the server read them,
/// and the live catalog's frames update their prices and stock. A price that changed while the
/// cart is open is marked on its line ("was …") and announced.
#[island(lazy)]
fn CartView(catalog: Vec<ProductView>) -> impl IntoView {
    crate::state::page::scoped();
    let cart = CartStore::get();
    let catalog = RwSignal::new(catalog);
    let was = RwSignal::new(std::collections::HashMap::<String, i64>::new());
    #[cfg(feature = "hydrate")]
    {
        use crate::state::live::{Live, LiveMsg};
        use crate::state::toast::{use_toasts, Tone};
        let toasts = use_toasts();
        let live = Live::get();
        live.watch_catalog();
        live.listen(move |msg| {
            let LiveMsg::Catalog { products, archived } = msg else { return };
            for p in products {
                let before = catalog.with_untracked(|c| c.iter().find(|o| o.id == p.id).map(|o| o.price_cents));
                if let Some(before) = before.filter(|b| *b != p.price_cents) {
                    if cart.cart.with_untracked(|c| c.quantity_of(&p.id)) > 0 {
                        was.update(|w| {
                            w.entry(p.id.clone()).or_insert(before);
                        });
                        toasts.push(Tone::Info, format!("The price of {} changed from {} to {}.", p.name, format_cents(before), format_cents(p.price_cents)));
                    }
                }
            }
            catalog.update(|c| {
                c.retain(|o| !archived.contains(&o.id));
                for p in products {
                    match c.iter_mut().find(|o| o.id == p.id) {
                        Some(o) => *o = p.clone(),
                        None => c.push(p.clone()),
                    }
                }
            });
        });
    }
    let find = move |id: &str| catalog.with(|c| c.iter().find(|p| p.id == id).cloned());
    let subtotal = Signal::derive(move || cart.cart.with(|c| c.subtotal_cents(|id| find(id).map(|p| p.price_cents))));
    view! {
        <Show
            when=move || cart.cart.with(|c| !c.lines.is_empty())
            fallback=|| view! { <EmptyState title="Your cart is empty" body="Find something you like in the catalog." href="/products" cta="Browse products" /> }
        >
            <div class="grid gap-8 lg:grid-cols-[1fr_20rem]">
                <ul class="divide-y divide-slate-200 rounded-2xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                    <For
                        each=move || cart.cart.get().lines
                        key=|l| l.product_id.clone()
                        children=move |line| {
                            let product = catalog.with_untracked(|c| c.iter().find(|p| p.id == line.product_id).cloned());
                            let id = line.product_id.clone();
                            let price = Signal::derive(move || find(&id).map_or(0, |p| p.price_cents));
                            let id = line.product_id.clone();
                            let was_price = Signal::derive(move || was.with(|w| w.get(&id).copied()));
                            view! { <CartLineRow product_id=line.product_id.clone() product=product price was_price /> }
                        }
                    />
                </ul>
                <aside class="h-fit rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                    <div class="flex justify-between text-sm">
                        <span>"Subtotal"</span>
                        <span class="font-semibold" data-testid="subtotal">{move || format_cents(subtotal.get())}</span>
                    </div>
                    <p class="mt-1 text-xs text-slate-500">"Prices are confirmed at checkout."</p>
                    <a href="/checkout" class="mt-4 block rounded-lg bg-indigo-600 px-4 py-2.5 text-center text-sm font-semibold text-white hover:bg-indigo-500">
                        "Checkout"
                    </a>
                </aside>
            </div>
        </Show>
    }
}

/// One line. `price` follows the live catalog; `was_price` is the price before it changed while
/// the cart was open.
#[component]
fn CartLineRow(product_id: String, product: Option<ProductView>, price: Signal<i64>, was_price: Signal<Option<i64>>) -> impl IntoView {
    let cart = CartStore::get();
    let id = product_id.clone();
    let quantity = Signal::derive(move || cart.cart.with(|c| c.quantity_of(&id)));
    let (name, image, stock) = match &product {
        Some(p) => (p.name.clone(), p.image.clone(), p.stock),
        None => (format!("Unavailable product ({product_id})"), String::new(), 0),
    };
    let (id_change, id_remove, id_typed) = (product_id.clone(), product_id.clone(), product_id.clone());
    let max = stock.clamp(1, domain::cart::MAX_QUANTITY);
    // The field shows the cart's quantity. Not with `prop:value`, which hydration would apply
    // at once: a quantity typed before this island hydrated (its change event had no listener
    // yet) is still in the field, and is taken into the cart instead of being overwritten.
    let field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |hydrated: Option<()>| {
        let q = quantity.get();
        let Some(el) = field.get() else { return };
        if hydrated.is_none() && el.value() != el.default_value() {
            let typed = el.value().trim().parse::<i64>().map_or(q, |t| t.clamp(1, max));
            cart.set_quantity(&id_typed, typed);
        }
        let shown = quantity.get_untracked().to_string();
        if el.value() != shown {
            el.set_value(&shown);
        }
    });
    view! {
        // On a phone the quantity, line total and remove button wrap under the product.
        <li class="flex flex-wrap items-center gap-x-4 gap-y-2 p-4" data-testid="cart-line">
            {(!image.is_empty()).then(|| view! { <img src=crate::assets::asset_url(&image) alt="" width="80" height="60" class="h-15 w-20 rounded-lg object-cover" /> })}
            <div class="min-w-0 flex-1 basis-40">
                <p class="font-medium">{name.clone()}</p>
                <p class="text-sm text-slate-500">
                    {move || format_cents(price.get())}" each"
                    {move || was_price.get().map(|w| view! {
                        <span data-testid="price-changed" class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-800 dark:bg-amber-900 dark:text-amber-200">
                            {format!("Price changed, was {}", format_cents(w))}
                        </span>
                    })}
                </p>
            </div>
            <form method="post" action=SetCartQuantity::url() class="ml-auto flex items-center gap-2" on:submit=|ev| ev.prevent_default()>
                <input type="hidden" name="product_id" value=product_id.clone() />
                <label class="sr-only" for=format!("qty-{product_id}")>{format!("Quantity of {name}")}</label>
                <input
                    id=format!("qty-{product_id}")
                    name="quantity"
                    type="number"
                    min="1"
                    max=max
                    node_ref=field
                    value=move || quantity.get().to_string()
                    on:change=move |ev| {
                        let q = event_target_value(&ev).parse::<i64>().unwrap_or(1).clamp(1, max);
                        cart.set_quantity(&id_change, q);
                    }
                    class="w-20 rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950"
                />
                <noscript>
                    <button type="submit" class="text-sm font-medium text-indigo-600">"Update"</button>
                </noscript>
            </form>
            <span class="w-24 text-right font-semibold">{move || format_cents(price.get() * quantity.get())}</span>
            <form method="post" action=SetCartQuantity::url() on:submit=move |ev| { ev.prevent_default(); cart.set_quantity(&id_remove, 0); }>
                <input type="hidden" name="product_id" value=product_id.clone() />
                <input type="hidden" name="quantity" value="0" />
                <button type="submit" aria-label=format!("Remove {name} from cart") class="rounded-lg p-2 text-slate-500 hover:bg-slate-100 hover:text-rose-600 dark:hover:bg-slate-800">
                    <svg class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M6 7h12M9 7V4h6v3m-8 0 1 13h8l1-13" /></svg>
                </button>
            </form>
        </li>
    }
}
