//! `/notifications`: the signed-in shopper's newest notifications (an order shipped, a product
//! they asked about is back), newest first, new ones arriving live at the top; mark one or all
//! read. The forms work without WASM too.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::notifications::{list_notifications, MarkNotificationsRead};
use crate::components::{EmptyState, ErrorNotice, LiveHeading, Skeleton};
use crate::error::AppError;
use crate::pages::{RequireUser, ToLogin};
use crate::state::inbox::Inbox;
use crate::state::live::{Live, LiveMsg};
use crate::state::toast::{use_toasts, Tone};
use domain::notification::{NotificationKind, NotificationView};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text="Notifications" />
        <RequireUser let:_shopper>
            <Notifications />
        </RequireUser>
    }
}

#[component]
fn Notifications() -> impl IntoView {
    let list = OnceResource::new(list_notifications());
    view! {
        <LiveHeading title="Notifications" />
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok((items, _)) => view! { <NotificationList items /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <ToLogin /> }.into_any(),
                    Err(e) => view! { <ErrorNotice message=e.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The list, kept current: a notification written while the page is open comes in at the top.
#[island(lazy)]
fn NotificationList(items: Vec<NotificationView>) -> impl IntoView {
    crate::state::page::scoped();
    let items = RwSignal::new(items);
    let inbox = Inbox::get();
    let toasts = use_toasts();
    Live::get().listen(move |msg| match msg {
        LiveMsg::Notification { notification, .. } => items.update(|list| {
            if !list.iter().any(|n| n.id == notification.id) {
                list.insert(0, notification.clone());
            }
        }),
        LiveMsg::Resync => leptos::task::spawn_local(async move {
            if let Ok((fresh, unread)) = list_notifications().await {
                items.set(fresh);
                inbox.unread.set(unread);
            }
        }),
        _ => {}
    });
    let mark = ServerAction::<MarkNotificationsRead>::new();
    Effect::new(move |_| match mark.value().get() {
        Some(Ok((which, unread))) => {
            items.update(|list| list.iter_mut().filter(|n| which.as_ref().is_none_or(|id| *id == n.id)).for_each(|n| n.read = true));
            inbox.unread.set(unread);
        }
        Some(Err(e)) => toasts.push(Tone::Error, e.to_string()),
        None => {}
    });
    let any_unread = move || items.with(|list| list.iter().any(|n| !n.read));
    view! {
        <div class="mb-4 flex justify-end" class:invisible=move || !any_unread()>
            <ActionForm action=mark>
                <button
                    type="submit"
                    disabled=move || mark.pending().get() || !any_unread()
                    class="rounded-lg px-3 py-1.5 text-sm font-medium text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-50 disabled:opacity-50 dark:text-indigo-300 dark:ring-indigo-900 dark:hover:bg-indigo-950"
                >
                    "Mark all as read"
                </button>
            </ActionForm>
        </div>
        <Show
            when=move || items.with(|list| !list.is_empty())
            fallback=|| view! { <EmptyState title="Nothing yet" body="When an order of yours moves on, or a product you asked about is back, you will find it here." href="/products" cta="Browse products" /> }
        >
            <ul data-testid="notification-list" class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                <For each=move || items.get() key=|n| (n.id.clone(), n.read) let:n>
                    <Row n mark />
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn Row(n: NotificationView, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let NotificationView { id, kind, title, link, created_at, read } = n;
    let icon = match kind {
        NotificationKind::OrderStatus => "M3 7h13v10H3zM16 10h4l1 3v4h-5M7 20a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM18 20a2 2 0 1 0 0-4 2 2 0 0 0 0 4z",
        NotificationKind::BackInStock => "M4 7l8-4 8 4v10l-8 4-8-4zM4 7l8 4 8-4M12 11v10",
    };
    // The date as written (UTC, to the minute): the same on the server and in the browser.
    let when = created_at.get(..16).unwrap_or(&created_at).replace('T', " ");
    view! {
        <li data-testid="notification" data-read=read.to_string() class=if read { "flex items-start gap-3 p-4" } else { "flex items-start gap-3 bg-indigo-50/60 p-4 dark:bg-indigo-950/40" }>
            <svg class="mt-0.5 h-5 w-5 shrink-0 text-indigo-600 dark:text-indigo-400" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" aria-hidden="true">
                <path d=icon />
            </svg>
            <div class="min-w-0 flex-1">
                <a href=link class="font-medium hover:underline">
                    {(!read).then(|| view! { <span class="sr-only">"Unread: "</span> })}
                    {title.clone()}
                </a>
                <p class="mt-0.5 text-xs text-slate-500 dark:text-slate-400"><time datetime=created_at.clone()>{when}" UTC"</time></p>
            </div>
            {(!read).then(|| view! {
                <ActionForm action=mark>
                    <input type="hidden" name="id" value=id.clone() />
                    <button
                        type="submit"
                        aria-label=format!("Mark as read: {title}")
                        class="whitespace-nowrap rounded-lg px-2.5 py-1 text-xs font-medium text-slate-600 ring-1 ring-slate-200 hover:bg-slate-50 dark:text-slate-300 dark:ring-slate-700 dark:hover:bg-slate-800"
                    >
                        "Mark as read"
                    </button>
                </ActionForm>
            })}
        </li>
    }
}
