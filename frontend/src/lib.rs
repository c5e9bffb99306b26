//! The WASM entry point. Everything interesting lives in `app`; this crate only hydrates it.

// The view types of `app` are deep; the optimised (wasm-release) build computes their layouts
// here and overflows the default query depth of 128.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Not `hydrate_body`: most routes are lazy (split into their own chunks), and hydrating one
    // first waits for its chunk. (`hydrate_lazy` does the same, without telling us when it is done.)
    // wasm-bindgen's executor, not Leptos' (`hydrate_from_async` sets Leptos' up itself).
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else { return };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        // Lets tests (and people debugging) see that the WASM took over the whole page, the lazy
        // route's chunk included: an effect in `App` would run before that chunk has arrived.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
