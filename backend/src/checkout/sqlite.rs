//! The SQLite checkout writer: one thread with a connection of its own that runs each checkout's
//! transaction from `BEGIN IMMEDIATE` to `COMMIT` without a hand-off in between.
//!
//! Why it exists: SQLite has one writer at a time, so there the checkout transaction is the
//! serial part of the whole shop (P2). Through sqlx's connection thread, each checkout would cost
//! several thread wake-ups and a hand-over of the write gate, during which every other buyer
//! waits. Here a buyer's task queues a job and waits for the answer; the thread runs the job's statements back to back (prepared once, cached), answers,
//! and goes straight on to the jobs queued meanwhile, holding the write gate across up to
//! [`JOBS_PER_GATE`] of them so that the shop's other writers (status changes, the outbox relay,
//! sign-ups) still get their turn between.
//!
//! The statements are the ones the PostgreSQL checkout runs (built by sea-query in
//! `checkout.rs`), so both databases write the same rows.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rusqlite::{params_from_iter, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use sea_orm::sea_query::{self, Query};
use sea_orm::{DbBackend, QueryTrait, Statement};
use tokio::sync::oneshot;

use super::{snapshot, take_stock, OrderWrites};
use crate::db::{WriteGate, SQLITE_BUSY_TIMEOUT, SQLITE_PRAGMAS};
use crate::entities::product;
use crate::ShopError;
use domain::cart::CartLine;
use domain::validation::Shipping;

/// How many queued checkouts the thread runs before it lets the other writers through the gate.
const JOBS_PER_GATE: usize = 32;

/// What one checkout asks the thread to write.
pub(super) struct Job {
    pub user_id: String,
    pub shipping: Shipping,
    pub lines: Vec<CartLine>,
    pub key: String,
    /// `Ok(None)`: a line's stock could not be taken (unknown product or not enough); nothing was
    /// written. The order is committed even if nobody waits for the answer any more (the buyer's
    /// request went away): resubmitting the form finds it by its idempotency key.
    pub reply: oneshot::Sender<Result<Option<OrderWrites>, ShopError>>,
}

/// The handle the shop keeps; the thread stops when the last handle is dropped.
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the thread for the SQLite database in `path`. The file must exist (it is migrated
    /// before the shop starts); the connection is opened by the thread, and reopened after an
    /// error that left it unusable.
    pub fn start(path: PathBuf, gate: WriteGate) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new().name("sqlite-checkout".into()).spawn(move || run(&path, &gate, &queue))?;
        Ok(Writer { jobs })
    }

    pub(super) async fn write(&self, user_id: &str, shipping: &Shipping, lines: &[CartLine], key: &str) -> Result<Option<OrderWrites>, ShopError> {
        let (reply, answer) = oneshot::channel();
        let job = Job { user_id: user_id.to_owned(), shipping: shipping.clone(), lines: lines.to_vec(), key: key.to_owned(), reply };
        self.jobs.send(job).map_err(|_| ShopError::Internal("the checkout writer has stopped".into()))?;
        answer.await.map_err(|_| ShopError::Internal("the checkout writer stopped before answering".into()))?
    }
}

fn run(path: &Path, gate: &WriteGate, queue: &mpsc::Receiver<Job>) {
    let mut conn: Option<Connection> = None;
    while let Ok(first) = queue.recv() {
        let _gate = gate.blocking_enter();
        let mut job = Some(first);
        let mut done = 0;
        while let Some(this) = job {
            let result = match connection(&mut conn, path) {
                Ok(c) => checkout(c, &this),
                Err(e) => Err(e),
            };
            // A connection left inside a transaction (a failed ROLLBACK) is not used again.
            if conn.as_ref().is_some_and(|c| !c.is_autocommit()) {
                tracing::error!("checkout connection left inside a transaction; reopening it");
                conn = None;
            }
            let _ = this.reply.send(result);
            done += 1;
            job = if done < JOBS_PER_GATE { queue.try_recv().ok() } else { None };
        }
    }
}

