//! `/staff/events`: the event browser. Staff read the topic the shop writes (orders, catalog,
//! notifications): all partitions or one, from the earliest record, the latest, an offset or a
//! time, filtered by type and order (or product); pages back and forward; each row opens the
//! record's JSON. At the head of the log new records arrive at the top as they are produced.
//! The filters are a plain GET form and the pages plain links, so it all works without WASM.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::events::{browse_events, rebuild_figures};
use crate::components::{format_time, ErrorNotice, Skeleton};
use crate::pages::StaffOnly;
use crate::state::live::{ConnectionIndicator, Live, LiveMsg};
use domain::format_cents;
use domain::log_view::{positions_to_text, LogPage, LogRow, PartitionHealth, Rebuild};

const INPUT: &str = "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-900";
const FIELDS: [&str; 5] = ["partition", "start", "at", "kind", "subject"];
const KINDS: [(&str, &str); 8] = [
    ("", "Any type"),
    ("order.", "Any order event"),
    ("order.created", "order.created"),
    ("order.status_changed", "order.status_changed"),
    ("order.note_added", "order.note_added"),
    ("product.", "Any catalog event"),
    ("product.stock_changed", "product.stock_changed"),
    ("notification.created", "notification.created"),
];

#[component]
pub fn StaffEventsPage() -> impl IntoView {
    view! { <StaffOnly title="Event log · Staff"><EventBrowser /></StaffOnly> }
}

