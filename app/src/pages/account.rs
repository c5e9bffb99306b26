//! `/account`: the signed-in shopper's or staff member's own settings. Plain forms, rendered on
//! the server; each answers with a redirect back here (`?saved=…`, or a flash with the errors).

use std::collections::BTreeMap;

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::me::{my_account, AccountSettings, ChangePassword, EndSession, Rename, SessionRow, SetEmailNotifications, SignOutEverywhere};
use crate::components::{format_time, ErrorNotice, Field, Skeleton, SuccessNotice};
use crate::error::AppError;
use crate::pages::{flash_errors, ToLogin};

const BUTTON: &str = "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500";
const SECTION: &str = "rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new_blocking(|| (), |_| my_account());
    let saved = use_query_map().read_untracked().get("saved");
    view! {
        <Title text="Your account" />
        <h1 class="mb-6 text-3xl font-bold tracking-tight">"Your account"</h1>
        {saved.map(|what| {
            let said = match what.as_str() {
                "name" => "Your name was saved.",
                "password" => "Your password was changed. Every other session was signed out.",
                "notifications" => "Your notification settings were saved.",
                _ => "That session was signed out.",
            };
            view! {
                <SuccessNotice testid="saved-notice">
                    {said}
                </SuccessNotice>
            }
        })}
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(a)) => Either::Left(view! { <Settings account=a /> }),
                    Ok(None) | Err(AppError::Unauthenticated) => Either::Right(Either::Left(view! { <ToLogin /> })),
                    Err(e) => Either::Right(Either::Right(view! { <ErrorNotice message=e.to_string() /> })),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Settings(account: AccountSettings) -> impl IntoView {
    let (name_errors, name_message, name_flash) = flash_errors("rename");
    let (pw_errors, pw_message, pw_flash) = flash_errors("password");
    let name = RwSignal::new(account.name.clone());
    let err = |errors: RwSignal<BTreeMap<String, String>>, field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));
    let apply = |errors: RwSignal<BTreeMap<String, String>>, message: RwSignal<Option<String>>, e: AppError| match e {
        AppError::Invalid(f) => errors.set(f),
        other => message.set(Some(other.to_string())),
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                if let Ok(Some(f)) = name_flash.await {
                    name.set(f.values.get("name").cloned().unwrap_or_default());
                    if let Some(e) = f.error { apply(name_errors, name_message, e) }
                }
                if let Ok(Some(f)) = pw_flash.await {
                    if let Some(e) = f.error { apply(pw_errors, pw_message, e) }
                }
            })}
        </Suspense>
        <div class="grid gap-6 lg:grid-cols-2">
            <section class=SECTION aria-labelledby="profile-heading">
                <h2 id="profile-heading" class="text-lg font-semibold">"Profile"</h2>
                <p class="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">
                    {format!("Signed in as {}", account.email)}
                    {account.is_staff.then_some(" (staff)")}
                </p>
                <Show when=move || name_message.get().is_some()>
                    <div class="mb-4"><ErrorNotice message=name_message.get().unwrap_or_default() /></div>
                </Show>
                <form method="post" action=Rename::url() class="space-y-4" aria-label="Change your name">
                    <Field name="name" label="Name" autocomplete="name" value=name error=err(name_errors, "name") />
                    <button type="submit" class=BUTTON>"Save name"</button>
                </form>
            </section>
            <section class=SECTION aria-labelledby="password-heading">
                <h2 id="password-heading" class="text-lg font-semibold">"Password"</h2>
                <p class="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">
                    "Changing it signs out every other device."
                </p>
                <Show when=move || pw_message.get().is_some()>
                    <div class="mb-4"><ErrorNotice message=pw_message.get().unwrap_or_default() /></div>
                </Show>
                <form method="post" action=ChangePassword::url() class="space-y-4" aria-label="Change your password">
                    <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" value=Signal::derive(String::new) error=err(pw_errors, "current_password") />
                    <Field name="new_password" label="New password (at least 8 characters, not a common one)" kind="password" autocomplete="new-password" value=Signal::derive(String::new) error=err(pw_errors, "new_password") />
                    <button type="submit" class=BUTTON>"Change password"</button>
                </form>
            </section>
        </div>
        <section class=format!("{SECTION} mt-6") aria-labelledby="notifications-heading">
            <h2 id="notifications-heading" class="text-lg font-semibold">"Notifications"</h2>
            <p class="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">
                "Your orders' progress and the products you asked about are always on "
                <a href="/notifications" class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"your notifications page"</a>
                "."
            </p>
            <form method="post" action=SetEmailNotifications::url() class="flex flex-wrap items-center gap-4" aria-label="Notifications by e-mail">
                <label class="inline-flex items-center gap-2 text-sm">
                    <input type="checkbox" name="email_notifications" value="on" checked=account.email_notifications class="h-4 w-4 rounded border-slate-300 text-indigo-600" />
                    "E-mail me my notifications"
                </label>
                <button type="submit" class=BUTTON>"Save"</button>
            </form>
        </section>
        <Sessions sessions=account.sessions />
    }
}

#[component]
fn Sessions(sessions: Vec<SessionRow>) -> impl IntoView {
    let count = sessions.len();
    view! {
        <section class=format!("{SECTION} mt-6") aria-labelledby="sessions-heading">
            <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
                <div>
                    <h2 id="sessions-heading" class="text-lg font-semibold">"Where you are signed in"</h2>
                    <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{format!("{count} active session{}", if count == 1 { "" } else { "s" })}</p>
                </div>
                <form method="post" action=SignOutEverywhere::url()>
                    <button type="submit" class="rounded-lg border border-rose-300 px-4 py-2 text-sm font-semibold text-rose-700 hover:bg-rose-50 dark:border-rose-800 dark:text-rose-300 dark:hover:bg-rose-950">
                        "Sign out everywhere"
                    </button>
                </form>
            </div>
            <ul class="divide-y divide-slate-200 dark:divide-slate-800" data-testid="sessions">
                {sessions.into_iter().map(|s| view! { <SessionItem session=s /> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn SessionItem(session: SessionRow) -> impl IntoView {
    let device = if session.user_agent.is_empty() { "Unknown device".to_owned() } else { session.user_agent.chars().take(80).collect() };
    let label = format!("Sign out the session started {}", format_time(session.created_at));
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 py-3">
            <div class="min-w-0">
                <p class="truncate text-sm font-medium">
                    {device}
                    {session.current.then(|| view! { <span class="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200">"This device"</span> })}
                </p>
                <p class="text-xs text-slate-500 dark:text-slate-400">
                    {format!("Signed in {} · last active {} · {}", format_time(session.created_at), format_time(session.last_seen_at), if session.ip.is_empty() { "address unknown" } else { session.ip.as_str() })}
                </p>
            </div>
            {(!session.current).then(|| view! {
                <form method="post" action=EndSession::url()>
                    <input type="hidden" name="id" value=session.id.clone() />
                    <button type="submit" aria-label=label.clone() class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">"Sign out"</button>
                </form>
            })}
        </li>
    }
}
