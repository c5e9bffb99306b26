//! The Leptos application: routes, layout and pages. Server functions live in `api` beside the
//! pages that use them; client state (cart, live connection, toasts, theme) in `state`.
//!
//! Islands architecture: every page is rendered on the server, and only its interactive parts
//! are `#[island]`s, hydrated in the browser (the header's cart badge, notification bell, theme
//! toggle and connection indicator, one island for all the catalog's add-to-cart forms, the toasts, and
//! the live parts of the cart, orders and staff pages). Forms outside islands are plain HTML
//! forms posting to server functions, which answer them with a redirect.
//!
//! It is a single-page app all the same: after the first page, the navigation script
//! (`js/router.js`) fetches each next page and swaps it in, so the WASM module and the
//! per-visit state (cart, live connection, toasts) stay; see `state::page`.

#![recursion_limit = "256"]

pub mod api;
pub mod assets;
pub mod bundle;
pub mod components;
pub mod error;
pub mod pages;
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use state::cart::CartStore;
use state::inbox::NotificationBell;
use state::live::{ConnectionIndicator, Live};
use state::theme::ThemeToggle;
use state::toast::{ToastRegion, Toasts};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let [theme, retry, router] = bundle::inline_scripts();
    let assets = use_context::<assets::Assets>().unwrap_or_default();
    let build = assets.bundle_hash().map(str::to_owned).unwrap_or_else(|| bundle::build_id(&options));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // The page's Content-Security-Policy runs only inline scripts that carry its nonce.
                <script nonce=leptos::nonce::use_nonce()>{theme.as_str()}</script>
                <script nonce=leptos::nonce::use_nonce()>{retry.as_str()}</script>
                <script nonce=leptos::nonce::use_nonce()>{router.as_str()}</script>
                <meta name="shop-build" content=build />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true root=assets.bundle_root() />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// Who is signed in, loaded once per page load and refreshed after sign-in/out.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<domain::views::UserView>, error::AppError>>);

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    CartStore::provide();
    Toasts::provide();
    Live::provide();
    let user = Resource::new_blocking(|| (), |_| api::account::current_user());
    provide_context(CurrentUser(user));

    view! {
        <Stylesheet id="leptos" href=assets::asset_url("/pkg/shop.css") />
        <Link rel="icon" type_="image/svg+xml" href=assets::asset_url("/favicon.svg") />
        <Meta name="description" content="A real-time shop: browse, order, and watch your orders change live." />
        <Title formatter=|t: String| if t.is_empty() { "Pulse Shop".to_owned() } else { format!("{t} · Pulse Shop") } />
        <Router>
            <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
                "Skip to content"
            </a>
            <Header />
            <main id="main" class="mx-auto w-full max-w-6xl px-4 pb-16 pt-6 sm:px-6">
                <Routes fallback=|| view! { <pages::NotFound /> }>
                    <Route path=path!("/") view=pages::products::ProductsPage ssr=SsrMode::Async />
                    <Route path=path!("/products") view=pages::products::ProductsPage ssr=SsrMode::Async />
                    <Route path=path!("/products/:id") view=pages::product::ProductPage ssr=SsrMode::Async />
                    <Route path=path!("/cart") view=pages::cart::CartPage ssr=SsrMode::Async />
                    <Route path=path!("/checkout") view=pages::checkout::CheckoutPage ssr=SsrMode::Async />
                    <Route path=path!("/orders") view=pages::orders::OrdersPage ssr=SsrMode::Async />
                    <Route path=path!("/orders/:id") view=pages::orders::OrderPage ssr=SsrMode::Async />
                    <Route path=path!("/staff") view=pages::staff::StaffPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/events") view=pages::staff_events::StaffEventsPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/products") view=pages::staff_products::StaffProductsPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/products/new") view=pages::staff_products::NewProductPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/products/:id") view=pages::staff_products::EditProductPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/webhooks") view=pages::staff_webhooks::StaffWebhooksPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=pages::auth::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=pages::auth::RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot") view=pages::reset::ForgotPage ssr=SsrMode::Async />
                    <Route path=path!("/reset") view=pages::reset::ResetPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view=pages::notifications::NotificationsPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <ToastRegion />
            // Last in the page, so it hydrates last: islands hydrate in document order, each lazy
            // one after its chunk has arrived.
            <HydrationMark />
        </Router>
    }
}

/// Sets `data-hydrated="true"` on `<body>` once every island before it has hydrated: the mark
/// tests (and people debugging) use to know the page is taken over by the WASM.
#[island]
pub fn HydrationMark() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-hydrated", "true");
    }
    view! { <span hidden></span> }
}

/// The cart link with its item count: an island, because adding to the cart anywhere on the
/// page (or in another tab) changes it.
#[island]
pub fn CartBadge() -> impl IntoView {
    let cart = CartStore::get();
    let count = move || cart.cart.with(|c| c.item_count());
    view! {
        <a
            href="/cart"
            class="relative rounded-lg p-2 text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white"
            aria-label=move || format!("Cart, {} items", count())
        >
            <svg class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                <path d="M6 6h15l-1.5 9h-12z" />
                <path d="M6 6 5 3H2" />
                <circle cx="9" cy="20" r="1.5" />
                <circle cx="18" cy="20" r="1.5" />
            </svg>
            <span
                data-testid="cart-count"
                class="absolute -right-1 -top-1 flex h-5 min-w-5 items-center justify-center rounded-full bg-indigo-600 px-1 text-[11px] font-semibold text-white"
            >
                {count}
            </span>
        </a>
    }
}

#[component]
fn Header() -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    let nav = "rounded-lg px-2 py-2 text-sm sm:px-3 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white aria-[current=page]:text-indigo-600 dark:aria-[current=page]:text-indigo-400";
    view! {
        <header class="sticky top-0 z-40 border-b border-slate-200/80 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
            <div class="mx-auto flex h-16 max-w-6xl items-center gap-1 px-3 sm:gap-2 sm:px-6">
                <A href="/" attr:class="mr-1 flex shrink-0 items-center gap-2 text-lg font-semibold tracking-tight sm:mr-2" attr:aria-label="Pulse Shop, home">
                    <components::Logo />
                    <span class="hidden sm:inline">"Pulse Shop"</span>
                </A>
                <nav aria-label="Main" class="flex items-center gap-1">
                    // On a phone the logo is the way to the catalog (`/` is the catalog too).
                    <A href="/products" attr:class=format!("hidden sm:inline-block {nav}")>"Products"</A>
                    <A href="/orders" attr:class=nav>"Orders"</A>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match user.await {
                                Ok(Some(u)) if u.is_staff => view! { <A href="/staff" attr:class=nav>"Staff"</A> }.into_any(),
                                _ => ().into_any(),
                            }
                        })}
                    </Suspense>
                </nav>
                <div class="ml-auto flex items-center gap-1 sm:gap-2">
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let user = user.await.ok().flatten().map(|u| u.id);
                            view! { <ConnectionIndicator user quiet=false /> }
                        })}
                    </Suspense>
                    <ThemeToggle />
                    <CartBadge />
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match user.await {
                                Ok(Some(u)) => {
                                    let unread = api::notifications::unread_notifications().await.unwrap_or(0);
                                    view! {
                                        <NotificationBell unread />
                                        <components::AccountMenu user=u />
                                    }
                                    .into_any()
                                }
                                _ => view! {
                                    <A href="/login" attr:class="whitespace-nowrap rounded-lg bg-indigo-600 px-2.5 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 sm:px-3">
                                        "Sign in"
                                    </A>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </div>
            </div>
        </header>
    }
}