fn connection<'a>(conn: &'a mut Option<Connection>, path: &Path) -> Result<&'a mut Connection, ShopError> {
    if conn.is_none() {
        *conn = Some(open(path).map_err(db_error)?);
    }
    Ok(conn.as_mut().expect("just opened"))
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    for (name, value) in SQLITE_PRAGMAS {
        conn.pragma_update(None, name, value)?;
    }
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// One checkout's transaction. Dropping the transaction before `commit` rolls it back.
fn checkout(conn: &mut Connection, job: &Job) -> Result<Option<OrderWrites>, ShopError> {
    let txn = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
    let mut snapshots = Vec::with_capacity(job.lines.len());
    for line in &job.lines {
        let mut update = take_stock(line);
        update.query().returning(Query::returning().columns([product::Column::Name, product::Column::PriceCents, product::Column::Stock]));
        let Statement { sql, values, .. } = update.build(DbBackend::Sqlite);
        let taken = txn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(params_from_iter(bind(values)?), |r| Ok((r.get::<_, String>("name")?, r.get::<_, i64>("price_cents")?, r.get::<_, i32>("stock")?)))
                    .optional()
            })
            .map_err(db_error)?;
        let Some((name, price_cents, stock)) = taken else {
            return Ok(None);
        };
        snapshots.push(snapshot(line.product_id.clone(), name, price_cents, stock, line.quantity));
    }
    let writes = OrderWrites::new(&job.user_id, &job.shipping, &job.lines, &job.key, &snapshots)?;
    for Statement { sql, values, .. } in writes.statements(DbBackend::Sqlite) {
        txn.prepare_cached(&sql).and_then(|mut s| s.execute(params_from_iter(bind(values)?))).map_err(db_error)?;
    }
    txn.commit().map_err(db_error)?;
    Ok(Some(writes))
}

/// sea-query's values as SQLite's: every scalar type (integers and booleans as integers, floats,
/// text, bytes). Anything else (JSON, dates, arrays: nothing the checkout writes) is refused with
/// the value's type named, never guessed.
fn bind(values: Option<sea_query::Values>) -> rusqlite::Result<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as Sql;
    use sea_query::Value as V;
    fn int<T: Into<i64>>(v: Option<T>) -> Sql {
        v.map_or(Sql::Null, |v| Sql::Integer(v.into()))
    }
    let values = values.map(|v| v.0).unwrap_or_default();
    values
        .into_iter()
        .map(|v| {
            #[allow(unreachable_patterns)] // which variants exist depends on sea-query's features
            Ok(match v {
                V::Bool(b) => int(b),
                V::TinyInt(i) => int(i),
                V::SmallInt(i) => int(i),
                V::Int(i) => int(i),
                V::BigInt(i) => int(i),
                V::TinyUnsigned(i) => int(i),
                V::SmallUnsigned(i) => int(i),
                V::Unsigned(i) => int(i),
                V::Float(f) => f.map_or(Sql::Null, |f| Sql::Real(f.into())),
                V::Double(f) => f.map_or(Sql::Null, Sql::Real),
                V::Char(c) => c.map_or(Sql::Null, |c| Sql::Text(c.to_string())),
                V::String(s) => s.map_or(Sql::Null, |s| Sql::Text(*s)),
                V::Bytes(b) => b.map_or(Sql::Null, |b| Sql::Blob(*b)),
                other => return Err(rusqlite::Error::ToSqlConversionFailure(format!("no SQLite binding for {other:?}").into())),
            })
        })
        .collect()
}

