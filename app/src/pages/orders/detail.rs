//! `/orders/:id`: one order, its items, shipping details and timeline, kept current live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{short_id, StatusButtons};
use crate::api::orders::get_order;
use crate::components::{format_time, EmptyState, ErrorNotice, Skeleton, StatusBadge, SuccessNotice};
use crate::error::AppError;
use crate::pages::{RequireUser, ToLogin};
use crate::state::live::{ConnectionIndicator, Live, LiveMsg};
use domain::views::OrderDetail;
use domain::{format_cents, Actor};

#[component]
pub fn OrderPage() -> impl IntoView {
    view! {
        <RequireUser let:viewer>
            <OrderDetailView staff=viewer.is_staff />
        </RequireUser>
    }
}

#[component]
fn OrderDetailView(staff: bool) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let placed = query.read_untracked().get("placed").is_some();
    let detail = Resource::new(id, get_order);
    view! {
        <Title text="Order" />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <LiveOrder detail staff placed /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <ToLogin /> }.into_any(),
                    Err(AppError::NotFound) => view! { <EmptyState title="Order not found" body="There is no such order in your account." href="/orders" cta="Your orders" /> }.into_any(),
                    Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One order, its items, shipping details and timeline, refetched whenever an event for it
/// arrives (or the connection resyncs). `placed`: just ordered, so say thank you.
///
/// Not lazy: split into its own WASM chunk it trapped at the first status event after hydration
/// (the splitter's brittleness, leptos-rs/leptos#4347), so it lives in the main module and
/// counts towards every page's first load (P5).
#[island]
fn LiveOrder(detail: OrderDetail, staff: bool, placed: bool) -> impl IntoView {
    crate::state::page::scoped();
    let id = detail.order.id.clone();
    let detail = RwSignal::new(detail);
    Live::get().listen(move |msg| {
        let refetch = match msg {
            LiveMsg::Resync => true,
            LiveMsg::Event(e) => e.order_id == id,
            LiveMsg::Catalog { .. } | LiveMsg::Notification { .. } => false,
        };
        if refetch {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                // Two quick events start two refetches; an answer that arrives late must not
                // put back an older status.
                if let Ok(d) = get_order(id).await {
                    if d.order.version >= detail.with_untracked(|c| c.order.version) {
                        detail.set(d);
                    }
                }
            });
        }
    });
    view! {
        {placed.then(|| view! {
            <SuccessNotice testid="order-confirmation">
                "Thank you! Your order is placed. This page updates live as it moves along."
            </SuccessNotice>
        })}
        {move || {
            let d = detail.get();
            let status = RwSignal::new(d.order.status);
            let version = RwSignal::new(d.order.version);
            let actor = if staff { Actor::Staff } else { Actor::Owner };
            let s = d.shipping.clone();
            view! {
                <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
                    <h1 class="text-3xl font-bold tracking-tight">{format!("Order {}", short_id(&d.order.id))}</h1>
                    <div class="flex items-center gap-3"><ConnectionIndicator user=None quiet=true /><StatusBadge status=status /></div>
                </div>
                <div class="grid gap-6 lg:grid-cols-[1fr_18rem]">
                    <section class="rounded-2xl border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900" aria-label="Items">
                        <table class="w-full text-sm">
                            <thead class="text-left text-slate-500"><tr><th class="pb-2 font-medium">"Item"</th><th class="pb-2 text-right font-medium">"Qty"</th><th class="pb-2 text-right font-medium">"Price"</th><th class="pb-2 text-right font-medium">"Total"</th></tr></thead>
                            <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                                {d.order.items.iter().map(|i| view! {
                                    <tr><td class="py-2">{i.product_name.clone()}</td><td class="py-2 text-right">{i.quantity}</td><td class="py-2 text-right">{format_cents(i.unit_price_cents)}</td><td class="py-2 text-right">{format_cents(i.line_total_cents)}</td></tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot><tr><td colspan="3" class="pt-3 font-semibold">"Total"</td><td class="pt-3 text-right font-semibold" data-testid="order-total">{format_cents(d.order.total_cents)}</td></tr></tfoot>
                        </table>
                        <StatusButtons order_id=d.order.id.clone() status=status version=version actor=actor />
                    </section>
                    <aside class="space-y-6">
                        <section class="rounded-2xl border border-slate-200 bg-white p-5 text-sm dark:border-slate-800 dark:bg-slate-900" aria-label="Shipping">
                            <h2 class="mb-2 font-semibold">"Ship to"</h2>
                            <address class="not-italic text-slate-600 dark:text-slate-300">
                                {format!("{} {}", s.first_name, s.last_name)}<br />{s.address.clone()}<br />{format!("{}, {} {}", s.city, s.state, s.zip)}<br />{s.email.clone()}
                            </address>
                        </section>
                        <section class="rounded-2xl border border-slate-200 bg-white p-5 text-sm dark:border-slate-800 dark:bg-slate-900" aria-label="Timeline">
                            <h2 class="mb-3 font-semibold">"Timeline"</h2>
                            <ol class="space-y-3 border-l border-slate-200 pl-4 dark:border-slate-700" data-testid="timeline">
                                {d.history.iter().map(|h| view! {
                                    <li class="relative">
                                        <span class="absolute -left-[21px] top-1 h-2.5 w-2.5 rounded-full bg-indigo-500" aria-hidden="true"></span>
                                        <p class="font-medium">{h.status.label()}</p>
                                        <p class="text-xs text-slate-500">{format_time(h.at_ms)}</p>
                                    </li>
                                }).collect_view()}
                            </ol>
                        </section>
                    </aside>
                </div>
            }
        }}
    }
}
