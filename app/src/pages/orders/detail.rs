//! `/orders/:id`: one order, its items, shipping details and timeline, kept current live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{short_id, StatusButtons};
use crate::api::forms::take_flash;
use crate::api::orders::{get_order, get_order_summary, order_timeline, AddOrderNote};
use crate::components::{format_time, EmptyState, ErrorNotice, Skeleton, StatusBadge, SuccessNotice};
use crate::error::AppError;
use crate::pages::{RequireUser, ToLogin};
use crate::state::live::{ConnectionIndicator, Live, LiveMsg};
use crate::state::toast::{use_toasts, Tone};
use domain::timeline::{EntryKind, TimelineEntry, NOTE_MAX};
use domain::validation::Shipping;
use domain::views::{OrderDetail, OrderSummary};
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
    // A plain form (no WASM) that failed came back here with its error.
    let flash = OnceResource::new(async { Ok::<_, AppError>((take_flash("order".into()).await?, take_flash("note".into()).await?)) });
    view! {
        <Title text="Order" />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                let failed = flash.await.ok().and_then(|(order, note)| order.or(note)).and_then(|f| f.error).map(|e| view! { <ErrorNotice message=e.to_string() /> });
                match detail.await {
                    Ok(OrderDetail { order, shipping, timeline }) => {
                        let (id, note_id) = (order.id.clone(), order.id.clone());
                        let note = staff.then(|| view! { <NoteForm order_id=note_id /> });
                        view! {
                            {failed}
                            <LiveOrder order shipping staff placed>
                                <LiveTimeline order_id=id timeline staff />
                            </LiveOrder>
                            {note}
                        }
                        .into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <ToLogin /> }.into_any(),
                    Err(AppError::NotFound) => view! { <EmptyState title="Order not found" body="There is no such order in your account." href="/orders" cta="Your orders" /> }.into_any(),
                    Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One order, its items and shipping details; its status follows the order's events (a resync
/// refetches it). `placed`: just ordered, so say thank you. `children`: the timeline island,
/// rendered on the server into the side column.
///
/// Not lazy: split into its own WASM chunk it trapped at the first status event after hydration
/// (the splitter's brittleness, leptos-rs/leptos#4347), so it lives in the main module and
/// counts towards every page's first load (P5). The timeline, whose entries take more code to
/// decode, is a lazy island of its own.
#[island]
fn LiveOrder(order: OrderSummary, shipping: Shipping, staff: bool, placed: bool, children: Children) -> impl IntoView {
    crate::state::page::scoped();
    let status = RwSignal::new(order.status);
    let version = RwSignal::new(order.version);
    let id = order.id.clone();
    Live::get().listen(move |msg| match msg {
        LiveMsg::Event(e) if e.order_id == id && e.changes_order() => {
            // Events may arrive twice or out of order: only a newer version moves the page.
            if e.order_version > version.get_untracked() {
                status.set(e.status);
                version.set(e.order_version);
            }
        }
        LiveMsg::Resync => {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                if let Ok(o) = get_order_summary(id).await {
                    if o.version >= version.get_untracked() {
                        status.set(o.status);
                        version.set(o.version);
                    }
                }
            });
        }
        _ => {}
    });
    let actor = if staff { Actor::Staff } else { Actor::Owner };
    let s = shipping;
    view! {
        {placed.then(|| view! {
            <SuccessNotice testid="order-confirmation">
                "Thank you! Your order is placed. This page updates live as it moves along."
            </SuccessNotice>
        })}
        <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold tracking-tight">{format!("Order {}", short_id(&order.id))}</h1>
            <div class="flex items-center gap-3"><ConnectionIndicator user=None quiet=true /><StatusBadge status=status /></div>
        </div>
        <div class="grid gap-6 lg:grid-cols-[1fr_18rem]">
            <section class="rounded-2xl border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900" aria-label="Items">
                <table class="w-full text-sm">
                    <thead class="text-left text-slate-500"><tr><th class="pb-2 font-medium">"Item"</th><th class="pb-2 text-right font-medium">"Qty"</th><th class="pb-2 text-right font-medium">"Price"</th><th class="pb-2 text-right font-medium">"Total"</th></tr></thead>
                    <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                        {order.items.iter().map(|i| view! {
                            <tr><td class="py-2">{i.product_name.clone()}</td><td class="py-2 text-right">{i.quantity}</td><td class="py-2 text-right">{format_cents(i.unit_price_cents)}</td><td class="py-2 text-right">{format_cents(i.line_total_cents)}</td></tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr><td colspan="3" class="pt-3 font-semibold">"Total"</td><td class="pt-3 text-right font-semibold" data-testid="order-total">{format_cents(order.total_cents)}</td></tr></tfoot>
                </table>
                <StatusButtons order_id=order.id.clone() status=status version=version actor=actor />
            </section>
            <aside class="space-y-6">
                <section class="rounded-2xl border border-slate-200 bg-white p-5 text-sm dark:border-slate-800 dark:bg-slate-900" aria-label="Shipping">
                    <h2 class="mb-2 font-semibold">"Ship to"</h2>
                    <address class="not-italic text-slate-600 dark:text-slate-300">
                        {format!("{} {}", s.first_name, s.last_name)}<br />{s.address.clone()}<br />{format!("{}, {} {}", s.city, s.state, s.zip)}<br />{s.email.clone()}
                    </address>
                </section>
                {children()}
            </aside>
        </div>
    }
}

/// The order's timeline, refetched whenever an event for the order arrives (a note included)
/// or the connection resyncs.
#[island(lazy)]
fn LiveTimeline(order_id: String, timeline: Vec<TimelineEntry>, staff: bool) -> impl IntoView {
    crate::state::page::scoped();
    let entries = RwSignal::new(timeline);
    // Two quick events start two refetches; only the answer to the latest is shown.
    let asked = StoredValue::new(0u64);
    let id = order_id;
    Live::get().listen(move |msg| {
        let refetch = match msg {
            LiveMsg::Resync => true,
            LiveMsg::Event(e) => e.order_id == id,
            LiveMsg::Catalog { .. } | LiveMsg::Notification { .. } => false,
        };
        if refetch {
            let id = id.clone();
            let mine = asked.get_value() + 1;
            asked.set_value(mine);
            leptos::task::spawn_local(async move {
                if let Ok(t) = order_timeline(id).await {
                    if asked.get_value() == mine {
                        entries.set(t);
                    }
                }
            });
        }
    });
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 text-sm dark:border-slate-800 dark:bg-slate-900" aria-label="Timeline">
            <h2 class="mb-3 font-semibold">"Timeline"</h2>
            <ol class="space-y-3 border-l border-slate-200 pl-4 dark:border-slate-700" data-testid="timeline">
                {move || entries.get().into_iter().map(|e| view! { <Entry entry=e staff /> }).collect_view()}
            </ol>
        </section>
    }
}

/// One line of the timeline: what happened, who did it (and why), when; for staff also the
/// event behind it and where it sits in the log.
#[component]
fn Entry(entry: TimelineEntry, staff: bool) -> impl IntoView {
    let note = entry.kind == EntryKind::Note;
    let headline = entry.headline(staff);
    let (reason, body) = match (note, entry.text.clone()) {
        (false, Some(r)) => (Some(format!(" — {r}")), None),
        (true, body) => (None, body),
        (false, None) => (None, None),
    };
    let log = entry.log.filter(|_| staff).map(|l| match (l.partition, l.offset) {
        (Some(p), Some(o)) => format!("event {} · partition {p} · offset {o}", l.event_id),
        _ => format!("event {} · not on the log yet", l.event_id),
    });
    let dot = if note { "bg-amber-400" } else { "bg-indigo-500" };
    view! {
        <li class="relative" data-testid="timeline-entry" data-note=note.then_some("true")>
            <span class=format!("absolute -left-[21px] top-1 h-2.5 w-2.5 rounded-full {dot}") aria-hidden="true"></span>
            <p class="font-medium">{headline}<span class="font-normal text-slate-600 dark:text-slate-300">{reason}</span></p>
            {body.map(|b| view! { <p class="mt-1 whitespace-pre-line rounded-lg bg-amber-50 p-2 text-slate-700 dark:bg-amber-950 dark:text-amber-100">{b}</p> })}
            <p class="text-xs text-slate-500">{format_time(entry.at_ms)}</p>
            {log.map(|l| view! { <p class="break-all font-mono text-[11px] text-slate-500 dark:text-slate-400" data-testid="log-position">{l}</p> })}
        </li>
    }
}

/// Staff only: an internal note on the order; a plain form that also works without WASM. The
/// note arrives in the timeline with its event, like every other change. Its own lazy island:
/// shoppers' order pages never load its code.
#[island(lazy)]
fn NoteForm(order_id: String) -> impl IntoView {
    let action = ServerAction::<AddOrderNote>::new();
    let toasts = use_toasts();
    let body = RwSignal::new(String::new());
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => body.set(String::new()),
        Some(Err(e)) => toasts.push(Tone::Error, e.to_string()),
        None => {}
    });
    view! {
        <ActionForm action=action attr:class="mt-6 space-y-2 rounded-2xl border border-slate-200 bg-white p-5 text-sm dark:border-slate-800 dark:bg-slate-900">
            <input type="hidden" name="id" value=order_id />
            <label for="order-note" class="block text-xs font-medium text-slate-600 dark:text-slate-300">"Internal note (staff only)"</label>
            <textarea id="order-note" name="body" rows="2" required maxlength=NOTE_MAX bind:value=body
                class="w-full rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950"></textarea>
            <button type="submit" disabled=move || action.pending().get()
                class="rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50 dark:bg-white dark:text-slate-900 dark:hover:bg-slate-200">
                "Add note"
            </button>
        </ActionForm>
    }
}
