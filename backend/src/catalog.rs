//! The product list, cached in memory and invalidated whenever stock changes.
//!
//! Invalidation happens on this instance right after a commit that changed stock, and on every
//! instance when the order event arrives from Kafka (the consumer calls [`CatalogCache::invalidate`]),
//! so the stock a page shows is never older than the last checkout it could know of.

pub mod admin;
pub mod images;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::{order_item, product};
use crate::{Shop, ShopError};
use domain::pricing::{PriceQuote, ProductSnapshot};
use domain::views::ProductView;

#[derive(Clone, Default)]
pub struct CatalogCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: AtomicU64,
    products: RwLock<Option<(u64, Arc<Vec<ProductView>>)>>,
}

impl CatalogCache {
    pub fn invalidate(&self) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        *self.inner.products.write().expect("catalog lock") = None;
    }

    /// All products, from the cache or the database.
    pub async fn all(&self, db: &DatabaseConnection) -> Result<Arc<Vec<ProductView>>, ShopError> {
        let generation = self.inner.generation.load(Ordering::SeqCst);
        if let Some((g, list)) = self.inner.products.read().expect("catalog lock").as_ref() {
            if *g == generation {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(load(db).await?);
        // Only keep what we read if nothing invalidated the cache while we were reading.
        let mut slot = self.inner.products.write().expect("catalog lock");
        if self.inner.generation.load(Ordering::SeqCst) == generation {
            *slot = Some((generation, list.clone()));
        }
        Ok(list)
    }
}

pub(crate) fn view(p: product::Model) -> ProductView {
    let picture = p.picture.filter(|c| domain::picture::Picture::from_column(c).is_some());
    ProductView {
        id: p.id,
        name: p.name,
        description: p.description,
        category: p.category,
        price_cents: p.price_cents,
        stock: p.stock as i64,
        image: p.image,
        picture,
    }
}

async fn load(db: &DatabaseConnection) -> Result<Vec<ProductView>, ShopError> {
    Ok(product::Entity::find()
        .filter(product::Column::Archived.eq(false))
        .order_by_asc(product::Column::Category)
        .order_by_asc(product::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Products below the threshold, lowest stock first (for staff).
pub async fn low_stock(db: &DatabaseConnection, threshold: i32) -> Result<Vec<ProductView>, ShopError> {
    Ok(product::Entity::find()
        .filter(product::Column::Stock.lt(threshold))
        .filter(product::Column::Archived.eq(false))
        .order_by_asc(product::Column::Stock)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Filters a product list by a free-text query (name, description, category) and a category.
pub fn filter(products: &[ProductView], query: &str, category: &str) -> Vec<ProductView> {
    products.iter().filter(|p| domain::catalog::matches(p, query, category)).cloned().collect()
}

/// Products matching a free-text query and a category (either may be empty).
pub async fn search(shop: &Shop, query: &str, category: &str) -> Result<Vec<ProductView>, ShopError> {
    Ok(filter(&shop.catalog.all(&shop.db).await?, query, category))
}

/// The distinct categories, sorted (the catalog's filter).
pub async fn categories(shop: &Shop) -> Result<Vec<String>, ShopError> {
    let mut categories: Vec<String> = shop.catalog.all(&shop.db).await?.iter().map(|p| p.category.clone()).collect();
    categories.sort();
    categories.dedup();
    Ok(categories)
}

/// Refuses a product the catalog does not have, and a quantity beyond its stock (checked before
/// a line goes into a cart).
pub async fn check_available(shop: &Shop, product_id: &str, quantity: i64) -> Result<(), ShopError> {
    let catalog = shop.catalog.all(&shop.db).await?;
    let Some(product) = catalog.iter().find(|p| p.id == product_id) else {
        return Err(ShopError::Rejected(format!("\"{product_id}\" is not in the catalog.")));
    };
    domain::cart::check_stock(&product.name, quantity, product.stock).map_err(ShopError::Rejected)
}

/// A cart (as the checkout form sends it) priced with the catalog as it is now.
pub async fn quote(shop: &Shop, cart: &str) -> Result<PriceQuote, ShopError> {
    let products: Vec<ProductSnapshot> = shop
        .catalog
        .all(&shop.db)
        .await?
        .iter()
        .map(|p| ProductSnapshot { id: p.id.clone(), name: p.name.clone(), price_cents: p.price_cents, stock: p.stock })
        .collect();
    Ok(PriceQuote::for_cart(cart, &products))
}

/// One product on sale, for its page (archived products are not found).
pub async fn product(shop: &Shop, id: &str) -> Result<ProductView, ShopError> {
    shop.catalog.all(&shop.db).await?.iter().find(|p| p.id == id).cloned().ok_or(ShopError::NotFound)
}

/// These products as the database has them now: those on sale, and the ids of those archived
/// (what the live catalog pushes to the pages after a change).
pub async fn current(db: &DatabaseConnection, ids: &[String]) -> Result<(Vec<ProductView>, Vec<String>), ShopError> {
    let rows = product::Entity::find().filter(product::Column::Id.is_in(ids.iter().cloned())).all(db).await?;
    let (archived, on_sale): (Vec<_>, Vec<_>) = rows.into_iter().partition(|p| p.archived);
    Ok((on_sale.into_iter().map(view).collect(), archived.into_iter().map(|p| p.id).collect()))
}

/// The products these orders hold: whose stock their placing or cancelling moved.
pub async fn products_of_orders(db: &DatabaseConnection, order_ids: &[String]) -> Result<Vec<String>, ShopError> {
    let mut ids: Vec<String> = order_item::Entity::find()
        .select_only()
        .column(order_item::Column::ProductId)
        .filter(order_item::Column::OrderId.is_in(order_ids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}
