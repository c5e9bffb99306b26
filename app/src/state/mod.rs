//! Client-side state shared by the pages: the cart, the live connection, the notifications'
//! unread count, toasts and the theme.
//!
//! Pages are server-rendered and only their islands hydrate, each on its own; islands that are
//! not nested share no context. So in the browser each piece of state is one value per visit
//! (the WASM module lives from the first page to the last: navigation swaps pages, see
//! [`page`]), made on first use ([`visit_state`]); on the server it is per request, in the
//! context that `App` provides.

pub mod cart;
pub mod inbox;
pub mod live;
pub mod page;
pub mod theme;
pub mod toast;
#[cfg(feature = "hydrate")]
mod transport;

/// The visit's one `T` in the browser, made by `make` on first use under an owner that is never
/// disposed (the state lives as long as the visit; an island's owner may not).
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub(crate) fn visit_state<T: Copy + 'static>(slot: &'static std::thread::LocalKey<std::cell::OnceCell<T>>, make: fn() -> T) -> T {
    use leptos::prelude::Owner;
    slot.with(|cell| {
        *cell.get_or_init(|| {
            // `new_root` also makes the new owner the current one; the caller's owner must be
            // current again afterwards, or what the caller creates next would outlive it and
            // what it created before would be disposed with it.
            let caller = Owner::current();
            let root = Owner::new_root(None);
            let value = root.with(make);
            match caller {
                Some(owner) => owner.set(),
                None => root.clone().unset(),
            }
            std::mem::forget(root);
            value
        })
    })
}
