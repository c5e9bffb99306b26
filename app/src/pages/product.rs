//! `/products/:id`: one product with its description, a larger picture, its stock and "Add to
//! cart" (the catalog's form and island, `products.rs`). Stock and price follow the live
//! catalog like the grid's. A signed-in shopper can ask to be told when a sold-out product is
//! back ("Notify me"); the block shows while the product is sold out, live too.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::forms::take_flash;
use crate::api::notifications::{restock_watch, SetRestockWatch};
use crate::api::staff_catalog::get_product;
use crate::components::{EmptyState, ErrorNotice, ProductImage, Skeleton};
use crate::error::AppError;
use crate::pages::live_catalog::LiveCatalog;
use crate::pages::products::{stock_note, AddToCartForm, AddToCartForms};
use domain::format_cents;
use domain::views::ProductView;

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let found = Resource::new(move || params.read().get("id").unwrap_or_default(), get_product);
    view! {
        <Suspense fallback=|| view! { <Skeleton rows=2 /> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(p) => Either::Left(view! { <Product product=p /> }),
                    Err(AppError::NotFound) => Either::Right(Either::Left(view! { <Missing /> })),
                    Err(e) => Either::Right(Either::Right(view! { <ErrorNotice message=e.to_string() /> })),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Missing() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Product not found" />
        <EmptyState title="This product is not on sale" body="It may have been taken out of the catalog." href="/products" cta="Browse products" />
    }
}

#[component]
fn Product(product: ProductView) -> impl IntoView {
    let ProductView { id, name, description, category, price_cents, stock, image, picture } = product;
    let sold_out = stock <= 0;
    let card_id = id.clone();
    view! {
        <Title text=name.clone() />
        <p class="mb-4 text-sm font-medium text-indigo-600 dark:text-indigo-400">
            <a href="/products" class="hover:underline">"← All products"</a>
            " · "
            <a href=format!("/products?category={category}") class="hover:underline">{category.clone()}</a>
        </p>
        <article class="grid gap-8 md:grid-cols-2" data-testid="product-card" data-product-id=card_id>
            <ProductImage image picture alt=name.clone() sizes="(min-width: 768px) 50vw, 100vw" width=800 height=600 class="w-full rounded-2xl border border-slate-200 bg-white object-cover dark:border-slate-800" />
            <div>
                <h1 class="text-3xl font-bold tracking-tight">{name.clone()}</h1>
                <p class="mt-2 text-2xl font-semibold tabular-nums" data-testid="price">{format_cents(price_cents)}</p>
                <p class="mt-4 whitespace-pre-line text-slate-600 dark:text-slate-300">{description}</p>
                <p data-testid="stock" class=if sold_out { "product-card-stock sold-out mt-4" } else { "product-card-stock mt-4" }>{stock_note(stock)}</p>
                <div class="mt-6">
                    <AddToCartForm id=id.clone() name stock />
                </div>
                <RestockNotice product_id=id sold_out />
            </div>
        </article>
        <AddToCartForms />
        <LiveCatalog />
    }
}

/// "Notify me when it's back", or "we will tell you" with a way to take it back, for a signed-in
/// shopper. Plain forms (they work without WASM); hidden while the product is in stock, which
/// the live catalog keeps true (`live_catalog.rs`).
#[component]
fn RestockNotice(product_id: String, sold_out: bool) -> impl IntoView {
    let id = product_id.clone();
    let watching = Resource::new(move || id.clone(), restock_watch);
    let flash = OnceResource::new(take_flash("restock".into()));
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let product_id = product_id.clone();
                Suspend::new(async move {
                    let Ok(Some(watching)) = watching.await else { return ().into_any() };
                    let error = flash.await.ok().flatten().and_then(|f| f.error).map(|e| e.to_string());
                    let button = "rounded-lg px-3 py-2 text-sm font-semibold ring-1 ring-inset ring-indigo-300 text-indigo-700 hover:bg-indigo-50 dark:text-indigo-300 dark:ring-indigo-800 dark:hover:bg-indigo-950";
                    view! {
                        <div data-restock-notice=product_id.clone() hidden=!sold_out>
                            <form method="post" action=SetRestockWatch::url() class="mt-4 flex flex-wrap items-center gap-3">
                                <input type="hidden" name="product_id" value=product_id.clone() />
                                <input type="hidden" name="watch" value=(!watching).to_string() />
                                {if watching {
                                    view! {
                                        <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="restock-watching">"We will tell you when it is back."</p>
                                        <button type="submit" class=button>"Don't notify me"</button>
                                    }.into_any()
                                } else {
                                    view! { <button type="submit" class=button>"Notify me when it's back"</button> }.into_any()
                                }}
                            </form>
                            {error.map(|message| view! { <div class="mt-3"><ErrorNotice message /></div> })}
                        </div>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}
