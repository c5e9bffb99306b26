//! The state of one plain HTML form on a page that must work without WASM: what was typed
//! (refilled after a failed post), the errors beside the fields, and a message for the form as
//! a whole, all read from the flash the failed post left (`api::forms`).

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::pages::{flash_errors, FlashResource};

type Errors = RwSignal<BTreeMap<String, String>>;

/// One form's state on the page: what was typed (refilled after a failed plain post), the
/// errors beside the fields and a message for the form.
#[derive(Clone, Copy)]
pub(crate) struct FormState {
    values: RwSignal<BTreeMap<String, String>>,
    errors: Errors,
    message: RwSignal<Option<String>>,
    flash: FlashResource,
}

impl FormState {
    pub(crate) fn new(form: &'static str, initial: BTreeMap<String, String>) -> FormState {
        let (errors, message, flash) = flash_errors(form);
        FormState { values: RwSignal::new(initial), errors, message, flash }
    }

    pub(crate) fn value(self, field: &'static str) -> Signal<String> {
        Signal::derive(move || self.values.with(|v| v.get(field).cloned().unwrap_or_default()))
    }

    pub(crate) fn error(self, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || self.errors.with(|e| e.get(field).cloned()))
    }

    /// Takes the flash a failed post left: its values and errors.
    pub(crate) async fn load(self) {
        if let Ok(Some(flash)) = self.flash.await {
            self.values.update(|v| v.extend(flash.values));
            match flash.error {
                Some(AppError::Invalid(fields)) => self.errors.set(fields),
                Some(other) => self.message.set(Some(other.to_string())),
                None => {}
            }
        }
    }
}

/// The form's flash (loaded before the page renders) and its message, if it failed.
#[component]
pub(crate) fn FormMessages(form: FormState) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>{move || Suspend::new(async move { form.load().await })}</Suspense>
        <Show when=move || form.message.get().is_some()>
            <div class="mb-4"><ErrorNotice message=form.message.get().unwrap_or_default() /></div>
        </Show>
    }
}
