//! Checkout: one database transaction that prices the order from the database, takes the stock
//! with a conditional update that can never go below zero, and writes the order, its items, its
//! first status-history row and the outbox event. Nothing is written if any step fails.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Set, Statement, TransactionTrait};

use crate::entities::{order, order_item, order_status_history, product, user};
use crate::orders::{load_summaries, to_summary_with_items};
use crate::{new_id, now_ms, rfc3339, Shop, ShopError};
use domain::pricing::{price_order, ProductSnapshot};
use domain::validation::{parse_cart_lines, validate_shipping, FieldErrors, Shipping};
use domain::views::PlacedOrder;
use domain::{Actor, EventType, OrderEvent, OrderStatus, EVENT_SCHEMA_VERSION};

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

    let result = write_order(shop, user_id, &shipping, &lines, &req.idempotency_key).await;
    match result {
        Ok(mut placed) => {
            if placed.order.customer.is_empty() {
                // The writes know the user only by id; the name is read after the commit, outside
                // the SQLite writer's gate (a failure here must not turn a placed order into an
                // error).
                placed.order.customer = customer_name(shop, user_id).await;
            }
            if !placed.repeated {
                shop.catalog.invalidate();
                shop.outbox_wake.notify_one();
                tracing::info!(order_id = %placed.order.id, total_cents = placed.order.total_cents, "order placed");
            }
            Ok(placed)
        }
        // Two submissions of the same form raced and the unique index let one through.
        Err(ShopError::Duplicate(msg)) => match find_by_key(shop, user_id, &req.idempotency_key).await? {
            Some(order) => Ok(PlacedOrder { order, repeated: true }),
            None => Err(ShopError::Internal(msg)),
        },
        Err(e) => Err(e),
    }
}

async fn customer_name(shop: &Shop, user_id: &str) -> String {
    match user::Entity::find_by_id(user_id.to_owned()).one(&shop.db).await {
        Ok(found) => found.map(|u| u.name).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "reading the customer's name after a checkout failed");
            String::new()
        }
    }
}

async fn find_by_key(shop: &Shop, user_id: &str, key: &str) -> Result<Option<domain::views::OrderSummary>, ShopError> {
    let found = order::Entity::find().filter(order::Column::UserId.eq(user_id)).filter(order::Column::IdempotencyKey.eq(key)).one(&shop.db).await?;
    match found {
        Some(o) => Ok(load_summaries(&shop.db, vec![o]).await?.pop()),
        None => Ok(None),
    }
}

async fn write_order(shop: &Shop, user_id: &str, shipping: &Shipping, lines: &[domain::cart::CartLine], key: &str) -> Result<PlacedOrder, ShopError> {
    // `parse_cart_lines` already bounds quantities; a non-positive one must never reach the stock
    // UPDATE (it would raise the stock).
    for line in lines {
        if !(1..=domain::cart::MAX_QUANTITY).contains(&line.quantity) {
            return Err(ShopError::Rejected(format!("Quantity for \"{}\" must be between 1 and {}.", line.product_id, domain::cart::MAX_QUANTITY)));
        }
    }
    if let Some(writer) = &shop.sqlite_checkout {
        // Not inside the write gate: the writer's thread takes it itself.
        return match writer.write(user_id, shipping, lines, key).await? {
            Some(writes) => Ok(writes.placed()),
            None => refusal(shop, user_id, lines, key).await,
        };
    }
    // PostgreSQL: concurrent checkouts wait on each other's row locks only.
    let txn = shop.db.begin().await?;

    // Take the stock first: one conditional UPDATE … RETURNING per line both decrements the stock
    // (never below zero) and reads the price and name to charge. The idempotency key is enforced
    // by its unique index.
    let mut snapshots = Vec::with_capacity(lines.len());
    for line in lines {
        let taken = take_stock(line).exec_with_returning(&txn).await?;
        match taken.into_iter().next() {
            Some(p) => snapshots.push(snapshot(p.id, p.name, p.price_cents, p.stock, line.quantity)),
            None => {
                // Unknown product or not enough stock: undo the lines already taken, then explain.
                txn.rollback().await?;
                return refusal(shop, user_id, lines, key).await;
            }
        }
    }
    let writes = OrderWrites::new(user_id, shipping, lines, key, &snapshots)?;
    for statement in writes.statements(shop.db.get_database_backend()) {
        txn.execute(statement).await?;
    }
    txn.commit().await?;
    Ok(writes.placed())
}

