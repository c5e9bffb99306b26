//! What the staff dashboard shows besides the live feed: today's figures, the last hour's orders
//! per minute, and the products running low. Staff only.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::auth::Session;
use crate::entities::order;
use crate::{catalog, Shop, ShopError};
use domain::stats::{day_figures, utc_midnight};
use domain::views::{DayFigures, StaffOverview};
use domain::OrderStatus;

/// The dashboard's figures as of `now_ms`.
pub async fn overview(shop: &Shop, session: &Session, now_ms: i64) -> Result<StaffOverview, ShopError> {
    session.require_staff()?;
    Ok(StaffOverview {
        today: figures_since(shop, session, utc_midnight(now_ms)).await?,
        per_minute: per_minute(shop, session, now_ms, 60).await?,
        low_stock: catalog::low_stock(&shop.db, shop.low_stock_threshold).await?,
        threshold: shop.low_stock_threshold,
    })
}

/// Figures of the orders placed since `since_ms`.
pub async fn figures_since(shop: &Shop, session: &Session, since_ms: i64) -> Result<DayFigures, ShopError> {
    session.require_staff()?;
    let rows: Vec<(i64, String)> = order::Entity::find()
        .filter(order::Column::CreatedAt.gte(since_ms))
        .select_only()
        .column(order::Column::TotalCents)
        .column(order::Column::Status)
        .into_tuple()
        .all(&shop.db)
        .await?;
    let orders: Vec<(i64, OrderStatus)> = rows.into_iter().map(|(total, status)| (total, status.parse().unwrap_or(OrderStatus::Pending))).collect();
    Ok(day_figures(&orders))
}

/// Orders per minute over the last `minutes` minutes, oldest first (staff chart).
pub async fn per_minute(shop: &Shop, session: &Session, now_ms: i64, minutes: usize) -> Result<Vec<u32>, ShopError> {
    session.require_staff()?;
    let since = now_ms - minutes as i64 * 60_000;
    let times: Vec<i64> =
        order::Entity::find().filter(order::Column::CreatedAt.gt(since)).select_only().column(order::Column::CreatedAt).into_tuple().all(&shop.db).await?;
    Ok(domain::stats::per_minute(&times, now_ms, minutes))
}
