//! One order in a list, and the status buttons (plain forms that also work without WASM) for
//! the transitions its viewer may make.

use leptos::prelude::*;

use super::{short_id, OrderRow};
use crate::api::orders::ChangeStatus;
use crate::components::{format_time, StatusBadge};
use crate::state::toast::{use_toasts, Tone};
use domain::timeline::REASON_MAX;
use domain::{format_cents, Actor, OrderStatus};

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
                    let cancel = to == OrderStatus::Cancelled;
                    let label = if cancel { "Cancel order".to_owned() } else { format!("Mark {}", to.label().to_lowercase()) };
                    let tone = if cancel {
                        "rounded-lg px-3 py-1.5 text-sm font-medium text-rose-700 ring-1 ring-rose-200 hover:bg-rose-50 disabled:opacity-50 dark:text-rose-300 dark:ring-rose-900 dark:hover:bg-rose-950"
                    } else {
                        "rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50 dark:bg-white dark:text-slate-900 dark:hover:bg-slate-200"
                    };
                    // Staff must say why they cancel (the shopper reads it); a shopper may.
                    let reason = cancel.then(|| {
                        let staff = actor == Actor::Staff;
                        let name = if staff { "Reason for cancelling (shown to the shopper)" } else { "Reason for cancelling (optional)" };
                        view! {
                            <input type="text" name="reason" maxlength=REASON_MAX required=staff placeholder=if staff { "Reason (shown to the shopper)" } else { "Reason (optional)" }
                                aria-label=format!("{name}, order {}", short_id(&id))
                                class="w-56 rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950" />
                        }
                    });
                    view! {
                        <ActionForm action=action attr:class="flex flex-wrap items-center gap-2">
                            <input type="hidden" name="id" value=id.clone() />
                            <input type="hidden" name="status" value=to.as_str() />
                            <input type="hidden" name="version" value=move || version.get().to_string() prop:value=move || version.get().to_string() />
                            {reason}
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
