//! Password reset by e-mailed link.
//!
//! The link carries a random token; the database keeps only its SHA-256. A link works once (the
//! row is claimed by a conditional update, so two clicks racing cannot both win), for
//! [`RESET_MS`], and a newer password ends every session of the account. Asking for a link never
//! tells whether the address has an account (the answer is the same), and an account gets at most
//! [`MAX_PER_HOUR`] links an hour, so the form cannot flood an inbox. The link's origin is the
//! configured public URL, never the request's `Host` header (which an attacker chooses).

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait};

use crate::accounts::Account;
use crate::entities::{password_reset, user};
use crate::sessions::{id_of, new_token};
use crate::{now_ms, Shop, ShopError};
use domain::reset::{usable, INVALID_LINK, MAX_PER_HOUR, RESET_MS};
use domain::validation::{normalize_email, validate_registration, FieldErrors};

const HOUR_MS: i64 = 60 * 60 * 1000;

/// Sends a reset link to `email` if an account has that address (and has not had too many).
pub async fn request(shop: &Shop, email: &str) -> Result<(), ShopError> {
    let email = normalize_email(email);
    if !domain::validation::is_plausible_email(&email) {
        let mut e = FieldErrors::default();
        e.add("email", "Enter the email address you signed up with.");
        return Err(ShopError::Invalid(e));
    }
    let Some(account) = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&shop.db).await? else {
        tracing::info!("password reset asked for an address with no account");
        return Ok(());
    };
    let now = now_ms();
    let recent = password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(&account.id))
        .filter(password_reset::Column::CreatedAt.gt(now - HOUR_MS))
        .count(&shop.db)
        .await?;
    if recent >= MAX_PER_HOUR {
        tracing::info!(user_id = %account.id, "password reset not sent: {MAX_PER_HOUR} already this hour");
        return Ok(());
    }
    let token = new_token();
    {
        let _gate = shop.gate.enter().await;
        password_reset::ActiveModel {
            id: Set(id_of(&token).expect("a token we made")),
            user_id: Set(account.id.clone()),
            created_at: Set(now),
            expires_at: Set(now + RESET_MS),
            used_at: Set(None),
        }
        .insert(&shop.db)
        .await?;
    }
    let link = format!("{}/reset?token={token}", shop.public_url);
    let body = format!(
        "Hello {},\n\nSomeone (we hope you) asked to reset the password of your Pulse Shop account.\n\
         To choose a new password, open this link within 30 minutes:\n\n{link}\n\n\
         The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n",
        account.name
    );
    // Sent after the answer: a request for an address with an account must take as long as one
    // for an address without (the time of an SMTP conversation would tell them apart).
    let mail = shop.mail.clone();
    tokio::spawn(async move {
        match mail.send(&account.email, "Reset your Pulse Shop password", body).await {
            Ok(_) => tracing::info!(user_id = %account.id, "password reset link sent"),
            Err(e) => tracing::error!(user_id = %account.id, error = %e, "password reset link could not be sent"),
        }
    });
    Ok(())
}

/// Whether `token` names a link that can still be used (for the page that asks for the new
/// password: a dead link says so before anyone types).
pub async fn check(shop: &Shop, token: &str) -> Result<bool, ShopError> {
    let Some(id) = id_of(token) else { return Ok(false) };
    let row = password_reset::Entity::find_by_id(id).one(&shop.db).await?;
    Ok(row.is_some_and(|r| usable(r.expires_at, r.used_at, now_ms())))
}

/// Sets a new password through the link `token`, once; every session of the account ends.
pub async fn complete(shop: &Shop, token: &str, new_password: &str) -> Result<Account, ShopError> {
    let dead = || ShopError::Rejected(INVALID_LINK.into());
    let id = id_of(token).ok_or_else(dead)?;
    let now = now_ms();
    let row = password_reset::Entity::find_by_id(id.clone()).one(&shop.db).await?.ok_or_else(dead)?;
    if !usable(row.expires_at, row.used_at, now) {
        return Err(dead());
    }
    let found = user::Entity::find_by_id(row.user_id.clone()).one(&shop.db).await?.ok_or_else(dead)?;
    // A weak password is refused before the link is spent: the shopper can try another.
    let invalid = |message: String| {
        let mut e = FieldErrors::default();
        e.add("password", message);
        ShopError::Invalid(e)
    };
    validate_registration(&found.name, &found.email, new_password).map_err(|e| invalid(e.get("password").unwrap_or("Choose another password.").to_owned()))?;
    crate::passwords::check_strength(new_password, &found.name, &found.email).map_err(invalid)?;
    let hash = shop.auth.hash_password(new_password).await?;
    let account: Account = {
        let _gate = shop.gate.enter().await;
        let txn = shop.db.begin().await?;
        let claimed = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(now))
            .filter(password_reset::Column::Id.eq(id))
            .filter(password_reset::Column::UsedAt.is_null())
            .filter(password_reset::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(dead());
        }
        // Older links of the account die with this one.
        password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(now))
            .filter(password_reset::Column::UserId.eq(&found.id))
            .filter(password_reset::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        let mut active: user::ActiveModel = found.into();
        active.password_hash = Set(hash);
        let account = active.update(&txn).await?.into();
        txn.commit().await?;
        account
    };
    crate::sessions::end_all(shop, &account.id, None).await?;
    tracing::info!(user_id = %account.id, "password reset");
    Ok(account)
}

/// Deletes links that expired more than a day ago.
pub async fn prune(shop: &Shop) -> Result<u64, ShopError> {
    let before = now_ms() - 24 * HOUR_MS;
    let _gate = shop.gate.enter().await;
    Ok(password_reset::Entity::delete_many().filter(password_reset::Column::ExpiresAt.lt(before)).exec(&shop.db).await?.rows_affected)
}
