//! `/staff/webhooks`: other systems hear the shop's events. Staff register a URL and the events
//! it wants; the page shows each webhook with its signing secret and counts, the newest
//! deliveries with their last result, and the dead letters, which can be sent again. Plain
//! forms rendered on the server (`api/webhooks.rs`), so it all works without WASM.

use std::collections::BTreeMap;

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::webhooks::{staff_webhooks, RegisterWebhook, RemoveWebhook, RetryWebhookDeliveries, SetWebhookActive};
use crate::components::{ErrorNotice, Field, Skeleton, SuccessNotice};
use crate::pages::form_state::{FormMessages, FormState};
use crate::pages::StaffOnly;
use domain::webhook::{DeliveryState, DeliveryView, WebhookPage, WebhookView, MAX_ATTEMPTS};

const SECTION: &str = "rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const PRIMARY: &str = "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500";
const SECONDARY: &str = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub fn StaffWebhooksPage() -> impl IntoView {
    view! { <StaffOnly title="Webhooks · Staff"><Webhooks /></StaffOnly> }
}

#[component]
fn Webhooks() -> impl IntoView {
    let page = OnceResource::new(staff_webhooks());
    let query = use_query_map().read_untracked().clone();
    let saved = query.get("saved").map(|what| match what.as_str() {
        "registered" => "The webhook is registered: events from now on are sent to it.".to_owned(),
        "paused" => "The webhook is paused: it gets no new events until it is resumed.".to_owned(),
        "resumed" => "The webhook is active again.".to_owned(),
        "removed" => "The webhook and its deliveries were removed.".to_owned(),
        "retried" => match query.get("n").as_deref() {
            Some("1") => "One dead letter is being sent again.".to_owned(),
            Some(n) => format!("{n} dead letters are being sent again."),
            None => "The dead letters are being sent again.".to_owned(),
        },
        _ => "Saved.".to_owned(),
    });
    let action = FormState::new("webhook_action", BTreeMap::new());
    view! {
        <div class="mb-6">
            <p class="text-sm font-medium text-indigo-600 dark:text-indigo-400"><a href="/staff" class="hover:underline">"Staff"</a></p>
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"Webhooks"</h1>
                <a href="/staff/webhooks" class=SECONDARY>"Refresh"</a>
            </div>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">
                "Other systems hear every order and catalog event: each is POSTed as JSON, signed, and retried until it is taken."
            </p>
        </div>
        {saved.map(|said| view! { <SuccessNotice testid="saved-notice">{said}</SuccessNotice> })}
        <FormMessages form=action />
        <Suspense fallback=|| view! { <Skeleton rows=4 /> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => Either::Left(view! { <Content page=p /> }),
                    Err(e) => Either::Right(view! { <ErrorNotice message=e.to_string() /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Content(page: WebhookPage) -> impl IntoView {
    let WebhookPage { webhooks, recent, dead, private_targets } = page;
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <section class=SECTION aria-labelledby="hooks-heading">
                    <h2 id="hooks-heading" class="mb-4 text-lg font-semibold">"Registered"</h2>
                    {if webhooks.is_empty() {
                        Either::Left(view! { <p class="text-sm text-slate-500 dark:text-slate-400">"No webhooks yet. Register one to send the shop's events to another system."</p> })
                    } else {
                        Either::Right(view! { <ul class="space-y-4" data-testid="webhooks">{webhooks.into_iter().map(|h| view! { <Hook hook=h /> }).collect_view()}</ul> })
                    }}
                </section>
                {(!dead.is_empty()).then(|| view! {
                    <section class=SECTION aria-labelledby="dead-heading">
                        <h2 id="dead-heading" class="text-lg font-semibold">"Dead letters"</h2>
                        <p class="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">
                            {format!("Every one of {MAX_ATTEMPTS} attempts failed. Fix the receiver, then send them again.")}
                        </p>
                        <Deliveries rows=dead caption="Dead letters" retry=true />
                    </section>
                })}
                <section class=SECTION aria-labelledby="recent-heading">
                    <h2 id="recent-heading" class="mb-4 text-lg font-semibold">"Recent deliveries"</h2>
                    {if recent.is_empty() {
                        Either::Left(view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Nothing sent yet."</p> })
                    } else {
                        Either::Right(view! { <Deliveries rows=recent caption="Recent deliveries, newest first" retry=false /> })
                    }}
                </section>
            </div>
            <div class="space-y-6">
                <Register private_targets />
                <Verify />
            </div>
        </div>
    }
}

#[component]
fn Register(private_targets: bool) -> impl IntoView {
    let form = FormState::new("webhook", BTreeMap::from([("events".to_owned(), "order.*".to_owned())]));
    view! {
        <section class=SECTION aria-labelledby="register-heading">
            <h2 id="register-heading" class="mb-4 text-lg font-semibold">"Register a webhook"</h2>
            <FormMessages form />
            <form method="post" action=RegisterWebhook::url() class="space-y-4" aria-label="Register a webhook">
                <Field name="url" label="URL" kind="url" value=form.value("url") error=form.error("url") />
                <Field name="events" label="Events" value=form.value("events") error=form.error("events") />
                <p class="text-xs text-slate-500 dark:text-slate-400">
                    "* for all; order.* or product.*; or exact types such as order.status_changed, product.stock_changed."
                </p>
                <Field name="description" label="What it is for (optional)" value=form.value("description") error=form.error("description") />
                <p class="text-xs text-slate-500 dark:text-slate-400">
                    {if private_targets {
                        "Development: addresses on this machine and private networks are allowed."
                    } else {
                        "Only public addresses are reached; redirects are not followed."
                    }}
                </p>
                <button type="submit" class=PRIMARY>"Register"</button>
            </form>
        </section>
    }
}

#[component]
fn Hook(hook: WebhookView) -> impl IntoView {
    let WebhookView { id, url, events, description, active, secret, created_at, delivered, pending, dead } = hook;
    let (badge, badge_class) = if active {
        ("Active", "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200")
    } else {
        ("Paused", "rounded-full bg-slate-200 px-2 py-0.5 text-xs font-semibold text-slate-700 dark:bg-slate-700 dark:text-slate-200")
    };
    view! {
        <li class="rounded-xl border border-slate-200 p-4 dark:border-slate-800" data-testid="webhook" data-webhook-id=id.clone()>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0">
                    <p class="break-all font-mono text-sm font-semibold">{url.clone()}</p>
                    {(!description.is_empty()).then(|| view! { <p class="mt-0.5 text-sm text-slate-600 dark:text-slate-300">{description}</p> })}
                    <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{format!("Events: {events} · since {}", short_time(&created_at))}</p>
                </div>
                <span class=badge_class>{badge}</span>
            </div>
            <p class="mt-3 text-sm tabular-nums" data-testid="webhook-counts">
                {format!("{delivered} delivered · {pending} waiting · {dead} dead")}
            </p>
            <details class="mt-2 text-sm">
                <summary class="cursor-pointer font-medium text-indigo-600 dark:text-indigo-400">"Signing secret"</summary>
                <code class="mt-1 block break-all rounded bg-slate-100 p-2 text-xs dark:bg-slate-800" data-testid="webhook-secret">{secret}</code>
            </details>
            <div class="mt-3 flex flex-wrap gap-2">
                <form method="post" action=SetWebhookActive::url()>
                    <input type="hidden" name="id" value=id.clone() />
                    <input type="hidden" name="active" value=if active { "false" } else { "true" } />
                    <button type="submit" class=SECONDARY aria-label=format!("{} {url}", if active { "Pause" } else { "Resume" })>
                        {if active { "Pause" } else { "Resume" }}
                    </button>
                </form>
                {(dead > 0).then(|| view! {
                    <form method="post" action=RetryWebhookDeliveries::url()>
                        <input type="hidden" name="webhook" value=id.clone() />
                        <button type="submit" class=SECONDARY>{format!("Send {dead} dead again")}</button>
                    </form>
                })}
                <form method="post" action=RemoveWebhook::url()>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit" class="rounded-lg border border-rose-300 px-3 py-1.5 text-sm font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-900 dark:text-rose-300 dark:hover:bg-rose-950" aria-label=format!("Remove {url}")>
                        "Remove"
                    </button>
                </form>
            </div>
        </li>
    }
}

#[component]
fn Deliveries(rows: Vec<DeliveryView>, caption: &'static str, retry: bool) -> impl IntoView {
    view! {
        <div class="overflow-x-auto">
            <table class="w-full min-w-[36rem] text-left text-sm" data-testid=if retry { "dead-letters" } else { "deliveries" }>
                <caption class="sr-only">{caption}</caption>
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="py-2 px-2">"Created"</th>
                        <th scope="col" class="py-2 px-2">"Event"</th>
                        <th scope="col" class="py-2 px-2">"Webhook"</th>
                        <th scope="col" class="py-2 px-2">"State"</th>
                        <th scope="col" class="py-2 px-2 text-right">"Attempts"</th>
                        <th scope="col" class="py-2 px-2">"Last result"</th>
                        {retry.then(|| view! { <th scope="col" class="py-2"><span class="sr-only">"Send again"</span></th> })}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {rows.into_iter().map(|d| view! { <Delivery d retry /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Delivery(d: DeliveryView, retry: bool) -> impl IntoView {
    let (label, class) = match d.state {
        DeliveryState::Delivered => ("Delivered", "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200"),
        DeliveryState::Pending if d.attempts == 0 => ("Sending", "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-sky-200"),
        DeliveryState::Pending => ("Retrying", "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200"),
        DeliveryState::Dead => ("Dead", "bg-rose-50 text-rose-800 dark:bg-rose-950 dark:text-rose-200"),
    };
    let when = match (&d.delivered_at, &d.next_attempt_at) {
        (Some(at), _) => format!(" · delivered {}", short_time(at)),
        (None, Some(next)) if d.attempts > 0 => format!(" · next try {}", short_time(next)),
        _ => String::new(),
    };
    let event_id = d.event_id.clone();
    view! {
        <tr data-testid="delivery" data-state=d.state.as_str() data-event-id=event_id>
            <td class="whitespace-nowrap py-2 px-2 tabular-nums text-slate-500 dark:text-slate-400">{short_time(&d.created_at)}</td>
            <td class="py-2 px-2">
                <span class="font-medium">{d.event_type}</span>
                <span class="block font-mono text-xs text-slate-500 dark:text-slate-400">{d.event_id}</span>
            </td>
            <td class="break-all py-2 px-2 font-mono text-xs" title=d.url.clone()>{d.url.clone()}</td>
            <td class="py-2 px-2"><span class=format!("rounded-full px-2 py-0.5 text-xs font-semibold {class}")>{label}</span></td>
            <td class="py-2 px-2 text-right tabular-nums">{d.attempts}</td>
            <td class="py-2 px-2 text-xs">{d.last_result.unwrap_or_else(|| "—".into())}{when}</td>
            {retry.then(|| view! {
                <td class="py-2">
                    <form method="post" action=RetryWebhookDeliveries::url()>
                        <input type="hidden" name="delivery" value=d.id.clone() />
                        <button type="submit" class=SECONDARY aria-label=format!("Send {} again to {}", d.id, d.url)>"Send again"</button>
                    </form>
                </td>
            })}
        </tr>
    }
}

/// How a receiver checks that a request came from this shop.
#[component]
fn Verify() -> impl IntoView {
    view! {
        <section class=SECTION aria-labelledby="verify-heading">
            <h2 id="verify-heading" class="text-lg font-semibold">"Checking a request"</h2>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">
                "Compute HMAC-SHA256, under the webhook's signing secret, of the X-Shop-Timestamp header, a dot and the raw body; compare its hex, in constant time, with X-Shop-Signature after sha256=. Refuse a timestamp more than five minutes old."
            </p>
            <p class="mt-3 text-sm text-slate-500 dark:text-slate-400">
                "X-Shop-Delivery names the delivery and X-Shop-Event-Id the event: a receiver that sees one twice (a retry after a lost answer) can ignore it. Events of one order carry its version: apply the highest."
            </p>
            <p class="mt-3 text-sm text-slate-500 dark:text-slate-400">
                "A failed attempt is tried again after 1 s, 5 s, 30 s, 2 min and 10 min; then it is a dead letter."
            </p>
        </section>
    }
}

/// `2026-12-07T02:40:01.123Z` as `2026-12-07 02:40:01 UTC`.
fn short_time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(head) => format!("{} UTC", head.replacen('T', " ", 1)),
        None => rfc3339.to_owned(),
    }
}
