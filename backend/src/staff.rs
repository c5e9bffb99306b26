//! What the staff dashboard shows besides the live feed: today's figures, the last hour's orders
//! per minute, and the products running low. Staff only.
//!
//! The figures are a projection ([`domain::figures::Figures`]) this instance keeps in memory:
//! loaded from the database once, when the consumer knows where it starts reading, and then
//! moved by every event it takes (`server/src/consumer.rs`). Reading them costs the same however
//! many orders the day had.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::auth::Session;
use crate::entities::order;
use crate::{catalog, Shop, ShopError};
use domain::figures::{utc_midnight, Figures};
use domain::views::StaffOverview;
use domain::{OrderEvent, OrderStatus};

/// How far before midnight the load reaches: the chart shows the last hour across midnight.
const LOAD_BEFORE_MIDNIGHT_MS: i64 = domain::figures::KEEP_BEFORE_MIDNIGHT_MS;

/// The dashboard's figures as of `now_ms`.
pub async fn overview(shop: &Shop, session: &Session, now_ms: i64) -> Result<StaffOverview, ShopError> {
    session.require_staff()?;
    let (today, per_minute) = {
        let mut figures = shop.figures.lock().expect("figures lock");
        (figures.today(now_ms), figures.per_minute(now_ms))
    };
    Ok(StaffOverview {
        today,
        per_minute,
        as_of_ms: now_ms,
        low_stock: catalog::low_stock(&shop.db, shop.low_stock_threshold).await?,
        threshold: shop.low_stock_threshold,
    })
}

/// Replaces this instance's figures with the orders in the database as of `now_ms`. Called by
/// the consumer after it fixed where it starts reading and before it applies any event, so that
/// every order is counted by this load, by an event, or by both (which counts it once).
pub async fn load_figures(shop: &Shop, now_ms: i64) -> Result<usize, ShopError> {
    let figures = figures_from_database(shop, now_ms).await?;
    let orders = figures.known_orders();
    *shop.figures.lock().expect("figures lock") = figures;
    Ok(orders)
}

/// Today's figures as the database has them at `now_ms` (what the log's replay is checked
/// against, and what an instance starts from).
pub async fn figures_from_database(shop: &Shop, now_ms: i64) -> Result<Figures, ShopError> {
    let since = utc_midnight(now_ms) - LOAD_BEFORE_MIDNIGHT_MS;
    let rows: Vec<(String, i64, i64, String, i64)> = order::Entity::find()
        .filter(order::Column::CreatedAt.gte(since))
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::CreatedAt)
        .column(order::Column::Version)
        .column(order::Column::Status)
        .column(order::Column::TotalCents)
        .into_tuple()
        .all(&shop.db)
        .await?;
    let mut figures = Figures::new(now_ms);
    for (id, created_at, version, status, total_cents) in &rows {
        let status: OrderStatus = status.parse().map_err(ShopError::Internal)?;
        figures.record(id, *created_at, *version, status, *total_cents);
    }
    Ok(figures)
}

/// Moves this instance's figures by an event the database vouched for.
pub fn apply_to_figures(shop: &Shop, event: &OrderEvent) -> bool {
    shop.figures.lock().expect("figures lock").apply(event)
}
