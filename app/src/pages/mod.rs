//! One module per page.
//!
//! Every page is rendered on the server. The islands of the cart, orders, notifications and
//! staff pages, the live catalog's and the header's notification bell are lazy (`#[island(lazy)]`): the site builder (`site/`) puts each in its
//! own chunk, which the browser fetches only on a page that shows it and only after the page is
//! shown, so the catalog's first load carries none of them (BENCHMARKS.md, P5). The order page's island is not (see `orders::detail::LiveOrder`).

pub mod account;
pub mod auth;
pub mod cart;
pub mod checkout;
pub(crate) mod form_state;
pub mod live_catalog;
pub mod notifications;
pub mod orders;
pub mod product;
pub mod products;
pub mod reset;
pub mod staff;
pub mod staff_events;
pub mod staff_products;
pub mod staff_webhooks;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::api::forms::{take_flash, Flash};
use crate::components::{EmptyState, ErrorNotice, Skeleton};
use crate::error::AppError;
use crate::CurrentUser;
use domain::views::UserView;

/// The gate of every private page: its content for a signed-in user (`children` gets the user),
/// else the redirect to sign in and back. With `staff`, a signed-in shopper gets 403 and a
/// notice instead.
#[component]
pub fn RequireUser<F, V>(#[prop(optional)] staff: bool, children: F) -> impl IntoView
where
    F: Fn(UserView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let CurrentUser(user) = expect_context::<CurrentUser>();
    view! {
        <Suspense fallback=|| view! { <Skeleton rows=3 /> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(u)) if u.is_staff || !staff => children(u).into_any(),
                        Ok(Some(_)) => {
                            #[cfg(feature = "ssr")]
                            if let Some(o) = use_context::<leptos_axum::ResponseOptions>() {
                                o.set_status(http::StatusCode::FORBIDDEN);
                            }
                            view! { <ErrorNotice message="This page is for staff only.".to_owned() /> }.into_any()
                        }
                        _ => view! { <ToLogin /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A staff page under its title: [`RequireUser`] with `staff`, for content that does not need
/// the signed-in user.
#[component]
pub fn StaffOnly(title: &'static str, children: ChildrenFn) -> impl IntoView {
    view! {
        <Title text=title />
        <RequireUser staff=true let:_staff>
            {children()}
        </RequireUser>
    }
}

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
    let next = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location
            .search
            .get_untracked()
            .trim_start_matches('?')
            .is_empty()
            .then(String::new)
            .unwrap_or_else(|| format!("?{}", location.search.get_untracked().trim_start_matches('?')))
    );
    view! { <Redirect path=format!("/login?next={}", crate::api::account::urlencode(&next)) /> }
}

/// A failed plain form's flash, loaded before the page renders.
pub type FlashResource = Resource<Result<Option<Flash>, AppError>>;

/// What a page needs to show the errors a failed plain form left for it: the field errors, a
/// message for the form as a whole, and the flash itself (with the values typed).
pub fn flash_errors(form: &'static str) -> (RwSignal<std::collections::BTreeMap<String, String>>, RwSignal<Option<String>>, FlashResource) {
    let flash = Resource::new_blocking(|| (), move |_| take_flash(form.into()));
    (RwSignal::new(Default::default()), RwSignal::new(None), flash)
}
