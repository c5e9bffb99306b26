//! Checkout: one database transaction that prices the order from the database, takes the stock
//! with a conditional update that can never go below zero, and writes the order, its items, its
//! first status-history row and the outbox event. Nothing is written if any step fails.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Set, Statement, TransactionTrait};

use crate::entities::{order, order_item, order_status_history, product};
use crate::orders::{load_summaries, to_summary_with_items};
use crate::{new_id, now_ms, rfc3339, Shop, ShopError};
use domain::pricing::{price_order, ProductSnapshot};
use domain::validation::{parse_cart_lines, validate_shipping, FieldErrors, Shipping};
use domain::views::PlacedOrder;
use domain::{EventType, OrderEvent, OrderStatus, EVENT_SCHEMA_VERSION};

#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub shipping: Shipping,
    /// `product-id:quantity,…` as the form submits it. Prices are never part of the request.
    pub cart: String,
    /// One per checkout form: resubmitting the same form yields the same order.
    pub idempotency_key: String,
}

pub fn is_valid_idempotency_key(key: &str) -> bool {
    (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn place_order(shop: &Shop, user_id: &str, req: CheckoutRequest) -> Result<PlacedOrder, ShopError> {
    let mut errors = FieldErrors::default();
    let shipping = match validate_shipping(&req.shipping) {
        Ok(s) => Some(s),
        Err(e) => {
            errors = e;
            None
        }
    };
    let lines = match parse_cart_lines(&req.cart) {
        Ok(l) => Some(l),
        Err(msg) => {
            errors.add("cart", msg);
            None
        }
    };
    if !is_valid_idempotency_key(&req.idempotency_key) {
        errors.add("idempotency_key", "This form has expired; reload the page and try again.");
    }
    let (Some(shipping), Some(mut lines)) = (shipping, lines) else {
        return Err(ShopError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ShopError::Invalid(errors));
    }
    // Take row locks in a fixed order so concurrent PostgreSQL checkouts cannot deadlock.
    lines.sort_by(|a, b| a.product_id.cmp(&b.product_id));

    let result = {
        let _gate = shop.gate.enter().await;
        write_order(shop, user_id, &shipping, &lines, &req.idempotency_key).await
    };
    match result {
        Ok(placed) => {
            if !placed.repeated {
                shop.catalog.invalidate();
                shop.outbox_wake.notify_one();
                tracing::info!(order_id = %placed.order.id, total_cents = placed.order.total_cents, "order placed");
            }
            Ok(placed)
        }
        // Two submissions of the same form raced and the unique index let one through.
        Err(ShopError::Internal(msg)) if msg.to_lowercase().contains("unique") || msg.contains("duplicate key") => {
            match find_by_key(shop, user_id, &req.idempotency_key).await? {
                Some(order) => Ok(PlacedOrder { order, repeated: true }),
                None => Err(ShopError::Internal(msg)),
            }
        }
        Err(e) => Err(e),
    }
}

/// Runs the statements in order. On SQLite they go to its worker thread as one script (one round
/// trip inside the write gate instead of one each: the serial part of a checkout, BENCHMARKS.md
/// P2); sqlx binds each statement's `?` parameters from the shared list in turn. PostgreSQL
/// takes one prepared statement per request, so there they run one by one.
async fn execute_all<C: ConnectionTrait>(conn: &C, statements: impl IntoIterator<Item = Statement>) -> Result<(), ShopError> {
    if conn.get_database_backend() != DbBackend::Sqlite {
        for statement in statements {
            conn.execute(statement).await?;
        }
        return Ok(());
    }
    let mut sql = String::new();
    let mut values = Vec::new();
    for statement in statements {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&statement.sql);
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    conn.execute(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)).await?;
    Ok(())
}

async fn find_by_key(shop: &Shop, user_id: &str, key: &str) -> Result<Option<domain::views::OrderSummary>, ShopError> {
    let found = order::Entity::find()
        .filter(order::Column::UserId.eq(user_id))
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(&shop.db)
        .await?;
    match found {
        Some(o) => Ok(load_summaries(&shop.db, vec![o]).await?.pop()),
        None => Ok(None),
    }
}

async fn write_order(
    shop: &Shop,
    user_id: &str,
    shipping: &Shipping,
    lines: &[domain::cart::CartLine],
    key: &str,
) -> Result<PlacedOrder, ShopError> {
    let txn = shop.db.begin().await?;

    // Take the stock first: one conditional UPDATE … RETURNING per line both decrements the stock
    // (never below zero) and reads the price and name to charge. Every statement here is a round
    // trip inside SQLite's write gate, the serial part of a checkout (BENCHMARKS.md, P2), so the
    // happy path reads nothing else; the idempotency key is enforced by its unique index.
    let mut snapshots = Vec::with_capacity(lines.len());
    for line in lines {
        // `parse_cart_lines` already bounds quantities; a non-positive one must never reach this
        // UPDATE (it would raise the stock).
        if !(1..=domain::cart::MAX_QUANTITY).contains(&line.quantity) {
            return Err(ShopError::Rejected(format!("Quantity for \"{}\" must be between 1 and {}.", line.product_id, domain::cart::MAX_QUANTITY)));
        }
        let taken = product::Entity::update_many()
            .col_expr(product::Column::Stock, Expr::col(product::Column::Stock).sub(line.quantity))
            .filter(product::Column::Id.eq(&line.product_id))
            .filter(product::Column::Stock.gte(line.quantity))
            .exec_with_returning(&txn)
            .await?;
        match taken.into_iter().next() {
            Some(p) => snapshots.push(ProductSnapshot {
                id: p.id,
                name: p.name,
                price_cents: p.price_cents,
                // What there was before this line took its share.
                stock: p.stock as i64 + line.quantity,
            }),
            None => {
                // Unknown product or not enough stock: undo the lines already taken, then explain.
                txn.rollback().await?;
                return refusal(shop, user_id, lines, key).await;
            }
        }
    }
    let priced = price_order(lines, &snapshots).map_err(|problems| {
        ShopError::Rejected(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))
    })?;

    let now = now_ms();
    let order_id = new_id();
    // The order, its items, its first history row and its outbox event are inserted without
    // RETURNING (and without sea-orm's read-back SELECT), all four in one script on SQLite
    // (`execute_all`): each round trip to SQLite's worker thread happens inside the write gate,
    // the serial part of a checkout (BENCHMARKS.md, P2). The row is the model we already hold.
    let order = order::Model {
        id: order_id.clone(),
        user_id: user_id.to_owned(),
        status: OrderStatus::Pending.as_str().to_owned(),
        version: 1,
        total_cents: priced.total_cents,
        idempotency_key: key.to_owned(),
        ship_first_name: shipping.first_name.clone(),
        ship_last_name: shipping.last_name.clone(),
        ship_email: shipping.email.clone(),
        ship_address: shipping.address.clone(),
        ship_city: shipping.city.clone(),
        ship_state: shipping.state.clone(),
        ship_zip: shipping.zip.clone(),
        created_at: now,
        updated_at: now,
    };
    let event = OrderEvent {
        v: EVENT_SCHEMA_VERSION,
        event_id: new_id(),
        kind: EventType::OrderCreated,
        order_id: order_id.clone(),
        user_id: user_id.to_owned(),
        status: OrderStatus::Pending,
        order_version: 1,
        total_cents: priced.total_cents,
        occurred_at: rfc3339(now),
    };
    let items: Vec<order_item::ActiveModel> = priced
        .lines
        .iter()
        .map(|l| order_item::ActiveModel {
            order_id: Set(order_id.clone()),
            product_id: Set(l.product_id.clone()),
            product_name: Set(l.name.clone()),
            quantity: Set(l.quantity as i32),
            unit_price_cents: Set(l.unit_price_cents),
            line_total_cents: Set(l.line_total_cents),
            ..Default::default()
        })
        .collect();
    let backend = txn.get_database_backend();
    let writes = [
        order::Entity::insert(order::ActiveModel::from(order.clone())).build(backend),
        order_item::Entity::insert_many(items).build(backend),
        order_status_history::Entity::insert(order_status_history::ActiveModel {
            order_id: Set(order_id.clone()),
            status: Set(OrderStatus::Pending.as_str().to_owned()),
            version: Set(1),
            changed_by: Set(user_id.to_owned()),
            changed_at: Set(now),
            ..Default::default()
        })
        .build(backend),
        crate::outbox::insert(&event, now).build(backend),
    ];
    execute_all(&txn, writes).await?;
    txn.commit().await?;

    let items = priced
        .lines
        .into_iter()
        .map(|l| domain::views::OrderItemView {
            product_id: l.product_id,
            product_name: l.name,
            quantity: l.quantity,
            unit_price_cents: l.unit_price_cents,
            line_total_cents: l.line_total_cents,
        })
        .collect();
    Ok(PlacedOrder { order: to_summary_with_items(order, items, String::new()), repeated: false })
}

