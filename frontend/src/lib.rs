//! The WASM entry point. Everything interesting lives in `app`; this crate only hydrates it.

// The view types of `app` are deep; the optimised (wasm-release) build computes their layouts
// here and overflows the default query depth of 128.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Not `hydrate_body`: most routes are lazy (split into their own chunks), and hydrating one
    // first waits for its chunk.
    leptos::mount::hydrate_lazy(app::App);
}
