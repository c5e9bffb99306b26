//! Sign-in and sign-up pages: server-rendered plain forms. The server function redirects to
//! `next` on success, or back here with the errors and values in a flash.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::account::{safe_next, Login, Register};
use crate::api::forms::take_flash;
use crate::components::{ErrorNotice, Field, SuccessNotice};
use crate::error::AppError;

pub(crate) fn card(title: &'static str, subtitle: &'static str, body: impl IntoView) -> impl IntoView {
    view! {
        <div class="mx-auto mt-8 max-w-md rounded-2xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h1 class="text-2xl font-bold tracking-tight">{title}</h1>
            <p class="mb-6 mt-1 text-sm text-slate-500 dark:text-slate-400">{subtitle}</p>
            {body}
        </div>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = safe_next(query.read_untracked().get("next").as_deref());
    let flash = Resource::new_blocking(|| (), |_| take_flash("login".into()));
    let message = RwSignal::new(None::<String>);
    let email = RwSignal::new(String::new());
    let register_href = format!("/register?next={}", crate::api::account::urlencode(&next));
    let after_reset = query.read_untracked().get("reset").is_some();
    view! {
        <Title text="Sign in" />
        {card("Sign in", "Welcome back. Sign in to check out and follow your orders live.", view! {
            {after_reset.then(|| view! {
                <SuccessNotice testid="reset-notice">
                    "Your password was changed and every session signed out. Sign in with the new password."
                </SuccessNotice>
            })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    if let Ok(Some(f)) = flash.await {
                        message.set(f.error.map(|e| e.to_string()));
                        email.set(f.values.get("email").cloned().unwrap_or_default());
                    }
                })}
            </Suspense>
            <Show when=move || message.get().is_some()>
                <div class="mb-4" data-testid="form-error"><ErrorNotice message=message.get().unwrap_or_default() /></div>
            </Show>
            <form method="post" action=Login::url() class="space-y-4" aria-label="Sign in">
                <input type="hidden" name="next" value=next.clone() />
                <Field name="email" label="Email" kind="email" autocomplete="email" value=email error=Signal::derive(|| None::<String>) />
                <Field name="password" label="Password" kind="password" autocomplete="current-password" value=Signal::derive(String::new) error=Signal::derive(|| None::<String>) />
                <button type="submit" class="w-full rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">
                    "Sign in"
                </button>
            </form>
            <p class="mt-4 text-center text-sm">
                <A href="/forgot" attr:class="text-indigo-600 hover:underline dark:text-indigo-400">"Forgot your password?"</A>
            </p>
            <p class="mt-4 text-center text-sm text-slate-500">
                "New here? " <A href=register_href.clone() attr:class="font-semibold text-indigo-600 hover:underline dark:text-indigo-400">"Create an account"</A>
            </p>
        })}
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let next = safe_next(query.read_untracked().get("next").as_deref());
    let flash = Resource::new_blocking(|| (), |_| take_flash("register".into()));
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let message = RwSignal::new(None::<String>);
    let (name, email) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let apply = move |e: AppError| match e {
        AppError::Invalid(f) => {
            errors.set(f);
            message.set(None);
        }
        other => message.set(Some(other.to_string())),
    };
    let err = move |n: &'static str| Signal::derive(move || errors.with(|e| e.get(n).cloned()));
    let login_href = format!("/login?next={}", crate::api::account::urlencode(&next));
    view! {
        <Title text="Create an account" />
        {card("Create an account", "It takes a few seconds. Your orders then update live.", view! {
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    if let Ok(Some(f)) = flash.await {
                        name.set(f.values.get("name").cloned().unwrap_or_default());
                        email.set(f.values.get("email").cloned().unwrap_or_default());
                        if let Some(e) = f.error { apply(e) }
                    }
                })}
            </Suspense>
            <Show when=move || message.get().is_some()>
                <div class="mb-4" data-testid="form-error"><ErrorNotice message=message.get().unwrap_or_default() /></div>
            </Show>
            <form method="post" action=Register::url() class="space-y-4" novalidate=true aria-label="Create an account">
                <input type="hidden" name="next" value=next.clone() />
                <Field name="name" label="Name" autocomplete="name" value=name error=err("name") />
                <Field name="email" label="Email" kind="email" autocomplete="email" value=email error=err("email") />
                <Field name="password" label="Password (at least 8 characters)" kind="password" autocomplete="new-password" value=Signal::derive(String::new) error=err("password") />
                <button type="submit" class="w-full rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">
                    "Create account"
                </button>
            </form>
            <p class="mt-6 text-center text-sm text-slate-500">
                "Already have an account? " <A href=login_href.clone() attr:class="font-semibold text-indigo-600 hover:underline dark:text-indigo-400">"Sign in"</A>
            </p>
        })}
    }
}
