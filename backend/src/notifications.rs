//! Notifications for shoppers, the "Notify me" list, and the notifications service's one write:
//! a batch of log records turned into notifications, committed with the service's position.
//!
//! The service (`server/src/notifier.rs`) reads the topic on its own, independent of the live
//! hub. Its position (the next offset of each partition) lives in `consumer_positions` and moves
//! only in the transaction that writes the notifications of the records before it, and only if
//! it still is where the service read it from. So a restart (even a kill -9) skips none, and two
//! instances reading the same partition cannot both write one: the second finds the position
//! moved and reads on from there. The topic itself delivers at least once (the relay publishes
//! a row again if it died between the broker's acknowledgement and marking the row), so a
//! notification is also unique per shopper and event: a record read twice makes one.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

use crate::entities::{notification, order_item, product, restock_watch, user};
use crate::positions::Applied;
use crate::{new_id, now_ms, rfc3339, Shop, ShopError};
use domain::notification::{back_in_stock, for_order, may_restock, order_may_restock, Draft, NotificationEvent, NotificationKind, NotificationView};
use domain::LogEvent;

/// The notifications service's name in `consumer_positions`.
pub const CONSUMER: &str = "notifications";
/// How many notifications the list shows (the newest).
pub const LIST_LIMIT: u64 = 50;

fn view(n: notification::Model) -> NotificationView {
    NotificationView {
        kind: NotificationKind::parse(&n.kind).unwrap_or(NotificationKind::OrderStatus),
        id: n.id,
        title: n.title,
        link: n.link,
        created_at: rfc3339(n.created_at),
        read: n.read_at.is_some(),
    }
}

/// A shopper's newest notifications, with how many of all theirs are unread.
pub async fn list(shop: &Shop, user_id: &str) -> Result<(Vec<NotificationView>, u64), ShopError> {
    let rows = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .order_by_desc(notification::Column::Id)
        .limit(LIST_LIMIT)
        .all(&shop.db)
        .await?;
    Ok((rows.into_iter().map(view).collect(), unread(shop, user_id).await?))
}

pub async fn unread(shop: &Shop, user_id: &str) -> Result<u64, ShopError> {
    Ok(notification::Entity::find().filter(notification::Column::UserId.eq(user_id)).filter(notification::Column::ReadAt.is_null()).count(&shop.db).await?)
}

/// One notification with its owner, as the database has it (the live consumers push this, not
/// what a record on the topic says).
pub async fn find(shop: &Shop, id: &str) -> Result<Option<(String, NotificationView)>, ShopError> {
    Ok(notification::Entity::find_by_id(id.to_owned()).one(&shop.db).await?.map(|n| (n.user_id.clone(), view(n))))
}