/// Why a checkout whose stock could not be taken is refused, from the products as they are now:
/// every problem, each naming its product. A resubmitted form whose order already exists (the
/// last unit bought by its first submission) gets that order instead.
async fn refusal(shop: &Shop, user_id: &str, lines: &[domain::cart::CartLine], key: &str) -> Result<PlacedOrder, ShopError> {
    if let Some(order) = find_by_key(shop, user_id, key).await? {
        return Ok(PlacedOrder { order, repeated: true });
    }
    let ids: Vec<String> = lines.iter().map(|l| l.product_id.clone()).collect();
    let products = product::Entity::find().filter(product::Column::Id.is_in(ids)).all(&shop.db).await?;
    let snapshots: Vec<ProductSnapshot> = products
        .into_iter()
        .map(|p| ProductSnapshot { id: p.id, name: p.name, price_cents: p.price_cents, stock: p.stock as i64 })
        .collect();
    Err(match price_order(lines, &snapshots) {
        Err(problems) => ShopError::Rejected(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")),
        // The stock was there a moment ago and is now (another buyer's checkout rolled back).
        Ok(_) => ShopError::Rejected("The stock of an item in your cart just changed; please try again.".into()),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn idempotency_keys() {
        assert!(super::is_valid_idempotency_key("01JABCDEFGHJKMNPQRSTVWXYZ0"));
        assert!(!super::is_valid_idempotency_key("short"));
        assert!(!super::is_valid_idempotency_key("has space in it"));
        assert!(!super::is_valid_idempotency_key(&"x".repeat(65)));
    }
}
