//! `/orders` (the shopper's orders, live) and `/orders/:id` (one order with its timeline).
//!
//! The server renders each page with its data; the list and the order are lazy islands that
//! take that data as props and keep it current. Live events are applied in place: a new order
//! is fetched and put at the top, a status change flips the badge of its row. An event whose
//! `order_version` was already applied is ignored, so duplicates (at-least-once delivery) and
//! resyncs are harmless.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::orders::{get_order, list_orders, order_counts, ChangeStatus, OrdersPage as OrdersData};
use crate::components::{format_time, EmptyState, ErrorNotice, LiveHeading, Skeleton, StatusBadge, SuccessNotice};
use crate::error::AppError;
use crate::pages::ToLogin;
use crate::state::live::{ConnectionIndicator, Live, LiveMsg};
use crate::state::toast::{use_toasts, Tone};
use crate::CurrentUser;
use domain::event::VersionTracker;
use domain::views::{OrderDetail, OrderSummary};
use domain::{format_cents, Actor, EventType, OrderStatus};

/// One row of a live order list: the status and version can change in place.
#[derive(Clone)]
pub struct OrderRow {
    pub order: OrderSummary,
    pub status: RwSignal<OrderStatus>,
    pub version: RwSignal<i64>,
}

impl OrderRow {
    pub fn new(order: OrderSummary) -> Self {
        OrderRow { status: RwSignal::new(order.status), version: RwSignal::new(order.version), order }
    }
}

/// A list of orders kept current by live events. Used by `/orders` and by the staff feed.
#[derive(Clone, Copy)]
pub struct LiveOrders {
    pub rows: RwSignal<Vec<OrderRow>>,
    seen: StoredValue<VersionTracker>,
}

impl LiveOrders {
    pub fn new() -> Self {
        LiveOrders { rows: RwSignal::new(vec![]), seen: StoredValue::new(VersionTracker::default()) }
    }

    /// Shows `orders` (a first load or a refetch after a resync). An order already shown keeps
    /// its row, updated: `For` keeps the view of a key it already shows, bound to that row's
    /// signals, so a new row for it would take every later status change where no view reads
    /// it (the card stayed "Pending" after a reconnect while its toast said "Processing").
    pub fn replace(&self, orders: Vec<OrderSummary>) {
        self.seen.update_value(|t| orders.iter().for_each(|o| t.observe(&o.id, o.version)));
        let shown = self.rows.get_untracked();
        let rows = orders
            .into_iter()
            .map(|order| match shown.iter().find(|r| r.order.id == order.id) {
                Some(row) => {
                    // A refetch can be older than an event already applied: keep the newer.
                    if order.version > row.version.get_untracked() {
                        row.status.set(order.status);
                        row.version.set(order.version);
                    }
                    row.clone()
                }
                None => OrderRow::new(order),
            })
            .collect();
        self.rows.set(rows);
    }

    /// Applies a status change in place. Returns false if the event is old or the order unknown.
    pub fn apply_status(&self, order_id: &str, status: OrderStatus, version: i64) -> bool {
        let fresh = self.seen.try_update_value(|t| t.accept(order_id, version)).unwrap_or(false);
        if !fresh {
            return false;
        }
        self.rows.with_untracked(|rows| match rows.iter().find(|r| r.order.id == order_id) {
            Some(r) => {
                r.status.set(status);
                r.version.set(version);
                true
            }
            None => false,
        })
    }

    pub fn insert_top(&self, order: OrderSummary) {
        self.seen.update_value(|t| t.observe(&order.id, order.version));
        self.rows.update(|rows| {
            if !rows.iter().any(|r| r.order.id == order.id) {
                rows.insert(0, OrderRow::new(order));
            }
        });
    }

    pub fn contains(&self, order_id: &str) -> bool {
        self.rows.with_untracked(|rows| rows.iter().any(|r| r.order.id == order_id))
    }
}

impl Default for LiveOrders {
    fn default() -> Self {
        Self::new()
    }
}

/// Subscribes `list` to live events. `staff` is the staff view; `filter` the status shown.
pub fn follow_live(list: LiveOrders, filter: Option<OrderStatus>, refetch: impl Fn() + 'static, staff: bool) {
    let live = Live::get();
    let toasts = use_toasts();
    live.listen(move |msg| match msg {
        LiveMsg::Resync => refetch(),
        LiveMsg::Event(e) => {
            let short = short_id(&e.order_id);
            match e.kind {
                EventType::OrderCreated => {
                    if list.contains(&e.order_id) {
                        return;
                    }
                    let wanted = filter.is_none_or(|f| f == e.status);
                    let toast = if staff {
                        format!("New order {short}: {}", format_cents(e.total_cents))
                    } else {
                        format!("Order {short} placed: {}", format_cents(e.total_cents))
                    };
                    toasts.push(Tone::Success, toast);
                    if wanted {
                        let id = e.order_id.clone();
                        leptos::task::spawn_local(async move {
                            if let Ok(detail) = get_order(id).await {
                                list.insert_top(detail.order);
                            }
                        });
                    }
                }
                EventType::OrderStatusChanged => {
                    if list.apply_status(&e.order_id, e.status, e.order_version) {
                        toasts.push(Tone::Info, format!("Order {short} is now {}.", e.status.label()));
                    }
                }
            }
        }
    });
}

