//! Staff run the catalog: the product table, create, edit, archive and restore, restock and
//! count. Thin: parse, authorise (the backend refuses non-staff with 403), call the backend, and
//! answer a plain form with a redirect (success) or a flash back to its page (failure).

use leptos::prelude::*;

use crate::error::AppError;
use domain::views::{StaffProduct, StaffProductPage};

#[cfg(feature = "ssr")]
use super::{forms::flash, ssr};

/// The staff product table. `status`: `active` (default), `archived` or `all`.
#[server(prefix = "/api", endpoint = "staff_products")]
pub async fn staff_products(query: String, category: String, status: String, page: u64) -> Result<StaffProductPage, AppError> {
    let session = ssr::require_session().await?;
    let listing = backend::catalog::admin::Listing::parse(&status);
    Ok(backend::catalog::admin::list(&ssr::shop()?, &session, &query, &category, listing, page).await?)
}

/// One product as staff edit it.
#[server(prefix = "/api", endpoint = "staff_product")]
pub async fn get_staff_product(id: String) -> Result<StaffProduct, AppError> {
    let session = ssr::require_session().await?;
    Ok(backend::catalog::admin::get(&ssr::shop()?, &session, &id).await?)
}

#[server(prefix = "/api", endpoint = "create_product")]
pub async fn create_product(name: String, description: String, category: String, price: String, stock: String) -> Result<StaffProduct, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    let values =
        [("name", name.as_str()), ("description", description.as_str()), ("category", category.as_str()), ("price", price.as_str()), ("stock", stock.as_str())];
    let result = async {
        let draft = domain::catalog::validate_product(&name, &description, &category, &price).map_err(backend::ShopError::Invalid)?;
        let units = if stock.trim().is_empty() { Ok(0) } else { stock.trim().parse::<i64>() };
        let units = units.map_err(|_| invalid("stock", "Type a whole number of units."))?;
        backend::catalog::admin::create(&shop, &session, &draft, units).await
    }
    .await;
    match result {
        Ok(product) => {
            ssr::plain_form_goes_to(&format!("/staff/products/{}?saved=created", product.product.id));
            Ok(product)
        }
        Err(e) => Err(flash::fail("product", e.into(), &values, "/staff/products/new")),
    }
}

/// Saves an edit made from `version`.
#[server(prefix = "/api", endpoint = "update_product")]
pub async fn update_product(id: String, version: i64, name: String, description: String, category: String, price: String) -> Result<StaffProduct, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    let values = [("name", name.as_str()), ("description", description.as_str()), ("category", category.as_str()), ("price", price.as_str())];
    let result = async {
        let draft = domain::catalog::validate_product(&name, &description, &category, &price).map_err(backend::ShopError::Invalid)?;
        backend::catalog::admin::update(&shop, &session, &id, version, &draft).await
    }
    .await;
    finish(result, "product", &values, &id, "saved")
}

/// Archives (`archived` = "true") or restores a product.
#[server(prefix = "/api", endpoint = "archive_product")]
pub async fn archive_product(id: String, version: i64, archived: String) -> Result<StaffProduct, AppError> {
    let session = ssr::require_session().await?;
    let archive = archived == "true";
    let result = backend::catalog::admin::set_archived(&ssr::shop()?, &session, &id, version, archive).await;
    finish(result, "archive", &[], &id, if archive { "archived" } else { "restored" })
}

/// Restocks (`action` = "add") or counts (`action` = "set") a product's stock, with a reason.
#[server(prefix = "/api", endpoint = "change_stock")]
pub async fn change_stock(id: String, action: String, quantity: String, reason: String) -> Result<StaffProduct, AppError> {
    let session = ssr::require_session().await?;
    let shop = ssr::shop()?;
    let values = [("action", action.as_str()), ("quantity", quantity.as_str()), ("reason", reason.as_str())];
    let result = async {
        let change = domain::catalog::StockChange::parse(&action, &quantity).map_err(|m| invalid("quantity", &m))?;
        let reason = domain::catalog::StockReason::parse(&reason).map_err(|m| invalid("reason", &m))?;
        backend::catalog::admin::change_stock(&shop, &session, &id, change, reason).await
    }
    .await;
    finish(result, "stock", &values, &id, "stock")
}

#[cfg(feature = "ssr")]
fn invalid(field: &str, message: &str) -> backend::ShopError {
    let mut errors = domain::validation::FieldErrors::default();
    errors.add(field, message);
    backend::ShopError::Invalid(errors)
}

/// The no-WASM protocol for the edit page's forms: back to the page, with `?saved=…` or a flash.
#[cfg(feature = "ssr")]
fn finish(result: Result<StaffProduct, backend::ShopError>, form: &str, values: &[(&str, &str)], id: &str, saved: &str) -> Result<StaffProduct, AppError> {
    let page = format!("/staff/products/{}", urlencoding(id));
    match result {
        Ok(product) => {
            ssr::plain_form_goes_to(&format!("{page}?saved={saved}"));
            Ok(product)
        }
        Err(e) => Err(flash::fail(form, e.into(), values, &page)),
    }
}

/// Product ids are `[a-z0-9-]` when valid; anything else is escaped so that it cannot change
/// the redirect's path.
#[cfg(feature = "ssr")]
fn urlencoding(id: &str) -> String {
    id.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// One product on sale, for its page (public).
#[server(prefix = "/api", endpoint = "product")]
pub async fn get_product(id: String) -> Result<domain::views::ProductView, AppError> {
    Ok(backend::catalog::product(&ssr::shop()?, &id).await?)
}
