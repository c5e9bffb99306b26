//! Cart cookie updates (for browsers without WASM), the checkout steps and placing the order.

use leptos::prelude::*;

use crate::error::AppError;
use domain::pricing::PriceQuote;
use domain::validation::Shipping;
use domain::views::PlacedOrder;

#[cfg(feature = "ssr")]
use super::{forms::flash, ssr};

/// Name of the cookie mirroring the browser cart (`id:qty,…`), so server-rendered pages and
/// plain form posts know the cart too. Readable by scripts: it holds nothing secret.
pub const CART_COOKIE: &str = "cart";
#[cfg(feature = "ssr")]
const SHIPPING_COOKIE: &str = "checkout_shipping";

#[cfg(feature = "ssr")]
pub fn cart_from_request() -> domain::cart::Cart {
    ssr::cookie(CART_COOKIE).map(|c| domain::cart::Cart::from_cookie(&c)).unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn write_cart_cookie(cart: &domain::cart::Cart) {
    ssr::set_cookie(super::cookies::cart(cart.to_cookie()));
}

/// The cart as the server sees it (from the cookie), for the first render.
#[server(prefix = "/api", endpoint = "server_cart")]
pub async fn server_cart() -> Result<String, AppError> {
    Ok(cart_from_request().encode())
}

/// Adds a product to the cart cookie (the no-WASM path; with WASM the cart is updated locally).
#[server(prefix = "/api", endpoint = "add_to_cart")]
pub async fn add_to_cart(product_id: String, quantity: Option<i64>) -> Result<(), AppError> {
    let quantity = quantity.unwrap_or(1);
    domain::cart::check_line(&product_id, quantity, 1).map_err(|m| AppError::from(backend::ShopError::Rejected(m)))?;
    let mut cart = cart_from_request();
    check_catalog(&product_id, cart.quantity_of(&product_id) + quantity).await?;
    cart.add(&product_id, quantity);
    write_cart_cookie(&cart);
    Ok(())
}

/// Refuses a product the catalog does not have, and a line beyond its stock.
#[cfg(feature = "ssr")]
async fn check_catalog(product_id: &str, quantity: i64) -> Result<(), AppError> {
    Ok(backend::catalog::check_available(&ssr::shop()?, product_id, quantity).await?)
}

/// Sets a quantity in the cart cookie; 0 removes the line (the no-WASM path).
#[server(prefix = "/api", endpoint = "set_cart_quantity")]
pub async fn set_cart_quantity(product_id: String, quantity: i64) -> Result<(), AppError> {
    // Checked before anything is written: an id is a slug, so nothing can be smuggled into
    // the Set-Cookie header, and an impossible quantity changes nothing.
    domain::cart::check_line(&product_id, quantity, 0).map_err(|m| AppError::from(backend::ShopError::Rejected(m)))?;
    if quantity > 0 {
        check_catalog(&product_id, quantity).await?;
    }
    let mut cart = cart_from_request();
    cart.set_quantity(&product_id, quantity);
    write_cart_cookie(&cart);
    Ok(())
}

/// A fresh idempotency key for one checkout form.
#[server(prefix = "/api", endpoint = "checkout_key")]
pub async fn new_checkout_key() -> Result<String, AppError> {
    Ok(backend::new_id())
}

/// Step 1: validates the shipping details on the server.
#[server(prefix = "/api", endpoint = "check_shipping")]
pub async fn check_shipping(#[server(flatten)] input: Shipping) -> Result<Shipping, AppError> {
    ssr::require_session().await?;
    match domain::validation::validate_shipping(&input) {
        Ok(valid) => {
            if ssr::is_plain_form_post() {
                let json = serde_json::to_vec(&valid).unwrap_or_default();
                ssr::set_cookie(super::cookies::flash(SHIPPING_COOKIE, &json, "/checkout", cookie::time::Duration::hours(1)));
                leptos_axum::redirect("/checkout?step=review");
            }
            Ok(valid)
        }
        Err(errors) => {
            let values = shipping_values(&input);
            let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Err(flash::fail("checkout", AppError::Invalid(errors.0), &refs, "/checkout"))
        }
    }
}

#[cfg(feature = "ssr")]
fn shipping_values(s: &Shipping) -> Vec<(&'static str, String)> {
    vec![
        ("first_name", s.first_name.clone()),
        ("last_name", s.last_name.clone()),
        ("email", s.email.clone()),
        ("address", s.address.clone()),
        ("city", s.city.clone()),
        ("state", s.state.clone()),
        ("zip", s.zip.clone()),
    ]
}

/// Shipping details remembered by step 1 of a checkout without WASM.
#[server(prefix = "/api", endpoint = "saved_shipping")]
pub async fn saved_shipping() -> Result<Option<Shipping>, AppError> {
    Ok(ssr::flash_cookie(SHIPPING_COOKIE).and_then(|b| serde_json::from_slice(&b).ok()))
}

/// The review step's prices: the cart priced with today's database prices.
#[server(prefix = "/api", endpoint = "quote")]
pub async fn quote(cart: String) -> Result<PriceQuote, AppError> {
    Ok(backend::catalog::quote(&ssr::shop()?, &cart).await?)
}

/// Step 3: places the order. Prices and totals come from the database. A request with any
/// field the form does not send (a `price` or `total`, say) is refused whole with 422
/// ([`domain::validation::check_no_extra_fields`]); `unexpected` collects those fields.
#[server(prefix = "/api", endpoint = "place_order")]
pub async fn place_order(
    #[server(flatten)] shipping: Shipping,
    cart: String,
    idempotency_key: String,
    #[server(flatten)] unexpected: std::collections::BTreeMap<String, String>,
) -> Result<PlacedOrder, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    // A refused order goes back to the review step with the details kept (plain form posts).
    let fail = |e: AppError| {
        let values = shipping_values(&shipping);
        let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        flash::fail("checkout", e, &refs, "/checkout?step=review")
    };
    if let Err(message) = domain::validation::check_no_extra_fields(unexpected.keys().map(String::as_str)) {
        return Err(fail(backend::ShopError::Rejected(message).into()));
    }
    let request = backend::checkout::CheckoutRequest { shipping: shipping.clone(), cart, idempotency_key };
    match backend::checkout::place_order(&shop, &session.user_id, request).await {
        Ok(placed) => {
            if ssr::is_plain_form_post() {
                write_cart_cookie(&domain::cart::Cart::default());
                ssr::set_cookie(super::cookies::clear_flash(SHIPPING_COOKIE, "/checkout"));
                leptos_axum::redirect(&format!("/orders/{}?placed=1", placed.order.id));
            }
            Ok(placed)
        }
        Err(e) => Err(fail(e.into())),
    }
}
