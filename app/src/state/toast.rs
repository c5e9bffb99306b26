//! Toasts: short messages announced to screen readers through an aria-live region.

use leptos::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub text: String,
    pub tone: Tone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Toasts {
        let t = Toasts { items: RwSignal::new(vec![]), next: StoredValue::new(1) };
        provide_context(t);
        t
    }

    pub fn push(&self, tone: Tone, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|v| {
            v.push(Toast { id, text: text.into(), tone });
            if v.len() > 4 {
                v.remove(0);
            }
        });
        let items = self.items;
        set_timeout(move || items.update(|v| v.retain(|t| t.id != id)), std::time::Duration::from_secs(6));
    }

    pub fn dismiss(&self, id: u64) {
        self.items.update(|v| v.retain(|t| t.id != id));
    }
}

/// The visit's toasts: in the browser one list that every island pushes to; on the server the
/// request's (always empty: nothing is announced before the page is live).
pub fn use_toasts() -> Toasts {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        thread_local!(static TOASTS: std::cell::OnceCell<Toasts> = const { std::cell::OnceCell::new() });
        super::visit_state(&TOASTS, || Toasts { items: RwSignal::new(vec![]), next: StoredValue::new(1) })
    }
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    {
        use_context::<Toasts>().unwrap_or_else(Toasts::provide)
    }
}

/// Where toasts appear; an island, so that it hydrates on every page.
#[island]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div
            role="status"
            aria-live="polite"
            data-testid="toasts"
            class="pointer-events-none fixed bottom-4 right-4 z-50 flex w-80 max-w-[calc(100vw-2rem)] flex-col gap-2"
        >
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class=move || {
                    let tone = match toast.tone {
                        Tone::Success => "border-emerald-500/40 bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100",
                        Tone::Error => "border-rose-500/40 bg-rose-50 text-rose-900 dark:bg-rose-950 dark:text-rose-100",
                        Tone::Info => "border-slate-300 bg-white text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100",
                    };
                    format!("pointer-events-auto flex items-start justify-between gap-3 rounded-xl border px-4 py-3 text-sm shadow-lg {tone}")
                }>
                    <span data-testid="toast">{toast.text.clone()}</span>
                    <button
                        type="button"
                        class="text-current/60 hover:text-current"
                        aria-label="Dismiss notification"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
