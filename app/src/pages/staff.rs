//! `/staff`: every shopper's orders arriving live, with the next allowed statuses as buttons,
//! today's figures and the products running low.

use leptos::prelude::*;

use crate::api::orders::{list_orders, staff_overview};
use crate::components::{ErrorNotice, LiveHeading, Skeleton};
use crate::error::AppError;
use crate::pages::orders::{follow_live, LiveOrders, OrderCard};
use crate::pages::{StaffOnly, ToLogin};
use crate::state::live::{Live, LiveMsg};
use domain::figures::Figures;
use domain::format_cents;
use domain::views::{OrderSummary, StaffOverview};

#[component]
pub fn StaffPage() -> impl IntoView {
    view! { <StaffOnly title="Staff dashboard"><Dashboard /></StaffOnly> }
}

#[component]
fn Dashboard() -> impl IntoView {
    let orders = OnceResource::new(list_orders(None, Some(1), Some(true)));
    let overview = OnceResource::new(staff_overview());
    view! {
        <LiveHeading title="Staff dashboard" />
        <nav aria-label="Staff tools" class="-mt-3 mb-6 flex flex-wrap gap-4 text-sm font-semibold text-indigo-600 dark:text-indigo-400">
            <a href="/staff/products" class="hover:underline">"Products"</a>
            <a href="/staff/events" class="hover:underline">"Event log"</a>
            <a href="/staff/webhooks" class="hover:underline">"Webhooks"</a>
        </nav>
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
///
/// The figures move in the browser: each event goes through the same projection the server
/// keeps ([`Figures`]), so an open dashboard costs the server nothing per order. The server is
/// asked again on a resync, every half minute (the chart's window moves with the clock, and a
/// snapshot taken while events were in flight is put right). The low-stock list follows the
/// live catalog's frames.
#[island(lazy)]
fn StaffDashboard(orders: Vec<OrderSummary>, overview: StaffOverview) -> impl IntoView {
    crate::state::page::scoped();
    let clock = ServerClock::new(overview.as_of_ms);
    let figures = StoredValue::new(Figures::from_snapshot(&overview.today, &overview.per_minute, overview.as_of_ms));
    let overview = RwSignal::new(overview);
    let refetching = StoredValue::new(false);
    let refresh_overview = move || {
        if refetching.get_value() {
            return;
        }
        refetching.set_value(true);
        leptos::task::spawn_local(async move {
            if let Ok(o) = staff_overview().await {
                clock.set(o.as_of_ms);
                figures.set_value(Figures::from_snapshot(&o.today, &o.per_minute, o.as_of_ms));
                overview.set(o);
            }
            refetching.set_value(false);
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
    Live::get().listen(move |msg| match msg {
        LiveMsg::Event(event) => {
            let now = clock.now();
            if let Some(Some((today, bars))) = figures.try_update_value(|f| f.apply(event).then(|| (f.today(now), f.per_minute(now)))) {
                overview.update(|o| {
                    o.today = today;
                    o.per_minute = bars;
                });
            }
        }
        // Stock moved (orders, restocks, counts) or products changed: the low-stock list
        // follows the catalog's live frames.
        LiveMsg::Catalog { products, archived } => overview.update(|o| {
            domain::catalog::update_low_stock(&mut o.low_stock, o.threshold as i64, products, archived);
        }),
        LiveMsg::Resync => refresh_overview(),
        LiveMsg::Notification { .. } => {}
    });
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
                    <div class="mb-3 flex flex-wrap items-baseline justify-between gap-2">
                        <h2 class="font-semibold">{format!("Low stock (below {})", o.threshold)}</h2>
                        <a href="/staff/products" class="text-sm font-semibold text-indigo-600 hover:underline dark:text-indigo-400">"Manage products"</a>
                    </div>
                    {if o.low_stock.is_empty() {
                        view! { <p class="text-sm text-slate-500">"Every product is well stocked."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="grid gap-2 text-sm sm:grid-cols-2" data-testid="low-stock">
                                {o.low_stock.into_iter().map(|p| view! {
                                    <li class="flex justify-between rounded-lg bg-slate-50 px-3 py-2 dark:bg-slate-800">
                                        <a href=format!("/staff/products/{}", p.id) class="hover:underline">{p.name}</a>
                                        <span class=if p.stock == 0 { "font-semibold text-rose-700 dark:text-rose-400" } else { "font-semibold text-amber-700 dark:text-amber-400" }>{format!("{} left", p.stock)}</span>
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

/// The server's time as the browser can tell it: the snapshot's time plus what the browser's
/// clock says has passed since, so a wrong clock on the staff member's computer moves neither
/// the day nor the chart.
#[derive(Clone, Copy)]
struct ServerClock {
    offset_ms: StoredValue<i64>,
}

impl ServerClock {
    fn new(server_now_ms: i64) -> ServerClock {
        let clock = ServerClock { offset_ms: StoredValue::new(0) };
        clock.set(server_now_ms);
        clock
    }

    fn set(&self, server_now_ms: i64) {
        self.offset_ms.set_value(server_now_ms - browser_now_ms());
    }

    fn now(&self) -> i64 {
        browser_now_ms() + self.offset_ms.get_value()
    }
}

#[cfg(feature = "hydrate")]
fn browser_now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// On the server the island only renders; its clock is never read there.
#[cfg(not(feature = "hydrate"))]
fn browser_now_ms() -> i64 {
    0
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
