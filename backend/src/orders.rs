//! Reading orders (a shopper sees only their own; staff see all) and moving them through the
//! lifecycle with an optimistic-concurrency update plus an outbox event in one transaction.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

use crate::auth::Session;
use crate::entities::{order, order_item, order_note, order_status_history, product, user};
use crate::{new_id, now_ms, rfc3339, Shop, ShopError};
use domain::event::OrderFacts;
use domain::lifecycle::{check_transition, returns_stock};
use domain::timeline::check_reason;
use domain::validation::Shipping;
use domain::views::{OrderDetail, OrderItemView, OrderPage, OrderSummary};
use domain::{Actor, EventType, OrderEvent, OrderStatus, EVENT_SCHEMA_VERSION};

mod timeline;
pub use timeline::add_note;

pub const PAGE_SIZE: u64 = 20;

pub fn to_summary_with_items(o: order::Model, items: Vec<OrderItemView>, customer: String) -> OrderSummary {
    OrderSummary {
        status: o.status.parse().unwrap_or(OrderStatus::Pending),
        id: o.id,
        user_id: o.user_id,
        version: o.version,
        total_cents: o.total_cents,
        created_at_ms: o.created_at,
        updated_at_ms: o.updated_at,
        items,
        customer,
    }
}

/// Loads the items (and customer names) of `orders`, keeping their order.
pub async fn load_summaries<C: ConnectionTrait>(conn: &C, orders: Vec<order::Model>) -> Result<Vec<OrderSummary>, ShopError> {
    if orders.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
    let mut items: HashMap<String, Vec<OrderItemView>> = HashMap::new();
    for i in order_item::Entity::find().filter(order_item::Column::OrderId.is_in(ids)).order_by_asc(order_item::Column::Id).all(conn).await? {
        items.entry(i.order_id.clone()).or_default().push(OrderItemView {
            product_id: i.product_id,
            product_name: i.product_name,
            quantity: i.quantity as i64,
            unit_price_cents: i.unit_price_cents,
            line_total_cents: i.line_total_cents,
        });
    }
    let mut user_ids: Vec<String> = orders.iter().map(|o| o.user_id.clone()).collect();
    user_ids.sort();
    user_ids.dedup();
    let names: HashMap<String, String> =
        user::Entity::find().filter(user::Column::Id.is_in(user_ids)).all(conn).await?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(orders
        .into_iter()
        .map(|o| {
            let its = items.remove(&o.id).unwrap_or_default();
            let customer = names.get(&o.user_id).cloned().unwrap_or_default();
            to_summary_with_items(o, its, customer)
        })
        .collect())
}

/// The viewer's orders, newest first; staff with `all = true` get every shopper's orders.
pub async fn list(shop: &Shop, session: &Session, all: bool, status: Option<OrderStatus>, page: u64) -> Result<OrderPage, ShopError> {
    if all {
        session.require_staff()?;
    }
    let scope = |q: sea_orm::Select<order::Entity>| if all { q } else { q.filter(order::Column::UserId.eq(session.user_id.clone())) };
    let counts = counts(shop, session, all).await?;
    let mut q = scope(order::Entity::find());
    if let Some(st) = status {
        q = q.filter(order::Column::Status.eq(st.as_str()));
    }
    let paginator = q.order_by_desc(order::Column::CreatedAt).order_by_desc(order::Column::Id).paginate(&shop.db, PAGE_SIZE);
    let pages = paginator.num_pages().await?.max(1);
    let page = page.clamp(1, pages);
    let orders = paginator.fetch_page(page - 1).await?;
    Ok(OrderPage { orders: load_summaries(&shop.db, orders).await?, page, pages, counts })
}

/// How many of the viewer's orders (all orders for staff with `all`) are in each status.
pub async fn counts(shop: &Shop, session: &Session, all: bool) -> Result<Vec<(OrderStatus, u64)>, ShopError> {
    if all {
        session.require_staff()?;
    }
    let mut q = order::Entity::find();
    if !all {
        q = q.filter(order::Column::UserId.eq(session.user_id.clone()));
    }
    let grouped: Vec<(String, i64)> = q
        .select_only()
        .column(order::Column::Status)
        .column_as(order::Column::Id.count(), "n")
        .group_by(order::Column::Status)
        .into_tuple()
        .all(&shop.db)
        .await?;
    Ok(OrderStatus::ALL.into_iter().map(|st| (st, grouped.iter().find(|(s, _)| s == st.as_str()).map_or(0, |(_, n)| *n as u64))).collect())
}