/// Marks one of the shopper's notifications read, or all of them (`id` None); another
/// shopper's id changes nothing. Returns how many are still unread.
pub async fn mark_read(shop: &Shop, user_id: &str, id: Option<&str>) -> Result<u64, ShopError> {
    {
        let _gate = shop.gate.enter().await;
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(now_ms()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(id) = id {
            update = update.filter(notification::Column::Id.eq(id));
        }
        update.exec(&shop.db).await?;
    }
    unread(shop, user_id).await
}

/// "Notify me": the shopper hears when the product is on sale again. Only for a sold-out
/// product that is sold at all; asking twice is asking once.
pub async fn watch(shop: &Shop, user_id: &str, product_id: &str) -> Result<(), ShopError> {
    let p = product::Entity::find_by_id(product_id.to_owned()).one(&shop.db).await?.filter(|p| !p.archived).ok_or(ShopError::NotFound)?;
    if p.stock > 0 {
        return Err(ShopError::Rejected(format!("{} is in stock: add it to your cart.", p.name)));
    }
    let _gate = shop.gate.enter().await;
    restock_watch::Entity::insert(restock_watch::ActiveModel {
        user_id: Set(user_id.to_owned()),
        product_id: Set(product_id.to_owned()),
        created_at: Set(now_ms()),
    })
    .on_conflict(OnConflict::columns([restock_watch::Column::UserId, restock_watch::Column::ProductId]).do_nothing().to_owned())
    .exec_without_returning(&shop.db)
    .await?;
    Ok(())
}

pub async fn unwatch(shop: &Shop, user_id: &str, product_id: &str) -> Result<(), ShopError> {
    let _gate = shop.gate.enter().await;
    restock_watch::Entity::delete_many()
        .filter(restock_watch::Column::UserId.eq(user_id))
        .filter(restock_watch::Column::ProductId.eq(product_id))
        .exec(&shop.db)
        .await?;
    Ok(())
}

pub async fn is_watching(shop: &Shop, user_id: &str, product_id: &str) -> Result<bool, ShopError> {
    Ok(restock_watch::Entity::find_by_id((user_id.to_owned(), product_id.to_owned())).one(&shop.db).await?.is_some())
}

/// Whether a record may make a notification: only these need the database. Placing an order,
/// nearly every record under load, makes none.
pub fn may_notify(event: &LogEvent) -> bool {
    match event {
        LogEvent::Order(o) => for_order(o).is_some() || order_may_restock(o),
        LogEvent::Product(p) => may_restock(p),
        LogEvent::Notification(_) => false,
    }
}

/// Writes the notifications the records `from..to` of `partition` make, and moves the stored
/// position from `from` to `to`, in one transaction. Order events count only where the
/// database vouches for them (the topic is not trusted). `events`: the decodable records of the
/// batch; the service may leave out those that make nothing ([`may_notify`]).
pub async fn apply_batch(shop: &Shop, partition: i32, from: i64, to: i64, events: &[LogEvent]) -> Result<Applied, ShopError> {
    let events: Vec<&LogEvent> = events.iter().filter(|e| may_notify(e)).collect();
    let orders: Vec<&str> = events.iter().filter_map(|e| if let LogEvent::Order(o) = e { Some(o.order_id.as_str()) } else { None }).collect();
    let facts = crate::orders::facts(shop, &orders, false).await?;
    let mut drafts = Vec::new();
    // Products that may be on sale again, with the event that may have done it.
    let mut restocks: Vec<(String, String)> = Vec::new();
    let mut cancelled = Vec::new();
    for event in events {
        match event {
            LogEvent::Order(o) if facts.get(&o.order_id).is_some_and(|f| o.agrees_with(f)) => {
                drafts.extend(for_order(o));
                if order_may_restock(o) {
                    cancelled.push((o.order_id.clone(), o.event_id.clone()));
                }
            }
            LogEvent::Product(p) => restocks.push((p.product_id.clone(), p.event_id.clone())),
            _ => {}
        }
    }
    let written = {
        let _gate = shop.gate.enter().await;
        let txn = shop.db.begin().await?;
        if !crate::positions::advance(&txn, CONSUMER, partition, from, to).await? {
            txn.rollback().await?;
            let now = crate::positions::stored(shop, CONSUMER, partition).await?;
            return Ok(Applied::Moved(now.unwrap_or(from)));
        }
        for (order_id, event_id) in cancelled {
            let items = order_item::Entity::find().filter(order_item::Column::OrderId.eq(order_id)).all(&txn).await?;
            restocks.extend(items.into_iter().map(|i| (i.product_id, event_id.clone())));
        }
        drafts.extend(back_in_stock_drafts(&txn, restocks).await?);
        let written = write(&txn, &drafts).await?;
        txn.commit().await?;
        written
    };
    if written > 0 {
        shop.outbox_wake.notify_one();
    }
    Ok(Applied::Written(written))
}

/// For each product that is on sale now (in stock, not archived), a notification for everyone
/// who asked about it; their requests are done with and removed in the same transaction.
async fn back_in_stock_drafts(txn: &DatabaseTransaction, restocks: Vec<(String, String)>) -> Result<Vec<Draft>, ShopError> {
    if restocks.is_empty() {
        return Ok(vec![]);
    }
    let mut first_event: HashMap<String, String> = HashMap::new();
    for (product_id, event_id) in restocks {
        first_event.entry(product_id).or_insert(event_id);
    }
    let on_sale: Vec<(String, String)> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Name)
        .filter(product::Column::Id.is_in(first_event.keys().cloned()))
        .filter(product::Column::Stock.gt(0))
        .filter(product::Column::Archived.eq(false))
        .into_tuple()
        .all(txn)
        .await?;
    if on_sale.is_empty() {
        return Ok(vec![]);
    }
    let names: HashMap<String, String> = on_sale.into_iter().collect();
    let watches = restock_watch::Entity::find().filter(restock_watch::Column::ProductId.is_in(names.keys().cloned())).all(txn).await?;
    let mut drafts = Vec::with_capacity(watches.len());
    let mut seen = HashSet::new();
    for w in &watches {
        if seen.insert((w.user_id.as_str(), w.product_id.as_str())) {
            drafts.push(back_in_stock(&w.user_id, &w.product_id, &names[&w.product_id], &first_event[&w.product_id]));
        }
    }
    restock_watch::Entity::delete_many().filter(restock_watch::Column::ProductId.is_in(names.keys().cloned())).exec(txn).await?;
    Ok(drafts)
}