#[component]
fn EventBrowser() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).unwrap_or_default();
    let ask = move || (FIELDS.map(get), get("dir"), get("cursor"));
    let page = Resource::new(ask, |([partition, start, at, kind, subject], dir, cursor)| {
        browse_events(Some(partition), Some(start), Some(at), Some(kind), Some(subject), Some(dir), Some(cursor))
    });
    view! {
        <div class="mb-6">
            <p class="text-sm font-medium text-indigo-600 dark:text-indigo-400"><a href="/staff" class="hover:underline">"Staff"</a></p>
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"Event log"</h1>
                <ConnectionIndicator user=None quiet=true />
            </div>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">
                "Every record the shop wrote to its topic: orders, catalog changes, notifications. Read with a client of its own; the live consumers are not moved."
            </p>
        </div>
        <RebuildSection />
        <Suspense fallback=|| view! { <Skeleton rows=4 /> }>
            {move || Suspend::new(async move {
                let [partition, start, at, kind, subject] = FIELDS.map(|k| query.read_untracked().get(k).unwrap_or_default());
                let at_head = query.read_untracked().get("dir").unwrap_or_default().is_empty() && matches!(start.as_str(), "" | "latest");
                let partitions = page.await.as_ref().map_or(3, |p| p.health.len());
                let form = view! { <Filters partitions partition=partition.clone() start at kind=kind.clone() subject=subject.clone() /> };
                match page.await {
                    Ok(p) => {
                        let links = pager_links(&p);
                        let tail = at_head.then_some(TailQuery { partition, kind, subject });
                        Either::Left(view! { {form} <LogTable page=p tail /> {links} })
                    }
                    Err(e) => Either::Right(view! { {form} <ErrorNotice message=e.to_string() /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Filters(partitions: usize, partition: String, start: String, at: String, kind: String, subject: String) -> impl IntoView {
    let starts = [("latest", "Latest"), ("earliest", "Earliest"), ("offset", "At an offset"), ("time", "At a time (UTC)")];
    view! {
        <form method="get" action="/staff/events" aria-label="Choose events" class="mb-4 flex flex-wrap items-end gap-2">
            <select name="partition" aria-label="Partition" class=INPUT>
                <option value="" selected=partition.is_empty()>"All partitions"</option>
                {(0..partitions).map(|p| {
                    let value = p.to_string();
                    let selected = value == partition;
                    view! { <option value=value.clone() selected=selected>{format!("Partition {p}")}</option> }
                }).collect_view()}
            </select>
            <select name="start" aria-label="Start" class=INPUT>
                {starts.into_iter().map(|(value, label)| {
                    let selected = value == start || (start.is_empty() && value == "latest");
                    view! { <option value=value selected=selected>{label}</option> }
                }).collect_view()}
            </select>
            <input type="text" name="at" value=at aria-label="Offset or time (UTC) to start at" placeholder="Offset or 2026-12-07T10:30" class=format!("{INPUT} w-60") />
            <select name="kind" aria-label="Event type" class=INPUT>
                {KINDS.into_iter().map(|(value, label)| view! { <option value=value selected=value == kind>{label}</option> }).collect_view()}
            </select>
            <input type="search" name="subject" value=subject aria-label="Order or product id" placeholder="Order or product id" class=format!("{INPUT} w-64") />
            <button type="submit" class="rounded-lg bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700 dark:bg-white dark:text-slate-900 dark:hover:bg-slate-200">"Show"</button>
        </form>
    }
}

/// The "Older" and "Newer" links: the same filters, a page on either side of this one.
fn pager_links(page: &LogPage) -> impl IntoView {
    let query = use_query_map().read_untracked().clone();
    let link = move |dir: &str, cursor: String| {
        let mut parts: Vec<String> =
            FIELDS.iter().filter_map(|k| query.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", crate::pages::staff_products::encode(&v)))).collect();
        parts.push(format!("dir={dir}"));
        parts.push(format!("cursor={}", crate::pages::staff_products::encode(&cursor)));
        format!("/staff/events?{}", parts.join("&"))
    };
    let (older, newer) = (link("older", positions_to_text(&page.older)), link("newer", positions_to_text(&page.newer)));
    let summary = format!(
        "{} record{} shown, {} read{}",
        page.rows.len(),
        if page.rows.len() == 1 { "" } else { "s" },
        page.scanned,
        if page.cut_short { " (stopped early: the filter matched little; go on for more)" } else { "" }
    );
    let button = "rounded-lg border border-slate-300 px-3 py-1.5 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";
    view! {
        <nav aria-label="Pages" class="mt-4 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600 dark:text-slate-300">
            <span data-testid="log-summary">{summary}</span>
            <span class="flex gap-2">
                <a href=newer class=button>"Newer"</a>
                <a href=older class=button>"Older"</a>
            </span>
        </nav>
    }
}

/// What the live tail asks for: the page's filters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TailQuery {
    partition: String,
    kind: String,
    subject: String,
}

/// The partitions' health and the rows. With `tail` (the page shows the head of the log) new
/// records are fetched as events arrive and put on top.
#[island(lazy)]
fn LogTable(page: LogPage, tail: Option<TailQuery>) -> impl IntoView {
    crate::state::page::scoped();
    let rows = RwSignal::new(page.rows);
    let health = RwSignal::new((page.health, page.outbox_backlog));
    if let Some(q) = tail {
        let newer = StoredValue::new(positions_to_text(&page.newer));
        let busy = StoredValue::new(false);
        let fetch = move || {
            if busy.get_value() {
                return;
            }
            busy.set_value(true);
            let q = q.clone();
            // A quarter of a second gathers a burst of events into one fetch.
            set_timeout(
                move || {
                    leptos::task::spawn_local(async move {
                        let cursor = newer.get_value();
                        let got = browse_events(Some(q.partition), None, None, Some(q.kind), Some(q.subject), Some("newer".into()), Some(cursor)).await;
                        if let Ok(p) = got {
                            newer.set_value(positions_to_text(&p.newer));
                            health.set((p.health, p.outbox_backlog));
                            if !p.rows.is_empty() {
                                rows.update(|r| {
                                    let mut fresh = p.rows;
                                    fresh.retain(|n| !r.iter().any(|o| o.partition == n.partition && o.offset == n.offset));
                                    fresh.append(r);
                                    fresh.truncate(500);
                                    *r = fresh;
                                });
                            }
                        }
                        busy.set_value(false);
                    })
                },
                std::time::Duration::from_millis(250),
            );
        };
        Live::get().listen(move |msg| {
            if matches!(msg, LiveMsg::Event(_) | LiveMsg::Catalog { .. } | LiveMsg::Resync) {
                fetch();
            }
        });
    }
    view! {
        <Health health />
        <div class="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="w-full min-w-[48rem] text-left text-sm" data-testid="event-rows">
                <caption class="sr-only">"Records, newest first"</caption>
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Partition"</th>
                        <th scope="col" class="px-3 py-2">"Offset"</th>
                        <th scope="col" class="px-3 py-2">"Time (UTC)"</th>
                        <th scope="col" class="px-3 py-2">"Type"</th>
                        <th scope="col" class="px-3 py-2">"Order or product"</th>
                        <th scope="col" class="px-3 py-2">"Status"</th>
                        <th scope="col" class="px-3 py-2">"Version"</th>
                        <th scope="col" class="px-3 py-2">"Actor"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 align-top dark:divide-slate-800">
                    {move || {
                        let all = rows.get();
                        if all.is_empty() {
                            return Either::Left(view! { <tr><td colspan="8" class="px-3 py-6 text-center text-slate-500">"No records here. Try another start or fewer filters."</td></tr> });
                        }
                        Either::Right(all.into_iter().map(|r| view! { <Row row=r /> }).collect_view())
                    }}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(row: LogRow) -> impl IntoView {
    let LogRow { partition, offset, at_ms, kind, subject, status, version, actor, json } = row;
    let subject_link = subject.map(|s| {
        if kind.starts_with("order.") {
            Either::Left(
                view! { <a href=format!("/orders/{s}") class="font-mono text-xs text-indigo-600 hover:underline dark:text-indigo-400">{s.clone()}</a> },
            )
        } else {
            Either::Right(view! { <span class="font-mono text-xs">{s}</span> })
        }
    });
    view! {
        <tr data-testid="event-row" data-partition=partition data-offset=offset data-kind=kind.clone()>
            <td class="px-3 py-2 tabular-nums">{partition}</td>
            <td class="px-3 py-2 tabular-nums">{offset}</td>
            <td class="px-3 py-2 whitespace-nowrap text-xs">{format_time(at_ms)}</td>
            <td class="px-3 py-2">
                <details>
                    <summary class="cursor-pointer font-medium" aria-label=format!("{kind} at partition {partition} offset {offset}: show the record")>{kind.clone()}</summary>
                    <pre class="mt-2 max-w-xl overflow-x-auto rounded-lg bg-slate-50 p-2 text-xs dark:bg-slate-950">{json}</pre>
                </details>
            </td>
            <td class="px-3 py-2">{subject_link}</td>
            <td class="px-3 py-2">{status}</td>
            <td class="px-3 py-2 tabular-nums">{version}</td>
            <td class="px-3 py-2">{actor}</td>
        </tr>
    }
}

/// Each partition's range, this instance's consumer position and lag, and the outbox backlog.
#[component]
fn Health(health: RwSignal<(Vec<PartitionHealth>, u64)>) -> impl IntoView {
    view! {
        <section aria-label="Log health" class="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4" data-testid="log-health">
            {move || {
                let (parts, backlog) = health.get();
                let cells = parts.into_iter().map(|h| {
                    let lag = h.lag().map_or("not reading yet".to_owned(), |l| if l == 0 { "up to date".to_owned() } else { format!("{l} behind") });
                    view! {
                        <div class="rounded-xl border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="partition-health">
                            <p class="font-semibold">{format!("Partition {}", h.partition)}</p>
                            <p class="text-xs text-slate-500 dark:text-slate-400">{format!("offsets {} to {}", h.earliest, h.high_watermark)}</p>
                            <p class="text-xs text-slate-500 dark:text-slate-400">{format!("consumer at {} · {lag}", h.consumer_position.map_or("—".to_owned(), |p| p.to_string()))}</p>
                        </div>
                    }
                }).collect_view();
                view! {
                    {cells}
                    <div class="rounded-xl border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900">
                        <p class="font-semibold">"Outbox"</p>
                        <p class="text-xs text-slate-500 dark:text-slate-400" data-testid="outbox-backlog">
                            {if backlog == 0 { "everything published".to_owned() } else { format!("{backlog} waiting to be published") }}
                        </p>
                    </div>
                }
            }}
        </section>
    }
}

/// "Rebuild figures from the log": a plain GET form; with `?rebuild=1` the page replays the
/// topic into fresh figures and shows them beside the database's, with "matches" or every
/// difference.
#[component]
fn RebuildSection() -> impl IntoView {
    let query = use_query_map();
    let asked = query.read_untracked().get("rebuild").is_some();
    let since = query.read_untracked().get("since").unwrap_or_default();
    let report = asked.then(|| {
        let since = since.clone();
        let rebuilt = Resource::new(move || since.clone(), |s| rebuild_figures(Some(s)));
        view! {
            <Suspense fallback=|| view! {
                <p role="status" class="mb-4 flex items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
                    <span class="h-3 w-3 animate-spin rounded-full border-2 border-indigo-500 border-t-transparent" aria-hidden="true"></span>
                    "Replaying the log and checking every order…"
                </p>
            }>
                {move || Suspend::new(async move {
                    match rebuilt.await {
                        Ok(r) => Either::Left(view! { <RebuildReport report=r /> }),
                        Err(e) => Either::Right(view! { <ErrorNotice message=e.to_string() /> }),
                    }
                })}
            </Suspense>
        }
    });
    view! {
        <form method="get" action="/staff/events" aria-label="Rebuild figures from the log" class="mb-4 flex flex-wrap items-end gap-2">
            <input type="hidden" name="rebuild" value="1" />
            <input type="text" name="since" value=since aria-label="Only orders placed since (UTC, optional)" placeholder="Since, e.g. 2026-12-07T00:00" class=format!("{INPUT} w-64") />
            <button type="submit" class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">"Rebuild figures from the log"</button>
        </form>
        {report}
    }
}

#[component]
fn RebuildReport(report: Rebuild) -> impl IntoView {
    let agrees = report.agrees();
    let verdict = if agrees {
        "Matches: the log and the database tell the same story.".to_owned()
    } else {
        format!("{} difference{} between the log and the database.", report.differences.len().max(1), if report.differences.len() == 1 { "" } else { "s" })
    };
    let tone = if agrees {
        "border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
    } else {
        "border-rose-200 bg-rose-50 text-rose-900 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-100"
    };
    let lines = report.today.map(|(log, db)| {
        let mut lines = vec![
            ("Orders today".to_owned(), log.figures.orders.to_string(), db.figures.orders.to_string()),
            ("Revenue".to_owned(), format_cents(log.figures.revenue_cents), format_cents(db.figures.revenue_cents)),
            ("Average order".to_owned(), format_cents(log.figures.average_cents), format_cents(db.figures.average_cents)),
        ];
        for ((status, a), (_, b)) in log.figures.per_status.iter().zip(&db.figures.per_status) {
            lines.push((status.label().to_owned(), a.to_string(), b.to_string()));
        }
        let hour = |v: &[u32]| v.iter().sum::<u32>().to_string();
        lines.push(("Orders in the last hour".to_owned(), hour(&log.per_minute), hour(&db.per_minute)));
        let minutes_differ = log.per_minute != db.per_minute;
        lines.push(("Orders per minute (last hour)".to_owned(), if minutes_differ { "differ".into() } else { "same".into() }, String::new()));
        lines
    });
    view! {
        <section aria-label="Figures rebuilt from the log" data-testid="rebuild" class=format!("mb-6 rounded-2xl border p-5 text-sm {tone}")>
            <p class="font-semibold" role="status" data-testid="rebuild-verdict">{verdict}</p>
            <p class="mt-1 text-xs opacity-80">{format!("{} order events read from the log, {} still in the outbox; {} orders checked.", report.records, report.in_outbox, report.orders_checked)}</p>
            {lines.map(|lines| view! {
                <div class="overflow-x-auto"><table class="mt-3 w-full max-w-xl text-left">
                    <thead><tr><th scope="col" class="py-1 font-medium">"Today"</th><th scope="col" class="py-1 font-medium">"From the log"</th><th scope="col" class="py-1 font-medium">"From the database"</th></tr></thead>
                    <tbody>
                        {lines.into_iter().map(|(name, log, db)| {
                            let differs = !db.is_empty() && log != db;
                            view! { <tr class=if differs { "font-semibold text-rose-700 dark:text-rose-300" } else { "" }><td class="py-0.5">{name}</td><td class="py-0.5 tabular-nums">{log}</td><td class="py-0.5 tabular-nums">{db}</td></tr> }
                        }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {(!report.differences.is_empty()).then(|| view! {
                <ul class="mt-3 list-disc space-y-1 break-all pl-5 font-mono text-xs" data-testid="rebuild-differences">
                    {report.differences.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}
