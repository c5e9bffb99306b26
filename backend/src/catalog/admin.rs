//! Staff run the catalog: create and edit products, archive and restore them, restock and count
//! stock. Every change is one transaction that also writes its catalog event to the outbox
//! (`domain::catalog_event`), so the log holds who changed what, and every open catalog page
//! hears of it.
//!
//! Edits name the version they started from and are refused when someone saved first. Stock
//! changes never conflict: a restock is one atomic increment, a count one conditional update,
//! so a checkout taking units at the same moment is neither lost nor counted twice.

use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait};

use crate::auth::Session;
use crate::entities::product;
use crate::{new_id, now_ms, rfc3339, Shop, ShopError};
use domain::catalog::{product_id_from_name, ProductDraft, StockChange, StockReason, PLACEHOLDER_IMAGE};
use domain::views::{StaffProduct, StaffProductPage};
use domain::{ProductChange, ProductEvent, EVENT_SCHEMA_VERSION};

/// Rows per page of the staff table.
pub const PAGE_SIZE: u64 = 20;

/// Which products the staff table lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Active,
    Archived,
    All,
}

impl Listing {
    pub fn parse(s: &str) -> Listing {
        match s {
            "archived" => Listing::Archived,
            "all" => Listing::All,
            _ => Listing::Active,
        }
    }
}

pub(crate) fn staff_view(p: product::Model) -> StaffProduct {
    let (version, archived, updated_at_ms) = (p.version, p.archived, p.updated_at);
    StaffProduct { product: super::view(p), version, archived, updated_at_ms }
}