/// As `From<DbErr>` does for the pool: a unique index's refusal, told by SQLite's extended
/// error code, is a [`ShopError::Duplicate`]; anything else is internal.
fn db_error(e: rusqlite::Error) -> ShopError {
    use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.extended_code == SQLITE_CONSTRAINT_UNIQUE || f.extended_code == SQLITE_CONSTRAINT_PRIMARYKEY {
            return ShopError::Duplicate(e.to_string());
        }
    }
    tracing::error!(error = %e, "database error");
    ShopError::Internal(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnectionTrait;

    /// A migrated database of its own, a writer on it, and a buyer's user id.
    async fn setup() -> (sea_orm::DatabaseConnection, Writer, String) {
        let dir = std::env::temp_dir().join(format!("shop-writer-{}", crate::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("shop.db");
        let db = crate::db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", path.display()), 2).await.unwrap();
        let writer = Writer::start(path, WriteGate::for_backend(DbBackend::Sqlite)).unwrap();
        let buyer = user(&db).await;
        (db, writer, buyer)
    }

    async fn stock_of(db: &sea_orm::DatabaseConnection, id: &str) -> i64 {
        let row = db
            .query_one(Statement::from_sql_and_values(DbBackend::Sqlite, "SELECT stock FROM products WHERE id = ?", [id.into()]))
            .await
            .unwrap()
            .expect("seeded product");
        row.try_get::<i64>("", "stock").unwrap()
    }

    fn shipping() -> Shipping {
        domain::fixtures::shipping()
    }

    fn line(product_id: &str, quantity: i64) -> CartLine {
        CartLine { product_id: product_id.into(), quantity }
    }

    async fn user(db: &sea_orm::DatabaseConnection) -> String {
        let id = crate::new_id();
        db.execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES (?, ?, 'Ada', 'x', 'shopper', 0)",
            [id.clone().into(), format!("{id}@example.com").into()],
        ))
        .await
        .unwrap();
        id
    }

    /// A cart whose second line cannot be had writes nothing, not even the first line's stock;
    /// the next checkout goes through on the same thread.
    #[tokio::test]
    async fn a_refused_line_rolls_back_the_whole_checkout_and_the_writer_goes_on() {
        let (db, writer, buyer) = setup().await;
        let mouse = stock_of(&db, "glide-mouse").await;
        let mug = stock_of(&db, "ridge-mug").await;
        // Lines are taken in product order: the mouse's unit is taken before the mug is refused.
        let mut lines = vec![line("ridge-mug", mug + 1), line("glide-mouse", 1)];
        lines.sort_by(|a, b| a.product_id.cmp(&b.product_id));
        assert_eq!(lines[1].product_id, "ridge-mug", "the refused line must come second");

        let refused = writer.write(&buyer, &shipping(), &lines, "key-refused-0001").await.unwrap();
        assert!(refused.is_none(), "not enough stock for the second line");
        assert_eq!(stock_of(&db, "glide-mouse").await, mouse, "the first line's unit was given back");
        assert_eq!(stock_of(&db, "ridge-mug").await, mug);

        let placed = writer.write(&buyer, &shipping(), &[line("ridge-mug", 2)], "key-placed-00001").await.unwrap().expect("placed");
        assert_eq!(placed.order.total_cents, placed.views.iter().map(|v| v.line_total_cents).sum::<i64>());
        assert_eq!(stock_of(&db, "ridge-mug").await, mug - 2);
        let outbox = db
            .query_one(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT COUNT(*) AS n FROM outbox WHERE record_key = ?",
                [placed.order.id.clone().into()],
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(outbox.try_get::<i64>("", "n").unwrap(), 1, "the event is written with the order");
    }

    #[test]
    fn every_scalar_binds_and_other_values_are_refused() {
        use rusqlite::types::Value as Sql;
        use sea_query::Value as V;
        let values = sea_query::Values(vec![
            V::Bool(Some(true)),
            V::Int(Some(-3)),
            V::BigInt(None),
            V::Double(Some(1.5)),
            V::String(Some(Box::new("x".into()))),
            V::Bytes(Some(Box::new(vec![1, 2]))),
        ]);
        let bound = bind(Some(values)).unwrap();
        assert_eq!(bound, vec![Sql::Integer(1), Sql::Integer(-3), Sql::Null, Sql::Real(1.5), Sql::Text("x".into()), Sql::Blob(vec![1, 2])]);
        assert!(bind(Some(sea_query::Values(vec![V::BigUnsigned(Some(u64::MAX))]))).is_err(), "a u64 does not fit SQLite's integer");
    }

    /// The same form twice: the unique index refuses the second, and the error says so (the
    /// caller then answers with the first order).
    #[tokio::test]
    async fn a_repeated_idempotency_key_is_a_unique_violation() {
        let (db, writer, buyer) = setup().await;
        let mug = stock_of(&db, "ridge-mug").await;
        writer.write(&buyer, &shipping(), &[line("ridge-mug", 1)], "key-repeated-001").await.unwrap().expect("placed");
        let again = writer.write(&buyer, &shipping(), &[line("ridge-mug", 1)], "key-repeated-001").await;
        match again {
            Err(ShopError::Duplicate(_)) => {}
            other => panic!("expected a unique violation, got {:?}", other.map(|w| w.map(|w| w.order.id))),
        }
        assert_eq!(stock_of(&db, "ridge-mug").await, mug - 1, "the repeat took no stock");
    }

    /// A buyer who goes away before the answer (the request was dropped) does not stop the
    /// thread, and the order is committed.
    #[tokio::test]
    async fn a_checkout_nobody_waits_for_is_still_written() {
        let (db, writer, buyer) = setup().await;
        let mug = stock_of(&db, "ridge-mug").await;
        let (address, cart) = (shipping(), [line("ridge-mug", 1)]);
        let gone = writer.write(&buyer, &address, &cart, "key-dropped-0001");
        drop(tokio::time::timeout(std::time::Duration::from_nanos(1), gone).await);
        writer.write(&buyer, &shipping(), &[line("ridge-mug", 1)], "key-after-000001").await.unwrap().expect("placed");
        assert_eq!(stock_of(&db, "ridge-mug").await, mug - 2);
    }
}