/// The last six characters of an order id, by character: an event read from the topic may
/// carry any text, and slicing by byte would panic in the browser on a multi-byte character.
pub fn short_id(id: &str) -> String {
    let tail: Vec<char> = id.chars().rev().take(6).collect();
    format!("#{}", tail.into_iter().rev().collect::<String>())
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    view! {
        <Title text="Your orders" />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => view! { <Orders /> }.into_any(),
                    _ => view! { <ToLogin /> }.into_any(),
                }
            })}
        </Suspense>
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
fn LiveOrderList(data: OrdersData, status: String) -> impl IntoView {
    crate::state::page::scoped();
    let OrdersData { orders, page, pages, counts } = data;
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

/// One order in a list; staff get the allowed next statuses as buttons.
#[component]
pub fn OrderCard(row: OrderRow, staff: bool) -> impl IntoView {
    let OrderRow { order, status, version } = row;
    let id = order.id.clone();
    view! {
        <li data-testid="order-card" data-order-id=order.id.clone() class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <div>
                    <a href=format!("/orders/{}", order.id) class="font-semibold hover:underline">{format!("Order {}", short_id(&order.id))}</a>
                    <p class="text-xs text-slate-500">
                        {format_time(order.created_at_ms)}
                        {staff.then(|| format!(" · {}", order.customer))}
                    </p>
                </div>
                <div class="flex items-center gap-3">
                    <StatusBadge status=status />
                    <span class="font-semibold" data-testid="order-total">{format_cents(order.total_cents)}</span>
                </div>
            </div>
            <ul class="mt-3 space-y-1 text-sm text-slate-600 dark:text-slate-300">
                {order.items.iter().map(|i| view! {
                    <li class="flex justify-between">
                        <span>{format!("{} × {}", i.product_name, i.quantity)}</span>
                        <span>{format_cents(i.line_total_cents)}</span>
                    </li>
                }).collect_view()}
            </ul>
            {staff.then(|| view! { <StatusButtons order_id=id.clone() status=status version=version actor=Actor::Staff /> })}
        </li>
    }
}

/// Buttons for the transitions `actor` may make; each is a form that also works without WASM.
#[component]
pub fn StatusButtons(order_id: String, status: RwSignal<OrderStatus>, version: RwSignal<i64>, actor: Actor) -> impl IntoView {
    let action = ServerAction::<ChangeStatus>::new();
    let toasts = use_toasts();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(s)) => {
            status.set(s.status);
            version.set(s.version);
        }
        Some(Err(e)) => toasts.push(Tone::Error, e.to_string()),
        None => {}
    });
    view! {
        <div class="mt-4 flex flex-wrap gap-2">
            {move || {
                let id = order_id.clone();
                status.get().next_for(actor).into_iter().map(|to| {
                    let id = id.clone();
                    let label = if to == OrderStatus::Cancelled { "Cancel order".to_owned() } else { format!("Mark {}", to.label().to_lowercase()) };
                    let tone = if to == OrderStatus::Cancelled {
                        "rounded-lg px-3 py-1.5 text-sm font-medium text-rose-700 ring-1 ring-rose-200 hover:bg-rose-50 disabled:opacity-50 dark:text-rose-300 dark:ring-rose-900 dark:hover:bg-rose-950"
                    } else {
                        "rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50 dark:bg-white dark:text-slate-900 dark:hover:bg-slate-200"
                    };
                    view! {
                        <ActionForm action=action>
                            <input type="hidden" name="id" value=id.clone() />
                            <input type="hidden" name="status" value=to.as_str() />
                            <input type="hidden" name="version" value=move || version.get().to_string() prop:value=move || version.get().to_string() />
                            <button type="submit" class=tone disabled=move || action.pending().get() aria-label=format!("{label}, order {}", short_id(&id))>
                                {label.clone()}
                            </button>
                        </ActionForm>
                    }
                }).collect_view()
            }}
        </div>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    view! {
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) => view! { <OrderDetailView staff=u.is_staff /> }.into_any(),
                    _ => view! { <ToLogin /> }.into_any(),
                }
            })}
        </Suspense>
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
/// Not lazy: in its own WASM chunk (`wasm-split`), the first status event after hydration
/// trapped with an indirect call to a null function (then "RefCell already borrowed"), the
/// splitter's known brittleness (leptos-rs/leptos#4347). In the main module it costs the
/// catalog's first load 71.7 KB of brotli WASM (BENCHMARKS.md, P5).
#[island]
fn LiveOrder(detail: OrderDetail, staff: bool, placed: bool) -> impl IntoView {
    crate::state::page::scoped();
    let id = detail.order.id.clone();
    let detail = RwSignal::new(detail);
    Live::get().listen(move |msg| {
        let refetch = match msg {
            LiveMsg::Resync => true,
            LiveMsg::Event(e) => e.order_id == id,
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

#[cfg(test)]
mod tests {
    #[test]
    fn short_ids_never_split_a_character() {
        assert_eq!(super::short_id("01JABCDEFGHJKMNPQRSTVWXYZ0"), "#VWXYZ0");
        assert_eq!(super::short_id("ab"), "#ab");
        assert_eq!(super::short_id("ордер-ключ-ü€"), "#люч-ü€");
    }
}
