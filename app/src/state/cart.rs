//! The shopper's cart: a reactive signal, persisted to localStorage and mirrored into the
//! `cart` cookie.
//!
//! The cookie lets the server render the cart badge and the checkout without a flash of an
//! empty cart, and lets the no-WASM forms work; localStorage's `storage` event keeps every open
//! tab consistent. Server-side rendering reads the cookie from the request; hydration reads the
//! same cookie from `document.cookie`, so both render the same markup. Every island of a page
//! (the header's badge, the catalog's buttons, the cart page) uses the same store.

use leptos::prelude::*;

use domain::cart::Cart;

#[derive(Clone, Copy)]
pub struct CartStore {
    pub cart: RwSignal<Cart>,
}

impl CartStore {
    /// The server's cart for this request (from its cookie), for the components that need it.
    pub fn provide() -> CartStore {
        let store = CartStore { cart: RwSignal::new(initial_cart()) };
        provide_context(store);
        store
    }

    /// The visit's cart: in the browser one store that every island shares, read from the cookie
    /// and kept in step with localStorage and other tabs; on the server the request's.
    pub fn get() -> CartStore {
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            thread_local!(static STORE: std::cell::OnceCell<CartStore> = const { std::cell::OnceCell::new() });
            super::visit_state(&STORE, || {
                let store = CartStore { cart: RwSignal::new(initial_cart()) };
                store.sync_with_local_storage();
                store
            })
        }
        #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
        {
            use_context::<CartStore>().unwrap_or_else(CartStore::provide)
        }
    }

    pub fn add(&self, product_id: &str, quantity: i64) {
        self.cart.update(|c| c.add(product_id, quantity));
        self.persist();
    }

    pub fn set_quantity(&self, product_id: &str, quantity: i64) {
        self.cart.update(|c| c.set_quantity(product_id, quantity));
        self.persist();
    }

    pub fn clear(&self) {
        self.cart.set(Cart::default());
        self.persist();
    }

    fn persist(&self) {
        #[cfg(feature = "hydrate")]
        {
            let cart = self.cart.get_untracked();
            write_cookie(&cart);
            if let Some(storage) = local_storage() {
                let _ = storage.set_item(STORAGE_KEY, &cart.encode());
            }
        }
    }

    /// After a page swap: the server may have changed the cart while answering (a plain form
    /// added a line, a placed order emptied it), and its cookie is then newer than this store.
    #[cfg(feature = "hydrate")]
    pub fn reload_from_cookie(&self) {
        let Some(from_cookie) = read_cookie().map(|c| Cart::from_cookie(&c)) else { return };
        if self.cart.with_untracked(|c| *c != from_cookie) {
            self.cart.set(from_cookie);
            self.persist();
        }
    }

    #[cfg(feature = "hydrate")]
    fn sync_with_local_storage(self) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        // After hydration: localStorage is the source of truth in the browser. The cookie is
        // equal to it unless a form without WASM changed the cart (then the cookie is newer).
        Effect::new(move |_| {
            let from_cookie = read_cookie();
            let stored = local_storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
            match stored {
                Some(s) if from_cookie.is_none() => self.cart.set(Cart::decode(&s)),
                _ => {}
            }
            self.persist();
        });
        let on_storage = Closure::<dyn Fn(web_sys::StorageEvent)>::new(move |ev: web_sys::StorageEvent| {
            if ev.key().as_deref() == Some(STORAGE_KEY) {
                self.cart.set(Cart::decode(&ev.new_value().unwrap_or_default()));
                write_cookie(&self.cart.get_untracked());
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
        }
        on_storage.forget();
    }
}

#[cfg(feature = "hydrate")]
const STORAGE_KEY: &str = "shop.cart";

#[cfg(feature = "hydrate")]
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(feature = "hydrate")]
fn read_cookie() -> Option<String> {
    use wasm_bindgen::JsCast;
    let doc = web_sys::window()?.document()?.dyn_into::<web_sys::HtmlDocument>().ok()?;
    let all = doc.cookie().ok()?;
    all.split(';').filter_map(|p| p.trim().split_once('=')).find(|(k, _)| *k == crate::api::checkout::CART_COOKIE).map(|(_, v)| v.to_owned())
}

#[cfg(feature = "hydrate")]
fn write_cookie(cart: &Cart) {
    use wasm_bindgen::JsCast;
    if let Some(doc) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok()) {
        let _ = doc.set_cookie(&format!("{}={}; Path=/; SameSite=Lax; Max-Age=31536000", crate::api::checkout::CART_COOKIE, cart.to_cookie()));
    }
}

fn initial_cart() -> Cart {
    #[cfg(feature = "ssr")]
    {
        crate::api::checkout::cart_from_request()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        read_cookie().map(|c| Cart::from_cookie(&c)).unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Cart::default()
    }
}
