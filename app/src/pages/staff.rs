//! `/staff`: every shopper's orders arriving live, with the next allowed statuses as buttons,
//! today's figures and the products running low.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::orders::{list_orders, staff_overview};
use crate::components::{ErrorNotice, LiveHeading, Skeleton};
use crate::error::AppError;
use crate::pages::orders::{follow_live, LiveOrders, OrderCard};
use crate::pages::{RequireUser, ToLogin};
use crate::state::live::{Live, LiveMsg};
use domain::format_cents;
use domain::views::{OrderSummary, StaffOverview};

#[component]
pub fn StaffPage() -> impl IntoView {
    view! {
        <Title text="Staff dashboard" />
        <RequireUser staff=true let:_staff>
            <Dashboard />
        </RequireUser>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let orders = OnceResource::new(list_orders(None, Some(1), Some(true)));
    let overview = OnceResource::new(staff_overview());
    view! {
        <LiveHeading title="Staff dashboard" />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match (orders.await, overview.await) {
                    (Ok(page), Ok(overview)) => view! { <StaffDashboard orders=page.orders overview /> }.into_any(),
                    (Err(AppError::Unauthenticated), _) | (_, Err(AppError::Unauthenticated)) => view! { <ToLogin /> }.into_any(),
                    (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Today's figures, the chart, low stock and the live order feed, all following events.
#[island(lazy)]
fn StaffDashboard(orders: Vec<OrderSummary>, overview: StaffOverview) -> impl IntoView {
    crate::state::page::scoped();
    let overview = RwSignal::new(overview);
    let refresh_overview = move || {
        leptos::task::spawn_local(async move {
            if let Ok(o) = staff_overview().await {
                overview.set(o);
            }
        })
    };
    let list = LiveOrders::new();
    list.replace(orders);
    let refetch_orders = move || {
        leptos::task::spawn_local(async move {
            if let Ok(page) = list_orders(None, Some(1), Some(true)).await {
                list.replace(page.orders);
            }
        })
    };
    follow_live(list, None, refetch_orders, true);
    // Figures move with every event.
    Live::get().listen(move |msg| {
        if matches!(msg, LiveMsg::Event(_) | LiveMsg::Resync) {
            refresh_overview();
        }
    });
    // The chart's window moves with the clock, not only with events.
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(refresh_overview, std::time::Duration::from_secs(30)) {
            on_cleanup(move || handle.clear());
        }
    }

    view! {
        {move || {
            let o = overview.get();
            view! {
                <section aria-label="Today" class="mb-8 grid grid-cols-1 gap-4 sm:grid-cols-3">
                    <Figure label="Orders today" value=o.today.orders.to_string() testid="figure-orders" />
                    <Figure label="Revenue today" value=format_cents(o.today.revenue_cents) testid="figure-revenue" />
                    <Figure label="Average order" value=format_cents(o.today.average_cents) testid="figure-average" />
                </section>
                <section aria-label="Orders by status today" class="mb-8 flex flex-wrap gap-2 text-sm" data-testid="status-counts">
                    {o.today.per_status.iter().map(|(st, n)| view! {
                        <span class="rounded-full bg-white px-3 py-1 ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700">
                            {format!("{}: {n}", st.label())}
                        </span>
                    }).collect_view()}
                </section>
                <section aria-label="Orders per minute" class="mb-8 rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                    <h2 class="mb-3 font-semibold">"Orders per minute, last hour"</h2>
                    <OrdersChart buckets=o.per_minute.clone() />
                </section>
                <section aria-label="Low stock" class="mb-8 rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
                    <h2 class="mb-3 font-semibold">{format!("Low stock (below {})", o.threshold)}</h2>
                    {if o.low_stock.is_empty() {
                        view! { <p class="text-sm text-slate-500">"Every product is well stocked."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="grid gap-2 text-sm sm:grid-cols-2" data-testid="low-stock">
                                {o.low_stock.into_iter().map(|p| view! {
                                    <li class="flex justify-between rounded-lg bg-slate-50 px-3 py-2 dark:bg-slate-800">
                                        <span>{p.name}</span>
                                        <span class=if p.stock == 0 { "font-semibold text-rose-600" } else { "font-semibold text-amber-600" }>{format!("{} left", p.stock)}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            }
        }}
        <h2 class="mb-3 text-xl font-semibold">"Live order feed"</h2>
        <ul class="space-y-4" data-testid="staff-feed">
            <For each=move || list.rows.get() key=|r| r.order.id.clone() let:row>
                <OrderCard row=row staff=true />
            </For>
        </ul>
    }
}

#[component]
fn Figure(label: &'static str, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <p class="text-sm text-slate-500">{label}</p>
            <p class="mt-1 text-2xl font-bold" data-testid=testid>{value}</p>
        </div>
    }
}

/// Bars for 60 one-minute buckets, oldest on the left, drawn as SVG.
#[component]
fn OrdersChart(buckets: Vec<u32>) -> impl IntoView {
    const W: f64 = 600.0;
    const H: f64 = 120.0;
    let max = buckets.iter().copied().max().unwrap_or(0).max(1);
    let total: u32 = buckets.iter().sum();
    let n = buckets.len().max(1) as f64;
    let bar_w = W / n;
    let label = format!("Orders per minute over the last hour: {total} orders, at most {max} in one minute.");
    let title = label.clone();
    view! {
        <svg viewBox=format!("0 0 {W} {}", H + 16.0) class="h-40 w-full" role="img" aria-label=label data-testid="orders-chart" data-total=total>
            <title>{title}</title>
            <line x1="0" y1=H x2=W y2=H class="stroke-slate-300 dark:stroke-slate-700" stroke-width="1" />
            {buckets.iter().enumerate().map(|(i, &c)| {
                let h = (c as f64 / max as f64) * (H - 8.0);
                view! {
                    <rect x=format!("{:.1}", i as f64 * bar_w + 1.0) y=format!("{:.1}", H - h) width=format!("{:.1}", (bar_w - 2.0).max(1.0)) height=format!("{h:.1}") rx="1.5" class="fill-indigo-500" />
                }
            }).collect_view()}
            <text x="0" y=H + 14.0 class="fill-slate-500 text-[10px]">"60 min ago"</text>
            <text x=W y=H + 14.0 text-anchor="end" class="fill-slate-500 text-[10px]">"now"</text>
        </svg>
    }
}
