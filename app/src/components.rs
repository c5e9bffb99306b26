//! Small building blocks shared by several pages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::account::Logout;
use crate::state::live::ConnectionIndicator;
use domain::views::UserView;
use domain::OrderStatus;

#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="h-8 w-8" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="9" class="fill-indigo-600" />
            <path d="M6 17h5l2.5-6 5 12 3-8H26" fill="none" stroke="white" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
    }
}

/// The signed-in user's name and a sign-out button (a plain form: the server clears the session
/// cookie and redirects home).
#[component]
pub fn AccountMenu(user: UserView) -> impl IntoView {
    view! {
        <div class="flex items-center gap-1 sm:gap-2">
            // On a phone the name gives way to an icon (still named, for screen readers).
            <a href="/account" title="Your account" class="inline-flex items-center rounded-lg p-1.5 text-sm text-slate-600 hover:bg-slate-100 sm:p-2 md:px-2 md:py-1 dark:text-slate-300 dark:hover:bg-slate-800" data-testid="account-name">
                <svg class="h-5 w-5 md:hidden" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" aria-hidden="true">
                    <circle cx="12" cy="8" r="4" />
                    <path d="M4 21c0-4.4 3.6-8 8-8s8 3.6 8 8" />
                </svg>
                <span class="sr-only md:not-sr-only">
                    {user.name.clone()}
                    {user.is_staff.then(|| view! { <span class="ml-1 rounded bg-indigo-100 px-1.5 py-0.5 text-xs font-semibold text-indigo-700 dark:bg-indigo-900 dark:text-indigo-200">"staff"</span> })}
                </span>
            </a>
            <form method="post" action=Logout::url()>
                <button
                    type="submit"
                    title="Sign out"
                    class="inline-flex items-center whitespace-nowrap rounded-lg p-1.5 text-sm font-medium sm:p-2 text-slate-600 hover:bg-slate-100 hover:text-slate-900 sm:px-3 dark:text-slate-300 dark:hover:bg-slate-800"
                >
                    <svg class="h-5 w-5 sm:hidden" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                        <path d="M9 4H6a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h3" />
                        <path d="M16 17l5-5-5-5" />
                        <path d="M21 12H9" />
                    </svg>
                    <span class="sr-only sm:not-sr-only">"Sign out"</span>
                </button>
            </form>
        </div>
    }
}

#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<OrderStatus>) -> impl IntoView {
    view! {
        <span
            data-testid="status-badge"
            data-status=move || status.get().as_str()
            class=move || {
                let tone = match status.get() {
                    OrderStatus::Pending => "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-950 dark:text-amber-200",
                    OrderStatus::Processing => "bg-sky-50 text-sky-800 ring-sky-600/20 dark:bg-sky-950 dark:text-sky-200",
                    OrderStatus::Shipped => "bg-indigo-50 text-indigo-800 ring-indigo-600/20 dark:bg-indigo-950 dark:text-indigo-200",
                    OrderStatus::Delivered => "bg-emerald-50 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-950 dark:text-emerald-200",
                    OrderStatus::Cancelled => "bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300",
                };
                format!("inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset {tone}")
            }
        >
            {move || status.get().label()}
        </span>
    }
}

/// A labelled text input with its server-side error beside it. Rendered on the server only (the
/// forms it is used in are plain HTML forms), so text typed while the page loads stays.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let err_id2 = err_id.clone();
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-300">{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=move || value.get()
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=move || error.get().is_some().then(|| err_id.clone())
                class="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-[invalid=true]:border-rose-500 dark:border-slate-700 dark:bg-slate-900"
            />
            <Show when=move || error.get().is_some()>
                <p id=err_id2.clone() data-testid=format!("error-{name}") class="mt-1 text-sm text-rose-600 dark:text-rose-400">
                    {move || error.get().unwrap_or_default()}
                </p>
            </Show>
        </div>
    }
}

/// A live page's title with the connection indicator beside it (the header's opens the connection).
#[component]
pub fn LiveHeading(title: &'static str) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold tracking-tight">{title}</h1>
            <ConnectionIndicator user=None quiet=true />
        </div>
    }
}

/// A green block that confirms what just happened (saved, sent, placed), announced politely.
#[component]
pub fn SuccessNotice(testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <div role="status" data-testid=testid class="mb-6 rounded-xl border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">
            {children()}
        </div>
    }
}

/// A block that says what went wrong and offers a way forward.
#[component]
pub fn ErrorNotice(message: String) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-xl border border-rose-200 bg-rose-50 p-4 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">
            {message}
        </div>
    }
}

#[component]
pub fn EmptyState(title: &'static str, body: &'static str, href: &'static str, cta: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-2xl border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
            <h2 class="text-lg font-semibold">{title}</h2>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{body}</p>
            <a href=href class="mt-4 inline-block rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">{cta}</a>
        </div>
    }
}

/// Grey placeholders shown while data loads.
#[component]
pub fn Skeleton(#[prop(default = 3)] rows: usize) -> impl IntoView {
    view! {
        <div class="space-y-3" aria-hidden="true">
            {(0..rows).map(|_| view! { <div class="h-20 animate-pulse rounded-xl bg-slate-200 dark:bg-slate-800"></div> }).collect_view()}
        </div>
    }
}

/// Formats a millisecond timestamp as "2026-11-25 14:03 UTC" (the same on server and client).
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, (rem % 3600) / 60)
}

/// Days since 1970-01-01 → (year, month, day). Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_times() {
        assert_eq!(super::format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::format_time(1_764_079_380_000), "2025-11-25 14:03 UTC");
        assert_eq!(super::format_time(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}

/// A product's picture: an upload's widths with `srcset` (WebP first where there is one), or the
/// shipped illustration. `sizes` says how wide the picture is drawn, so the browser fetches the
/// smallest file that is sharp enough.
#[component]
pub fn ProductImage(
    image: String,
    /// `ProductView::picture`.
    picture: Option<String>,
    alt: String,
    sizes: &'static str,
    width: u32,
    height: u32,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] lazy: bool,
) -> impl IntoView {
    let loading = lazy.then_some("lazy");
    match picture.as_deref().and_then(domain::picture::Picture::from_column) {
        Some(p) => leptos::either::Either::Left(view! {
            <picture>
                {p.webp.then(|| view! { <source type="image/webp" srcset=p.srcset(true) sizes=sizes /> })}
                <img src=p.src() srcset=p.srcset(false) sizes=sizes alt=alt width=width height=height loading=loading decoding="async" class=class />
            </picture>
        }),
        None => leptos::either::Either::Right(view! {
            <img src=crate::assets::asset_url(&image) alt=alt width=width height=height loading=loading decoding="async" class=class />
        }),
    }
}
