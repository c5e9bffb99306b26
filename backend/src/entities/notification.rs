//! The `notifications` table (`backend::notifications`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    /// `domain::notification::NotificationKind::as_str`.
    pub kind: String,
    pub title: String,
    pub link: String,
    /// The log event that made it.
    pub source_event_id: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    /// `off`, `pending`, `sending`, `sent` or `failed` (`backend::notifications::send_mail`).
    pub mail_state: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
