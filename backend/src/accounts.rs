//! Accounts: sign-up, sign-in with a failure limit, and the staff bootstrap.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::auth::Role;
use crate::entities::{login_failure, user};
use crate::{new_id, now_ms, Shop, ShopError};
use domain::validation::{normalize_email, validate_registration, FieldErrors};

/// Failed sign-ins allowed per email within [`FAILURE_WINDOW_MS`].
pub const MAX_FAILURES: u64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const WRONG_CREDENTIALS: &str = "Wrong email or password.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl From<user::Model> for Account {
    fn from(m: user::Model) -> Self {
        Account { id: m.id, email: m.email, name: m.name, role: Role::parse(&m.role) }
    }
}

fn role_for(shop: &Shop, email: &str) -> Role {
    if shop.admin_email.as_deref() == Some(email) {
        Role::Staff
    } else {
        Role::Shopper
    }
}

pub async fn register(shop: &Shop, name: &str, email: &str, password: &str) -> Result<Account, ShopError> {
    let reg = validate_registration(name, email, password).map_err(ShopError::Invalid)?;
    let taken = || {
        let mut e = FieldErrors::default();
        e.add("email", "An account with this email already exists.");
        ShopError::Invalid(e)
    };
    if user::Entity::find().filter(user::Column::Email.eq(&reg.email)).one(&shop.db).await?.is_some() {
        return Err(taken());
    }
    let hash = shop.auth.hash_password(&reg.password).await?;
    let role = role_for(shop, &reg.email);
    let model = user::ActiveModel {
        id: Set(new_id()),
        email: Set(reg.email.clone()),
        name: Set(reg.name),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now_ms()),
    };
    let _gate = shop.gate.enter().await;
    match model.insert(&shop.db).await {
        Ok(m) => Ok(m.into()),
        // Lost a race with another sign-up for the same email: the unique index decided.
        Err(e) if e.to_string().to_lowercase().contains("unique") => Err(taken()),
        Err(e) => Err(e.into()),
    }
}

pub async fn login(shop: &Shop, email: &str, password: &str) -> Result<Account, ShopError> {
    let email = normalize_email(email);
    let since = now_ms() - FAILURE_WINDOW_MS;
    let failures = login_failure::Entity::find()
        .filter(login_failure::Column::Email.eq(&email))
        .filter(login_failure::Column::FailedAt.gt(since))
        .count(&shop.db)
        .await?;
    if failures >= MAX_FAILURES {
        return Err(ShopError::RateLimited("Sign-in for this email is paused for 15 minutes after 5 failed attempts.".into()));
    }
    let found = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&shop.db).await?;
    let ok = match &found {
        Some(u) => shop.auth.verify_password(password, &u.password_hash).await,
        None => {
            let _ = shop.auth.verify_password(password, &shop.auth.dummy_hash).await;
            false
        }
    };
    let _gate = shop.gate.enter().await;
    if !ok {
        login_failure::ActiveModel { email: Set(email), failed_at: Set(now_ms()), ..Default::default() }.insert(&shop.db).await?;
        return Err(ShopError::Rejected(WRONG_CREDENTIALS.into()));
    }
    login_failure::Entity::delete_many().filter(login_failure::Column::Email.eq(&email)).exec(&shop.db).await?;
    let mut user = found.expect("verified above");
    // ADMIN_EMAIL may have been set after the account was created.
    let role = role_for(shop, &user.email);
    if role.as_str() != user.role {
        let mut active: user::ActiveModel = user.clone().into();
        active.role = Set(role.as_str().to_owned());
        user = active.update(&shop.db).await?;
    }
    Ok(user.into())
}

pub async fn find(shop: &Shop, id: &str) -> Result<Option<Account>, ShopError> {
    Ok(user::Entity::find_by_id(id.to_owned()).one(&shop.db).await?.map(Account::from))
}

/// Creates the staff account named by `ADMIN_EMAIL` if it does not exist yet.
pub async fn ensure_staff(shop: &Shop, email: &str, password: &str) -> Result<(), ShopError> {
    let email = normalize_email(email);
    if user::Entity::find().filter(user::Column::Email.eq(&email)).one(&shop.db).await?.is_some() {
        return Ok(());
    }
    register(shop, "Staff", &email, password).await.map(|_| ())
}
