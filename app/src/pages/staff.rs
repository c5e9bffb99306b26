//! `/staff`: every shopper's orders arriving live, with the next allowed statuses as buttons,
//! today's figures and the products running low.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::orders::{list_orders, staff_overview};
use crate::components::{ErrorNotice, Skeleton};
use crate::error::AppError;
use crate::pages::orders::{follow_live, LiveOrders, OrderCard};
use crate::pages::ToLogin;
use crate::state::live::{ConnectionIndicator, Live, LiveMsg};
use crate::CurrentUser;
use domain::format_cents;

#[component]
pub fn StaffPage() -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    view! {
        <Title text="Staff dashboard" />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) if u.is_staff => view! { <Dashboard /> }.into_any(),
                    Ok(Some(_)) => {
                        #[cfg(feature = "ssr")]
                        if let Some(o) = use_context::<leptos_axum::ResponseOptions>() { o.set_status(http::StatusCode::FORBIDDEN); }
                        view! { <ErrorNotice message="This page is for staff only.".to_owned() /> }.into_any()
                    }
                    _ => view! { <ToLogin /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let orders = Resource::new(|| (), |_| list_orders(None, Some(1), Some(true)));
    let overview = Resource::new(|| (), |_| staff_overview());
    let list = LiveOrders::new();
    follow_live(list, Signal::derive(|| None), move || orders.refetch(), true);
    // Figures move with every event.
    let live = expect_context::<Live>();
    live.listen(move |msg| {
        if matches!(msg, LiveMsg::Event(_) | LiveMsg::Resync) {
            overview.refetch();
        }
    });

    view! {
        <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold tracking-tight">"Staff dashboard"</h1>
            <ConnectionIndicator />
        </div>
        <Transition fallback=|| view! { <Skeleton rows=1 /> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        <section aria-label="Today" class="mb-8 grid grid-cols-1 gap-4 sm:grid-cols-3">
                            <Figure label="Orders today" value=o.today.orders.to_string() testid="figure-orders" />
                            <Figure label="Revenue today" value=format_cents(o.today.revenue_cents) testid="figure-revenue" />
                            <Figure label="Average order" value=format_cents(o.today.average_cents) testid="figure-average" />
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
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
        <h2 class="mb-3 text-xl font-semibold">"Live order feed"</h2>
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(page) => {
                        list.replace(page.orders);
                        view! {
                            <ul class="space-y-4" data-testid="staff-feed">
                                <For each=move || list.rows.get() key=|r| r.order.id.clone() let:row>
                                    <OrderCard row=row staff=true />
                                </For>
                            </ul>
                        }.into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <ToLogin /> }.into_any(),
                    Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
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
