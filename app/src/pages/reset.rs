//! `/forgot` (ask for a reset link) and `/reset?token=…` (choose a new password with it):
//! server-rendered plain forms, like sign-in; errors come back in a flash.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::forms::take_flash;
use crate::api::reset::{reset_link_usable, RequestPasswordReset, ResetPassword};
use crate::components::{ErrorNotice, Field, SuccessNotice};
use crate::error::AppError;
use crate::pages::auth::card;

const BUTTON: &str = "w-full rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60";
const LINK: &str = "font-semibold text-indigo-600 hover:underline dark:text-indigo-400";

/// What a failed post of a one-field form left in its flash: the field's value back in `value`
/// (if given), its error beside it, any other error above the form.
#[derive(Clone, Copy)]
struct FlashedForm {
    field: &'static str,
    value: Option<RwSignal<String>>,
    error: RwSignal<Option<String>>,
    message: RwSignal<Option<String>>,
}

impl FlashedForm {
    fn new(field: &'static str, value: Option<RwSignal<String>>) -> Self {
        FlashedForm { field, value, error: RwSignal::new(None), message: RwSignal::new(None) }
    }

    fn view(&self, form: &'static str) -> impl IntoView {
        let flash = Resource::new_blocking(|| (), move |_| take_flash(form.into()));
        let FlashedForm { field, value, error, message } = *self;
        view! {
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    if let Ok(Some(f)) = flash.await {
                        if let Some(value) = value {
                            value.set(f.values.get(field).cloned().unwrap_or_default());
                        }
                        match f.error {
                            Some(AppError::Invalid(fields)) => error.set(fields.get(field).cloned()),
                            Some(other) => message.set(Some(other.to_string())),
                            None => {}
                        }
                    }
                })}
            </Suspense>
            <Show when=move || message.get().is_some()>
                <div class="mb-4" data-testid="form-error"><ErrorNotice message=message.get().unwrap_or_default() /></div>
            </Show>
        }
    }
}

#[component]
pub fn ForgotPage() -> impl IntoView {
    let sent = use_query_map().read_untracked().get("sent").is_some();
    let email = RwSignal::new(String::new());
    let form = FlashedForm::new("email", Some(email));
    view! {
        <Title text="Reset your password" />
        {card("Reset your password", "We e-mail you a link to choose a new one.", view! {
            {sent.then(|| view! {
                <SuccessNotice testid="reset-sent">
                    "If an account uses that address, a link is on its way. It works once, for 30 minutes."
                </SuccessNotice>
            })}
            {form.view("forgot")}
            <form method="post" action=RequestPasswordReset::url() class="space-y-4" novalidate=true aria-label="Ask for a reset link">
                <Field name="email" label="Email" kind="email" autocomplete="email" value=email error=form.error />
                <button type="submit" class=BUTTON>"Send reset link"</button>
            </form>
            <p class="mt-6 text-center text-sm text-slate-500">
                "Remembered it? " <A href="/login" attr:class=LINK>"Sign in"</A>
            </p>
        })}
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    let usable = Resource::new_blocking(
        {
            let token = token.clone();
            move || token.clone()
        },
        reset_link_usable,
    );
    let form = FlashedForm::new("password", None);
    let error = form.error;
    view! {
        <Title text="Choose a new password" />
        {card("Choose a new password", "Every device signed in to your account is signed out.", view! {
            {form.view("reset")}
            <Suspense fallback=|| ()>
                {
                    let token = token.clone();
                    move || {
                        let token = token.clone();
                        Suspend::new(async move {
                            if usable.await.unwrap_or(false) {
                                Either::Left(view! {
                                    <form method="post" action=ResetPassword::url() class="space-y-4" aria-label="Choose a new password">
                                        <input type="hidden" name="token" value=token />
                                        <Field name="password" label="New password (at least 8 characters, not a common one)" kind="password" autocomplete="new-password" value=Signal::derive(String::new) error=error />
                                        <button type="submit" class=BUTTON>"Set new password"</button>
                                    </form>
                                })
                            } else {
                                Either::Right(view! {
                                    <div data-testid="reset-dead"><ErrorNotice message=domain::reset::INVALID_LINK.to_owned() /></div>
                                    <p class="mt-4 text-center text-sm"><A href="/forgot" attr:class=LINK>"Ask for a new link"</A></p>
                                })
                            }
                        })
                    }
                }
            </Suspense>
        })}
    }
}
