//! The product catalog.

use leptos::prelude::*;

use crate::error::AppError;
use domain::views::ProductView;

#[cfg(feature = "ssr")]
use super::ssr;

/// Products matching an optional search text and category (both may be empty).
#[server(prefix = "/api", endpoint = "products")]
pub async fn list_products(query: String, category: String) -> Result<Vec<ProductView>, AppError> {
    Ok(backend::catalog::search(&ssr::shop()?, &query, &category).await?)
}

/// The distinct categories, for the filter.
#[server(prefix = "/api", endpoint = "categories")]
pub async fn list_categories() -> Result<Vec<String>, AppError> {
    Ok(backend::catalog::categories(&ssr::shop()?).await?)
}