/// The order if the viewer may see it: its owner, or staff. Another shopper's order is "not
/// found", not "forbidden": its existence is not revealed.
async fn visible(shop: &Shop, session: &Session, order_id: &str) -> Result<order::Model, ShopError> {
    let o = order::Entity::find_by_id(order_id.to_owned()).one(&shop.db).await?.ok_or(ShopError::NotFound)?;
    if o.user_id != session.user_id && !session.is_staff() {
        return Err(ShopError::NotFound);
    }
    Ok(o)
}

/// One order with shipping details and its status timeline.
pub async fn detail(shop: &Shop, session: &Session, order_id: &str) -> Result<OrderDetail, ShopError> {
    let o = visible(shop, session, order_id).await?;
    let shipping = Shipping {
        first_name: o.ship_first_name.clone(),
        last_name: o.ship_last_name.clone(),
        email: o.ship_email.clone(),
        address: o.ship_address.clone(),
        city: o.ship_city.clone(),
        state: o.ship_state.clone(),
        zip: o.ship_zip.clone(),
    };
    let owner = o.user_id.clone();
    let order = load_summaries(&shop.db, vec![o]).await?.pop().ok_or(ShopError::NotFound)?;
    let timeline = timeline::load(shop, order_id, &owner, session.is_staff()).await?;
    Ok(OrderDetail { order, shipping, timeline })
}

/// One order as its lists show it (what an order page that missed events refetches).
pub async fn summary(shop: &Shop, session: &Session, order_id: &str) -> Result<OrderSummary, ShopError> {
    let o = visible(shop, session, order_id).await?;
    load_summaries(&shop.db, vec![o]).await?.pop().ok_or(ShopError::NotFound)
}

/// One order's timeline as the viewer may see it (`timeline::load`).
pub async fn timeline_of(shop: &Shop, session: &Session, order_id: &str) -> Result<Vec<domain::timeline::TimelineEntry>, ShopError> {
    let o = visible(shop, session, order_id).await?;
    timeline::load(shop, order_id, &o.user_id, session.is_staff()).await
}

/// A status change someone asks for: move the order to `to`, if nobody changed it since
/// `expected_version`, for `reason` (required when staff cancel, `domain::timeline::check_reason`).
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    pub to: OrderStatus,
    pub expected_version: i64,
    pub reason: Option<&'a str>,
}

/// Moves an order as `change` asks, if the lifecycle allows it for this actor. Cancelling gives
/// the stock back in the same transaction.
pub async fn change_status(shop: &Shop, session: &Session, order_id: &str, change: StatusChange<'_>) -> Result<OrderSummary, ShopError> {
    let result = {
        let _gate = shop.gate.enter().await;
        apply_change(shop, session, order_id, change).await
    };
    let (summary, restocked) = result?;
    if restocked {
        shop.catalog.invalidate();
    }
    shop.outbox_wake.notify_one();
    tracing::info!(order_id, status = %change.to, version = summary.version, "order status changed");
    Ok(summary)
}

