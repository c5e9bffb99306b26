//! Dark mode with the `class` strategy.
//!
//! A tiny inline script in `<head>` applies the saved (or the system's) theme before the first
//! paint, so there is no flash of the wrong theme; the toggle flips the class and saves it.

use leptos::prelude::*;

/// Runs before first paint. Kept tiny and dependency-free on purpose.
pub const NO_FLASH_SCRIPT: &str = include_str!("../js/theme.js");

#[island]
pub fn ThemeToggle() -> impl IntoView {
    let toggle = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                let dark = root.class_list().toggle("dark").unwrap_or(false);
                if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                    let _ = s.set_item("theme", if dark { "dark" } else { "light" });
                }
            }
        }
    };
    view! {
        <button
            type="button"
            data-testid="theme-toggle"
            aria-label="Toggle dark mode"
            title="Toggle dark mode"
            class="rounded-lg p-2 text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white"
            on:click=toggle
        >
            <svg class="h-5 w-5 dark:hidden" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
            </svg>
            <svg class="hidden h-5 w-5 dark:block" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                <circle cx="12" cy="12" r="4" />
                <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
            </svg>
        </button>
    }
}