/// The staff table: products matching a search and a category, by name, a page at a time.
/// Filtered in memory, as the catalog is (a shop's product list is thousands of rows, not
/// millions), with the same matching rule shoppers get.
pub async fn list(shop: &Shop, session: &Session, query: &str, category: &str, listing: Listing, page: u64) -> Result<StaffProductPage, ShopError> {
    session.require_staff()?;
    let all: Vec<StaffProduct> = product::Entity::find().all(&shop.db).await?.into_iter().map(staff_view).collect();
    let mut categories: Vec<String> = all.iter().map(|p| p.product.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let views: Vec<_> = all.iter().map(|p| p.product.clone()).collect();
    let matching: std::collections::HashSet<String> = super::filter(&views, query, category).into_iter().map(|p| p.id).collect();
    let mut rows: Vec<StaffProduct> = all
        .into_iter()
        .filter(|p| matching.contains(&p.product.id))
        .filter(|p| match listing {
            Listing::Active => !p.archived,
            Listing::Archived => p.archived,
            Listing::All => true,
        })
        .collect();
    rows.sort_by_cached_key(|p| p.product.name.to_lowercase());
    let total = rows.len() as u64;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let products = rows.into_iter().skip(((page - 1) * PAGE_SIZE) as usize).take(PAGE_SIZE as usize).collect();
    Ok(StaffProductPage { products, page, pages, total, categories })
}

/// One product, archived or not (for its edit page).
pub async fn get(shop: &Shop, session: &Session, id: &str) -> Result<StaffProduct, ShopError> {
    session.require_staff()?;
    Ok(staff_view(product::Entity::find_by_id(id.to_owned()).one(&shop.db).await?.ok_or(ShopError::NotFound)?))
}

/// Adds a product with `stock` units, under an id made from its name.
pub async fn create(shop: &Shop, session: &Session, draft: &ProductDraft, stock: i64) -> Result<StaffProduct, ShopError> {
    session.require_staff()?;
    StockChange::SetTo(stock).check().map_err(|m| field("stock", m))?;
    let base = product_id_from_name(&draft.name);
    let _gate = shop.gate.enter().await;
    let txn = shop.db.begin().await?;
    let mut id = base.clone();
    let mut n = 1;
    while product::Entity::find_by_id(id.clone()).one(&txn).await?.is_some() {
        n += 1;
        id = format!("{base}-{n}");
    }
    let now = now_ms();
    let row = product::ActiveModel {
        id: Set(id.clone()),
        name: Set(draft.name.clone()),
        description: Set(draft.description.clone()),
        category: Set(draft.category.clone()),
        price_cents: Set(draft.price_cents),
        stock: Set(stock as i32),
        image: Set(PLACEHOLDER_IMAGE.to_owned()),
        picture: Set(None),
        created_at: Set(now),
        version: Set(1),
        archived: Set(false),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let event = event(ProductChange::Created, &row, session, now);
    crate::outbox::enqueue_product(&txn, &event, now).await?;
    txn.commit().await?;
    changed(shop, &event);
    Ok(staff_view(row))
}

/// Saves an edit made from `expected_version`; refused with the current values when someone
/// saved since.
pub async fn update(shop: &Shop, session: &Session, id: &str, expected_version: i64, draft: &ProductDraft) -> Result<StaffProduct, ShopError> {
    session.require_staff()?;
    let _gate = shop.gate.enter().await;
    let txn = shop.db.begin().await?;
    let before = locked(&txn, id).await?;
    stale(&before, expected_version)?;
    let now = now_ms();
    product::Entity::update_many()
        .col_expr(product::Column::Name, Expr::value(draft.name.clone()))
        .col_expr(product::Column::Description, Expr::value(draft.description.clone()))
        .col_expr(product::Column::Category, Expr::value(draft.category.clone()))
        .col_expr(product::Column::PriceCents, Expr::value(draft.price_cents))
        .col_expr(product::Column::Version, Expr::value(expected_version + 1))
        .col_expr(product::Column::UpdatedAt, Expr::value(now))
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    let after = locked(&txn, id).await?;
    let mut event = event(ProductChange::Updated, &after, session, now);
    event.previous_price_cents = Some(before.price_cents).filter(|p| *p != after.price_cents);
    crate::outbox::enqueue_product(&txn, &event, now).await?;
    txn.commit().await?;
    changed(shop, &event);
    Ok(staff_view(after))
}

/// Archives a product (it leaves the catalog and can no longer be bought; orders that hold it
/// keep their lines) or restores it.
pub async fn set_archived(shop: &Shop, session: &Session, id: &str, expected_version: i64, archived: bool) -> Result<StaffProduct, ShopError> {
    session.require_staff()?;
    let _gate = shop.gate.enter().await;
    let txn = shop.db.begin().await?;
    let before = locked(&txn, id).await?;
    stale(&before, expected_version)?;
    if before.archived == archived {
        return Ok(staff_view(before));
    }
    let now = now_ms();
    product::Entity::update_many()
        .col_expr(product::Column::Archived, Expr::value(archived))
        .col_expr(product::Column::Version, Expr::value(expected_version + 1))
        .col_expr(product::Column::UpdatedAt, Expr::value(now))
        .filter(product::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let after = locked(&txn, id).await?;
    let kind = if archived { ProductChange::Archived } else { ProductChange::Restored };
    let event = event(kind, &after, session, now);
    crate::outbox::enqueue_product(&txn, &event, now).await?;
    txn.commit().await?;
    changed(shop, &event);
    Ok(staff_view(after))
}

/// Gives a product the picture `upload` makes (`images.rs`): its files are written first, then
/// the product points at them in one transaction with its `product.updated` event, so a page
/// never names a file that is not there. The picture it had before stays on disk (a cached page
/// may still show it).
pub async fn set_picture(shop: &Shop, session: &Session, id: &str, upload: Vec<u8>) -> Result<StaffProduct, ShopError> {
    session.require_staff()?;
    product::Entity::find_by_id(id.to_owned()).one(&shop.db).await?.ok_or(ShopError::NotFound)?;
    let product_id = id.to_owned();
    let processed = tokio::task::spawn_blocking(move || super::images::process(&upload, &product_id)).await.map_err(ShopError::internal)?.map_err(|m| {
        let mut errors = domain::validation::FieldErrors::default();
        errors.add("image", m);
        ShopError::Invalid(errors)
    })?;
    let (picture, files, dir) = (processed.picture, processed.files, shop.media_dir.clone());
    tokio::task::spawn_blocking(move || super::images::write(&dir, &files)).await.map_err(ShopError::internal)?.map_err(ShopError::internal)?;
    let _gate = shop.gate.enter().await;
    let txn = shop.db.begin().await?;
    let before = locked(&txn, id).await?;
    let now = now_ms();
    product::Entity::update_many()
        .col_expr(product::Column::Image, Expr::value(picture.src()))
        .col_expr(product::Column::Picture, Expr::value(picture.to_column()))
        .col_expr(product::Column::Version, Expr::value(before.version + 1))
        .col_expr(product::Column::UpdatedAt, Expr::value(now))
        .filter(product::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let after = locked(&txn, id).await?;
    let event = event(ProductChange::Updated, &after, session, now);
    crate::outbox::enqueue_product(&txn, &event, now).await?;
    txn.commit().await?;
    changed(shop, &event);
    Ok(staff_view(after))
}

/// Restocks or counts a product. The row is locked for the change (on SQLite the write gate
/// serialises every writer, the checkout's thread included), so the delta in the event is exact.
pub async fn change_stock(shop: &Shop, session: &Session, id: &str, change: StockChange, reason: StockReason) -> Result<StaffProduct, ShopError> {
    session.require_staff()?;
    let _gate = shop.gate.enter().await;
    let txn = shop.db.begin().await?;
    let before = locked(&txn, id).await?;
    let after_stock = change.apply(before.stock as i64).map_err(|m| field("quantity", m))?;
    let now = now_ms();
    let stock = match change {
        // An increment, not a write of the sum: correct even where the row is not locked.
        StockChange::Restock(n) => Expr::col(product::Column::Stock).add(n),
        StockChange::SetTo(n) => Expr::value(n),
    };
    product::Entity::update_many()
        .col_expr(product::Column::Stock, stock)
        .col_expr(product::Column::UpdatedAt, Expr::value(now))
        .filter(product::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let after = locked(&txn, id).await?;
    debug_assert_eq!(after.stock as i64, after_stock);
    let mut event = event(ProductChange::StockChanged, &after, session, now);
    event.stock_delta = Some(after.stock as i64 - before.stock as i64);
    event.reason = Some(reason);
    crate::outbox::enqueue_product(&txn, &event, now).await?;
    txn.commit().await?;
    changed(shop, &event);
    tracing::info!(product_id = id, stock = after.stock, delta = event.stock_delta, reason = reason.as_str(), "stock changed by staff");
    Ok(staff_view(after))
}

/// The product's row, locked until the transaction ends (PostgreSQL; SQLite's writers are
/// serialised by the write gate).
async fn locked<C: ConnectionTrait>(txn: &C, id: &str) -> Result<product::Model, ShopError> {
    let mut select = product::Entity::find_by_id(id.to_owned());
    if txn.get_database_backend() == DbBackend::Postgres {
        select = select.lock(LockType::Update);
    }
    select.one(txn).await?.ok_or(ShopError::NotFound)
}

fn stale(current: &product::Model, expected_version: i64) -> Result<(), ShopError> {
    if current.version == expected_version {
        return Ok(());
    }
    Err(ShopError::Conflict(format!(
        "Someone saved this product since you opened it. It is now: \"{}\", {}, {}, {}. Your changes were not saved; review them and save again.",
        current.name,
        current.category,
        domain::format_cents(current.price_cents),
        if current.archived { "archived" } else { "on sale" }
    )))
}

fn field(name: &str, message: String) -> ShopError {
    let mut errors = domain::validation::FieldErrors::default();
    errors.add(name, message);
    ShopError::Invalid(errors)
}

fn event(kind: ProductChange, p: &product::Model, session: &Session, now: i64) -> ProductEvent {
    ProductEvent {
        v: EVENT_SCHEMA_VERSION,
        event_id: new_id(),
        kind,
        product_id: p.id.clone(),
        product_version: p.version,
        name: p.name.clone(),
        category: p.category.clone(),
        price_cents: p.price_cents,
        previous_price_cents: None,
        stock: p.stock as i64,
        stock_delta: None,
        reason: None,
        archived: p.archived,
        actor_id: session.user_id.clone(),
        occurred_at: rfc3339(now),
    }
}

/// After a commit: this instance's cached catalog is stale, and the relay has a row to publish.
fn changed(shop: &Shop, event: &ProductEvent) {
    shop.catalog.invalidate();
    shop.outbox_wake.notify_one();
    tracing::info!(product_id = %event.product_id, kind = ?event.kind, version = event.product_version, "catalog changed");
}
