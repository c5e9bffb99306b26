//! One module per page.
//!
//! Only the catalog (`products`) and the not-found page are in the main WASM bundle: every other
//! page is a lazy route, split by `cargo leptos --split` into its own chunk that the browser
//! fetches the first time it shows that page (BENCHMARKS.md, P5). The server renders them all
//! the same way.

pub mod auth;
pub mod cart;
pub mod checkout;
pub mod orders;
pub mod products;
pub mod staff;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::components::EmptyState;

/// `lazy_page!(Route, Page)` declares `Route`, a lazy route (`Lazy::<Route>::new()` in the
/// router) that renders the component `Page`. The page loads its own data inside, so the route
/// carries none: on a client-side navigation the chunk arrives first, then the data.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        #[doc = concat!("The lazy route of [`", stringify!($page), "`].")]
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}
pub(crate) use lazy_page;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <EmptyState title="Page not found" body="The page you are looking for does not exist." href="/products" cta="Browse products" />
    }
}

/// Sends a signed-out visitor to the sign-in page, and back here afterwards.
#[component]
pub fn ToLogin() -> impl IntoView {
    let location = use_location();
    let next = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked().trim_start_matches('?').is_empty().then(String::new).unwrap_or_else(|| format!("?{}", location.search.get_untracked().trim_start_matches('?'))));
    view! { <Redirect path=format!("/login?next={}", crate::api::account::urlencode(&next)) /> }
}