/// The notifications, one per shopper and event, and for each a `notification.created` record
/// in the outbox; those of shoppers who want them by e-mail are marked to be mailed
/// ([`send_mail`]). Returns how many were new.
async fn write<C: ConnectionTrait>(conn: &C, drafts: &[Draft]) -> Result<usize, ShopError> {
    if drafts.is_empty() {
        return Ok(0);
    }
    let mut written = 0;
    let now = now_ms();
    let mut ids: Vec<&str> = drafts.iter().map(|d| d.user_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let by_mail: HashSet<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::EmailNotifications.eq(true))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    for d in drafts {
        let id = crate::ordered_id();
        let inserted = notification::Entity::insert(notification::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(d.user_id.clone()),
            kind: Set(d.kind.as_str().to_owned()),
            title: Set(d.title.chars().take(300).collect()),
            link: Set(d.link.chars().take(300).collect()),
            source_event_id: Set(d.source_event_id.chars().take(64).collect()),
            created_at: Set(now),
            read_at: Set(None),
            mail_state: Set(if by_mail.contains(&d.user_id) { MAIL_PENDING } else { MAIL_OFF }.to_owned()),
        })
        .on_conflict(OnConflict::columns([notification::Column::UserId, notification::Column::SourceEventId]).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
        if inserted == 0 {
            // The topic delivers at least once: a record published again after a crash (the
            // relay's produce acknowledged, its mark not yet written) made this one already.
            continue;
        }
        let event = NotificationEvent::new(new_id(), id, d.user_id.clone(), rfc3339(now));
        crate::outbox::enqueue_notification(conn, &event, now).await?;
        written += 1;
    }
    Ok(written)
}

const MAIL_OFF: &str = "off";
const MAIL_PENDING: &str = "pending";
const MAIL_SENDING: &str = "sending";
const MAIL_SENT: &str = "sent";
const MAIL_FAILED: &str = "failed";

/// Whether the shopper's notifications go out by e-mail too (from now on).
pub async fn set_email(shop: &Shop, user_id: &str, on: bool) -> Result<(), ShopError> {
    let _gate = shop.gate.enter().await;
    user::Entity::update_many().col_expr(user::Column::EmailNotifications, Expr::value(on)).filter(user::Column::Id.eq(user_id)).exec(&shop.db).await?;
    Ok(())
}

/// Mails the notifications waiting to be mailed, oldest first; returns how many went out. Each
/// is claimed first (`pending` → `sending`, a conditional update), so two instances never mail
/// the same one. One that the mail server refuses is marked `failed` and logged; a process that
/// dies between the claim and the send leaves it `sending`: e-mail is at most once, the
/// notification itself is never lost.
pub async fn send_mail(shop: &Shop) -> Result<usize, ShopError> {
    let mut sent = 0;
    loop {
        let batch = notification::Entity::find()
            .filter(notification::Column::MailState.eq(MAIL_PENDING))
            .order_by_asc(notification::Column::CreatedAt)
            .limit(20)
            .all(&shop.db)
            .await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        for n in batch {
            if !set_mail_state(shop, &n.id, MAIL_PENDING, MAIL_SENDING).await? {
                continue;
            }
            let Some(to) = user::Entity::find_by_id(n.user_id.clone()).one(&shop.db).await? else { continue };
            let body = format!(
                "Hello {},\n\n{}.\n\n{}{}\n\nYou get these e-mails because you have an account at Pulse Shop. \
                 To stop them, untick \"E-mail me my notifications\" on your account page: {}/account\n",
                to.name, n.title, shop.public_url, n.link, shop.public_url
            );
            let outcome = shop.mail.send(&to.email, &n.title, body).await;
            let state = if outcome.is_ok() { MAIL_SENT } else { MAIL_FAILED };
            if let Err(e) = outcome {
                tracing::warn!(notification = %n.id, error = %e, "a notification could not be mailed");
            } else {
                sent += 1;
            }
            set_mail_state(shop, &n.id, MAIL_SENDING, state).await?;
        }
    }
}

async fn set_mail_state(shop: &Shop, id: &str, from: &str, to: &str) -> Result<bool, ShopError> {
    let _gate = shop.gate.enter().await;
    let r = notification::Entity::update_many()
        .col_expr(notification::Column::MailState, Expr::value(to))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::MailState.eq(from))
        .exec(&shop.db)
        .await?;
    Ok(r.rows_affected == 1)
}
