//! The WASM entry point. Everything interesting lives in `app`; this crate only wakes its islands.

// The view types of `app` are deep; the optimised (wasm-release) build computes their layouts
// here and overflows the default query depth of 128.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are rendered on the server; only their islands (the interactive parts) are hydrated,
    // each by the function the island script finds for it. The islands of pages other than the
    // catalog are lazy: each is split into its own chunk, fetched where that page shows it.
    leptos::mount::hydrate_islands();
    // From here on the navigation script swaps pages in place and hydrates their islands.
    app::state::page::install();
}