/// The change in one transaction; also says whether it gave stock back.
async fn apply_change(shop: &Shop, session: &Session, order_id: &str, change: StatusChange<'_>) -> Result<(OrderSummary, bool), ShopError> {
    let StatusChange { to, expected_version, reason } = change;
    let txn = shop.db.begin().await?;
    let current = order::Entity::find_by_id(order_id.to_owned()).one(&txn).await?.ok_or(ShopError::NotFound)?;
    let actor = if session.is_staff() {
        Actor::Staff
    } else if current.user_id == session.user_id {
        Actor::Owner
    } else {
        return Err(ShopError::NotFound);
    };
    let from: OrderStatus = current.status.parse().map_err(ShopError::Internal)?;
    if current.version != expected_version {
        return Err(ShopError::Conflict(format!("This order changed meanwhile: it is now {} (version {}).", from.label(), current.version)));
    }
    check_transition(from, to, actor).map_err(|e| ShopError::Rejected(e.to_string()))?;
    let reason = check_reason(to, actor, reason).map_err(|e| ShopError::Rejected(e.to_string()))?;
    let event_id = new_id();

    let now = now_ms();
    let updated = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::Version, Expr::value(expected_version + 1))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ShopError::Conflict("This order changed meanwhile; reload to see its current state.".into()));
    }
    let restocked = returns_stock(from, to);
    if restocked {
        for item in order_item::Entity::find().filter(order_item::Column::OrderId.eq(order_id)).all(&txn).await? {
            product::Entity::update_many()
                .col_expr(product::Column::Stock, Expr::col(product::Column::Stock).add(item.quantity))
                .filter(product::Column::Id.eq(item.product_id))
                .exec(&txn)
                .await?;
        }
    }
    order_status_history::ActiveModel {
        order_id: Set(order_id.to_owned()),
        status: Set(to.as_str().to_owned()),
        version: Set(expected_version + 1),
        changed_by: Set(session.user_id.clone()),
        changed_at: Set(now),
        actor: Set(Some(actor.as_str().to_owned())),
        reason: Set(reason.clone()),
        event_id: Set(Some(event_id.clone())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = OrderEvent {
        v: EVENT_SCHEMA_VERSION,
        event_id,
        kind: EventType::OrderStatusChanged,
        order_id: order_id.to_owned(),
        user_id: current.user_id.clone(),
        status: to,
        order_version: expected_version + 1,
        total_cents: current.total_cents,
        occurred_at: rfc3339(now),
        placed_at_ms: Some(current.created_at),
        previous_status: Some(from),
        actor: Some(actor),
        actor_id: (actor == Actor::Staff).then(|| session.user_id.clone()),
        reason,
        note: None,
    };
    crate::outbox::enqueue(&txn, &event, now).await?;
    let fresh = order::Entity::find_by_id(order_id.to_owned()).one(&txn).await?.ok_or(ShopError::NotFound)?;
    let summary = load_summaries(&txn, vec![fresh]).await?.pop().ok_or(ShopError::NotFound)?;
    txn.commit().await?;
    Ok((summary, restocked))
}

/// What the database says about these orders (owner, total, every version and status, and with
/// `notes` the event ids of their notes): what the Kafka consumer checks each event against
/// (`OrderEvent::agrees_with`). Two queries for a whole fetched batch, three with notes.
pub async fn facts(shop: &Shop, order_ids: &[&str], notes: bool) -> Result<HashMap<String, OrderFacts>, ShopError> {
    if order_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let orders: Vec<(String, String, i64, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::UserId)
        .column(order::Column::TotalCents)
        .column(order::Column::CreatedAt)
        .filter(order::Column::Id.is_in(order_ids.iter().copied()))
        .into_tuple()
        .all(&shop.db)
        .await?;
    let mut facts: HashMap<String, OrderFacts> = orders
        .into_iter()
        .map(|(id, user_id, total_cents, created_at_ms)| (id, OrderFacts { user_id, total_cents, created_at_ms, history: Vec::new(), notes: Vec::new() }))
        .collect();
    let history: Vec<(String, i64, String)> = order_status_history::Entity::find()
        .select_only()
        .column(order_status_history::Column::OrderId)
        .column(order_status_history::Column::Version)
        .column(order_status_history::Column::Status)
        .filter(order_status_history::Column::OrderId.is_in(facts.keys().map(String::as_str)))
        .into_tuple()
        .all(&shop.db)
        .await?;
    for (order_id, version, status) in history {
        if let (Some(f), Ok(status)) = (facts.get_mut(&order_id), status.parse::<OrderStatus>()) {
            f.history.push((version, status));
        }
    }
    if notes {
        let written: Vec<(String, String)> = order_note::Entity::find()
            .select_only()
            .column(order_note::Column::OrderId)
            .column(order_note::Column::EventId)
            .filter(order_note::Column::OrderId.is_in(facts.keys().map(String::as_str)))
            .into_tuple()
            .all(&shop.db)
            .await?;
        for (order_id, event_id) in written {
            if let Some(f) = facts.get_mut(&order_id) {
                f.notes.push(event_id);
            }
        }
    }
    Ok(facts)
}
