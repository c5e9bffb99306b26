//! Checkout in three steps: shipping details → review → place order.
//!
//! Rendered on the server only, with no island: each step is a plain HTML form posting to a
//! server function, which validates, remembers step 1 in a short-lived cookie and redirects to
//! the next step (or back, with the errors and values in a flash). The cart comes from its
//! cookie, which the browser keeps equal to the cart it shows.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::checkout::{new_checkout_key, quote, saved_shipping, CheckShipping, PlaceOrder};
use crate::api::forms::take_flash;
use crate::components::{ErrorNotice, Field, Skeleton};
use crate::error::AppError;
use crate::pages::RequireUser;
use crate::state::cart::CartStore;
use domain::format_cents;
use domain::validation::Shipping;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Shipping,
    Review,
}

#[component]
pub fn CheckoutPage() -> impl IntoView {
    view! {
        <Title text="Checkout" />
        <RequireUser let:_shopper>
            <Checkout />
        </RequireUser>
    }
}

#[component]
fn Checkout() -> impl IntoView {
    let cart = CartStore::get();
    let query = use_query_map();
    let step = if query.read_untracked().get("step").as_deref() == Some("review") { Step::Review } else { Step::Shipping };
    let shipping = RwSignal::new(Shipping::default());
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let banner = RwSignal::new(None::<String>);

    // What the last form post left behind: errors and values (flash), step-1 details (cookie).
    let flash = Resource::new_blocking(|| (), |_| take_flash("checkout".into()));
    let saved = Resource::new_blocking(|| (), |_| saved_shipping());
    let key = Resource::new_blocking(|| (), |_| new_checkout_key());

    let cart_encoded = Signal::derive(move || cart.cart.with(|c| c.encode()));
    let quote_res = Resource::new(move || cart_encoded.get(), quote);

    view! {
        <h1 class="mb-2 text-3xl font-bold tracking-tight">"Checkout"</h1>
        <Steps step />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                if let Ok(Some(f)) = flash.await {
                    if let Some(AppError::Invalid(fields)) = &f.error {
                        errors.set(fields.clone());
                    } else if let Some(e) = &f.error {
                        banner.set(Some(e.to_string()));
                    }
                    let v = |k: &str| f.values.get(k).cloned().unwrap_or_default();
                    shipping.set(Shipping { first_name: v("first_name"), last_name: v("last_name"), email: v("email"), address: v("address"), city: v("city"), state: v("state"), zip: v("zip") });
                } else if let Ok(Some(s)) = saved.await {
                    shipping.set(s);
                }
                let key = key.await.unwrap_or_default();
                let err = move |name: &'static str| Signal::derive(move || errors.with(|e| e.get(name).cloned()));
                let val = move |get: fn(&Shipping) -> String| Signal::derive(move || shipping.with(get));
                view! {
                    <Show when=move || banner.get().is_some()>
                        <div class="mb-4"><ErrorNotice message=banner.get().unwrap_or_default() /></div>
                    </Show>
                    <Show when=move || cart.cart.with(|c| c.lines.is_empty())>
                        <div class="mb-4"><ErrorNotice message="Your cart is empty: add products before checking out.".to_owned() /></div>
                    </Show>
                    <div class=if step == Step::Shipping { "" } else { "hidden" }>
                        <form method="post" action=CheckShipping::url() class="grid gap-4 rounded-2xl border border-slate-200 bg-white p-6 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900" novalidate=true aria-label="Shipping details">
                            <Field name="first_name" label="First name" autocomplete="given-name" value=val(|s| s.first_name.clone()) error=err("first_name") />
                            <Field name="last_name" label="Last name" autocomplete="family-name" value=val(|s| s.last_name.clone()) error=err("last_name") />
                            <div class="sm:col-span-2"><Field name="email" label="Email" kind="email" autocomplete="email" value=val(|s| s.email.clone()) error=err("email") /></div>
                            <div class="sm:col-span-2"><Field name="address" label="Address" autocomplete="street-address" value=val(|s| s.address.clone()) error=err("address") /></div>
                            <Field name="city" label="City" autocomplete="address-level2" value=val(|s| s.city.clone()) error=err("city") />
                            <div class="grid grid-cols-2 gap-4">
                                <Field name="state" label="State" autocomplete="address-level1" value=val(|s| s.state.clone()) error=err("state") />
                                <Field name="zip" label="ZIP" autocomplete="postal-code" value=val(|s| s.zip.clone()) error=err("zip") />
                            </div>
                            <div class="flex justify-end sm:col-span-2">
                                <button type="submit" class="rounded-lg bg-indigo-600 px-5 py-2.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">
                                    "Continue to review"
                                </button>
                            </div>
                        </form>
                    </div>
                    <div class=if step == Step::Review { "grid gap-6 lg:grid-cols-[1fr_20rem]" } else { "hidden" }>
                        <section aria-label="Order review" class="rounded-2xl border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
                            <h2 class="mb-3 font-semibold">"Items"</h2>
                            <Suspense fallback=|| view! { <Skeleton rows=2 /> }>
                                {move || Suspend::new(async move {
                                    match quote_res.await {
                                        Ok(q) if !q.problems.is_empty() => view! {
                                            <ul class="space-y-1 text-sm text-rose-700 dark:text-rose-300" role="alert" data-testid="quote-problems">
                                                {q.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                            </ul>
                                        }.into_any(),
                                        Ok(q) => view! {
                                            <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-800">
                                                {q.lines.into_iter().map(|l| view! {
                                                    <li class="flex justify-between py-2" data-testid="review-line">
                                                        <span>{l.name}" × "{l.quantity}</span>
                                                        <span>{format_cents(l.line_total_cents)}</span>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                            <p class="mt-3 flex justify-between border-t border-slate-200 pt-3 font-semibold dark:border-slate-800">
                                                <span>"Total"</span>
                                                <span data-testid="review-total">{format_cents(q.total_cents)}</span>
                                            </p>
                                        }.into_any(),
                                        Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                                    }
                                })}
                            </Suspense>
                            <h2 class="mb-2 mt-6 font-semibold">"Ship to"</h2>
                            <address class="text-sm not-italic text-slate-600 dark:text-slate-300" data-testid="review-address">
                                {move || shipping.with(|s| format!("{} {}", s.first_name, s.last_name))}<br />
                                {move || shipping.with(|s| s.address.clone())}<br />
                                {move || shipping.with(|s| format!("{}, {} {}", s.city, s.state, s.zip))}<br />
                                {move || shipping.with(|s| s.email.clone())}
                            </address>
                            <a href="/checkout" class="mt-3 inline-block text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                                "Edit shipping details"
                            </a>
                        </section>
                        <form method="post" action=PlaceOrder::url() class="h-fit rounded-2xl border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900" aria-label="Place order">
                            <input type="hidden" name="first_name" value=val(|s| s.first_name.clone()) />
                            <input type="hidden" name="last_name" value=val(|s| s.last_name.clone()) />
                            <input type="hidden" name="email" value=val(|s| s.email.clone()) />
                            <input type="hidden" name="address" value=val(|s| s.address.clone()) />
                            <input type="hidden" name="city" value=val(|s| s.city.clone()) />
                            <input type="hidden" name="state" value=val(|s| s.state.clone()) />
                            <input type="hidden" name="zip" value=val(|s| s.zip.clone()) />
                            <input type="hidden" name="cart" value=cart_encoded />
                            <input type="hidden" name="idempotency_key" value=key />
                            <p class="text-sm text-slate-600 dark:text-slate-300">"Payment is collected on delivery. Your order is confirmed as soon as you place it."</p>
                            <button
                                type="submit"
                                disabled=move || cart.cart.with(|c| c.lines.is_empty())
                                class="mt-4 w-full rounded-lg bg-indigo-600 px-5 py-2.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
                            >
                                "Place order"
                            </button>
                        </form>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn Steps(step: Step) -> impl IntoView {
    let item = move |n: u8, label: &'static str, active: bool| {
        view! {
            <li class="flex items-center gap-2" aria-current=active.then_some("step")>
                <span class=if active { "flex h-6 w-6 items-center justify-center rounded-full bg-indigo-600 text-xs font-semibold text-white" } else { "flex h-6 w-6 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-600 dark:bg-slate-800 dark:text-slate-300" }>
                    {n}
                </span>
                <span class=if active { "font-semibold" } else { "text-slate-500" }>{label}</span>
            </li>
        }
    };
    view! {
        <ol class="mb-6 flex flex-wrap items-center gap-4 text-sm" aria-label="Checkout steps">
            {item(1, "Shipping", step == Step::Shipping)}
            <li aria-hidden="true" class="text-slate-300">"→"</li>
            {item(2, "Review", step == Step::Review)}
            <li aria-hidden="true" class="text-slate-300">"→"</li>
            {move || item(3, "Place order", false)}
        </ol>
    }
}
