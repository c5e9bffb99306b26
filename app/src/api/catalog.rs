//! The product catalog.

use leptos::prelude::*;

use crate::error::AppError;
use domain::views::ProductView;

#[cfg(feature = "ssr")]
use super::ssr;

/// Products matching an optional search text and category (both may be empty).
#[server(prefix = "/api", endpoint = "products")]
pub async fn list_products(query: String, category: String) -> Result<Vec<ProductView>, AppError> {
    let shop = ssr::shop()?;
    let all = shop.catalog.all(&shop.db).await?;
    Ok(backend::catalog::filter(&all, &query, &category))
}

/// The distinct categories, for the filter.
#[server(prefix = "/api", endpoint = "categories")]
pub async fn list_categories() -> Result<Vec<String>, AppError> {
    let shop = ssr::shop()?;
    let all = shop.catalog.all(&shop.db).await?;
    let mut cats: Vec<String> = all.iter().map(|p| p.category.clone()).collect();
    cats.sort();
    cats.dedup();
    Ok(cats)
}