/// The conditional UPDATE that takes one line's stock (never below zero).
fn take_stock(line: &domain::cart::CartLine) -> sea_orm::UpdateMany<product::Entity> {
    product::Entity::update_many()
        .col_expr(product::Column::Stock, Expr::col(product::Column::Stock).sub(line.quantity))
        .filter(product::Column::Id.eq(&line.product_id))
        .filter(product::Column::Stock.gte(line.quantity))
        // Archived products are no longer sold, whatever a cart still holds.
        .filter(product::Column::Archived.eq(false))
}

/// What there was of a product before this line took its share, and its price now.
fn snapshot(id: String, name: String, price_cents: i64, stock_after: i32, quantity: i64) -> ProductSnapshot {
    ProductSnapshot { id, name, price_cents, stock: stock_after as i64 + quantity }
}

/// Everything a placed order writes once its stock is taken: the order, its items, its first
/// history row and its outbox event. They are inserted without RETURNING (and without sea-orm's
/// read-back SELECT): the rows are the models we already hold.
struct OrderWrites {
    order: order::Model,
    items: Vec<order_item::ActiveModel>,
    views: Vec<domain::views::OrderItemView>,
    event: OrderEvent,
    user_id: String,
}

impl OrderWrites {
    fn new(user_id: &str, shipping: &Shipping, lines: &[domain::cart::CartLine], key: &str, snapshots: &[ProductSnapshot]) -> Result<Self, ShopError> {
        let priced =
            price_order(lines, snapshots).map_err(|problems| ShopError::Rejected(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")))?;
        let now = now_ms();
        let order_id = new_id();
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
            placed_at_ms: Some(now),
            previous_status: None,
            actor: Some(Actor::Owner),
            actor_id: None,
            reason: None,
            note: None,
        };
        let items = priced
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
        let views = priced
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
        Ok(OrderWrites { order, items, views, event, user_id: user_id.to_owned() })
    }

    fn statements(&self, backend: DbBackend) -> [Statement; 4] {
        let now = self.order.created_at;
        [
            order::Entity::insert(order::ActiveModel::from(self.order.clone())).build(backend),
            order_item::Entity::insert_many(self.items.clone()).build(backend),
            order_status_history::Entity::insert(order_status_history::ActiveModel {
                order_id: Set(self.order.id.clone()),
                status: Set(OrderStatus::Pending.as_str().to_owned()),
                version: Set(1),
                changed_by: Set(self.user_id.clone()),
                changed_at: Set(now),
                actor: Set(Some(Actor::Owner.as_str().to_owned())),
                reason: Set(None),
                event_id: Set(Some(self.event.event_id.clone())),
                ..Default::default()
            })
            .build(backend),
            crate::outbox::insert(&self.event, now).build(backend),
        ]
    }

    fn placed(self) -> PlacedOrder {
        PlacedOrder { order: to_summary_with_items(self.order, self.views, String::new()), repeated: false }
    }
}

/// On SQLite, checkouts are written by one thread of their own (see its module).
mod sqlite;
pub use sqlite::Writer as SqliteCheckoutWriter;

/// Why a checkout whose stock could not be taken is refused, from the products as they are now:
/// every problem, each naming its product. A resubmitted form whose order already exists (the
/// last unit bought by its first submission) gets that order instead.
async fn refusal(shop: &Shop, user_id: &str, lines: &[domain::cart::CartLine], key: &str) -> Result<PlacedOrder, ShopError> {
    if let Some(order) = find_by_key(shop, user_id, key).await? {
        return Ok(PlacedOrder { order, repeated: true });
    }
    let ids: Vec<String> = lines.iter().map(|l| l.product_id.clone()).collect();
    let products = product::Entity::find().filter(product::Column::Id.is_in(ids)).filter(product::Column::Archived.eq(false)).all(&shop.db).await?;
    let snapshots: Vec<ProductSnapshot> =
        products.into_iter().map(|p| ProductSnapshot { id: p.id, name: p.name, price_cents: p.price_cents, stock: p.stock as i64 }).collect();
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
