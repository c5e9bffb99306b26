//! `/orders`: one page of the shopper's orders, filtered by status, kept current live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{follow_live, LiveOrders, OrderCard};
use crate::api::orders::{list_orders, order_counts};
use crate::components::{EmptyState, ErrorNotice, LiveHeading, Skeleton};
use crate::error::AppError;
use crate::pages::{RequireUser, ToLogin};
use crate::state::live::{Live, LiveMsg};
use domain::views::OrderPage;
use domain::OrderStatus;

#[component]
pub fn OrdersPage() -> impl IntoView {
    view! {
        <Title text="Your orders" />
        <RequireUser let:_shopper>
            <Orders />
        </RequireUser>
    }
}

#[component]
fn Orders() -> impl IntoView {
    let query = use_query_map();
    let status_q = move || query.read().get("status").unwrap_or_default();
    let page_q = move || query.read().get("page").and_then(|p| p.parse::<u64>().ok()).unwrap_or(1);
    let orders = Resource::new(move || (status_q(), page_q()), |(s, p)| list_orders(Some(s), Some(p), Some(false)));
    view! {
        <LiveHeading title="Your orders" />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(data) => view! { <LiveOrderList data status=status_q() /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <ToLogin /> }.into_any(),
                    Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One page of the shopper's orders (`status` is the filter, "" for all), kept current.
#[island(lazy)]
fn LiveOrderList(data: OrderPage, status: String) -> impl IntoView {
    crate::state::page::scoped();
    let OrderPage { orders, page, pages, counts } = data;
    let list = LiveOrders::new();
    list.replace(orders);
    // The counts in the filter chips follow every event too.
    let counts = RwSignal::new(counts);
    let refetch = {
        let status = status.clone();
        move || {
            let status = status.clone();
            leptos::task::spawn_local(async move {
                if let Ok(data) = list_orders(Some(status), Some(page), Some(false)).await {
                    list.replace(data.orders);
                    counts.set(data.counts);
                }
            });
        }
    };
    follow_live(list, status.parse::<OrderStatus>().ok(), refetch, false);
    Live::get().listen(move |msg| {
        if matches!(msg, LiveMsg::Event(_)) {
            leptos::task::spawn_local(async move {
                if let Ok(c) = order_counts().await {
                    counts.set(c);
                }
            });
        }
    });
    let chips = {
        let current = status.clone();
        move || {
            let c = counts.get();
            let total: u64 = c.iter().map(|(_, n)| n).sum();
            let all = view! { <FilterChip href="/orders".to_owned() label=format!("All ({total})") active=current.is_empty() /> };
            let rest = c
                .into_iter()
                .map(|(st, n)| {
                    view! {
                        <FilterChip href=format!("/orders?status={}", st.as_str()) label=format!("{} ({n})", st.label()) active=current == st.as_str() />
                    }
                })
                .collect_view();
            view! { {all} {rest} }
        }
    };
    view! {
        <nav aria-label="Filter by status" class="mb-4 flex flex-wrap gap-2 text-sm" data-testid="status-filter">
            {chips}
        </nav>
        <Show
            when=move || list.rows.with(|r| !r.is_empty())
            fallback=|| view! { <EmptyState title="No orders yet" body="When you place an order it shows up here and updates live." href="/products" cta="Start shopping" /> }
        >
            <ul class="space-y-4" data-testid="order-list">
                <For each=move || list.rows.get() key=|r| r.order.id.clone() let:row>
                    <OrderCard row=row staff=false />
                </For>
            </ul>
        </Show>
        <Pager page pages status />
    }
}

#[component]
fn FilterChip(href: String, label: String, active: bool) -> impl IntoView {
    view! {
        <a
            href=href
            aria-current=active.then_some("page")
            class=if active { "rounded-full bg-indigo-600 px-3 py-1 font-medium text-white" } else { "rounded-full bg-white px-3 py-1 font-medium text-slate-600 ring-1 ring-slate-200 hover:bg-slate-100 dark:bg-slate-900 dark:text-slate-300 dark:ring-slate-700 dark:hover:bg-slate-800" }
        >
            {label}
        </a>
    }
}

#[component]
fn Pager(page: u64, pages: u64, status: String) -> impl IntoView {
    let link = move |p: u64| if status.is_empty() { format!("/orders?page={p}") } else { format!("/orders?status={status}&page={p}") };
    (pages > 1).then(|| {
        view! {
            <nav aria-label="Pages" class="mt-6 flex items-center justify-center gap-4 text-sm">
                {(page > 1).then(|| view! { <a href=link(page - 1) class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"← Newer"</a> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a href=link(page + 1) class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Older →"</a> })}
            </nav>
        }
    })
}
