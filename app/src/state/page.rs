//! The page inside the visit: what ends when the shopper moves to another page, and what the
//! visit keeps.
//!
//! The shop is a single-page app: after the first page, the navigation script
//! (`app/src/js/router.js`) fetches each next page as server-rendered HTML, swaps the `<main>`
//! part and the header's non-island parts in, and hydrates the new islands; the WASM module, the
//! live connection, the cart and the toasts stay. The script tells the WASM about each swap with
//! two window events:
//! - [`LEAVE_EVENT`] before the old page's DOM goes: every island of the old page that called
//!   [`scoped`] is disposed (its listeners, effects and timers end with the page it drew);
//! - [`ENTER_EVENT`] after the new page is in: per-visit state re-reads what the server may have
//!   changed while answering (a form post that changed the cart cookie, say).
//!
//! The header's islands (cart badge, theme, connection) are not scoped: they live for the visit.

/// Fired on `window` by the WASM once it runs.
pub const READY_EVENT: &str = "shop:ready";
/// Fired on `window` by the navigation script before the current page's DOM is replaced.
pub const LEAVE_EVENT: &str = "shop:page-leave";
/// Fired on `window` by the navigation script once the new page's DOM is in place.
pub const ENTER_EVENT: &str = "shop:page-enter";

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
thread_local! {
    static PAGE_OWNERS: std::cell::RefCell<Vec<leptos::prelude::Owner>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Ends the calling island with its page. Call it first thing in an island that sits in
/// `<main>`: the island's reactive owner is disposed when the shopper navigates away.
pub fn scoped() {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    if let Some(owner) = leptos::prelude::Owner::current() {
        PAGE_OWNERS.with(|owners| owners.borrow_mut().push(owner));
    }
}

/// Disposes every island of the page being left. Owners are taken out of the list first: a
/// cleanup may run code that scopes something new.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn leave() {
    let owners = PAGE_OWNERS.with(|owners| std::mem::take(&mut *owners.borrow_mut()));
    for owner in owners {
        owner.cleanup();
    }
}

/// Listens for the navigation script's events, once per visit (the WASM entry point calls it).
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub fn install() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else { return };
    let on_leave = Closure::<dyn Fn()>::new(leave);
    let on_enter = Closure::<dyn Fn()>::new(|| super::cart::CartStore::get().reload_from_cookie());
    let _ = window.add_event_listener_with_callback(LEAVE_EVENT, on_leave.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback(ENTER_EVENT, on_enter.as_ref().unchecked_ref());
    // Both live as long as the visit does.
    on_leave.forget();
    on_enter.forget();
    // The islands in the document now are hydrated by the island script's first pass; the
    // navigation script hydrates those of later pages, once it knows the module is running.
    let _ = js_sys::Reflect::set(&window, &"__shopReady".into(), &true.into());
    if let Ok(ready) = web_sys::Event::new(READY_EVENT) {
        let _ = window.dispatch_event(&ready);
    }
}
