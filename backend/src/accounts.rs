//! Accounts: sign-up, sign-in with a failure limit, and how staff accounts come to be.
//!
//! The role lives in the database only. Sign-up always makes a shopper; staff are made by the
//! operator: `ADMIN_EMAIL` + `ADMIN_PASSWORD` at start-up ([`ensure_staff`]) or
//! `server promote EMAIL` ([`set_role`]).

use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

use crate::auth::Role;
use crate::entities::{login_failure, user};
use crate::{new_id, now_ms, Shop, ShopError};
use domain::throttle::Failures;
use domain::validation::{normalize_email, validate_registration, FieldErrors};

pub const WRONG_CREDENTIALS: &str = "Wrong email or password.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Their notifications go out by e-mail too.
    pub email_notifications: bool,
}

impl From<user::Model> for Account {
    fn from(m: user::Model) -> Self {
        Account { id: m.id, email: m.email, name: m.name, role: Role::parse(&m.role), email_notifications: m.email_notifications }
    }
}

pub async fn register(shop: &Shop, name: &str, email: &str, password: &str) -> Result<Account, ShopError> {
    create(shop, name, email, password, Role::Shopper).await
}

async fn create(shop: &Shop, name: &str, email: &str, password: &str, role: Role) -> Result<Account, ShopError> {
    let reg = validate_registration(name, email, password).map_err(ShopError::Invalid)?;
    if let Err(why) = crate::passwords::check_strength(&reg.password, &reg.name, &reg.email) {
        let mut e = FieldErrors::default();
        e.add("password", why);
        return Err(ShopError::Invalid(e));
    }
    let taken = || {
        let mut e = FieldErrors::default();
        e.add("email", "An account with this email already exists.");
        ShopError::Invalid(e)
    };
    if user::Entity::find().filter(user::Column::Email.eq(&reg.email)).one(&shop.db).await?.is_some() {
        return Err(taken());
    }
    let hash = shop.auth.hash_password(&reg.password).await?;
    let model = user::ActiveModel {
        id: Set(new_id()),
        email: Set(reg.email.clone()),
        name: Set(reg.name),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now_ms()),
        email_notifications: Set(true),
    };
    let _gate = shop.gate.enter().await;
    match model.insert(&shop.db).await {
        Ok(m) => Ok(m.into()),
        Err(e) => match ShopError::from(e) {
            // Lost a race with another sign-up for the same email: the unique index decided.
            ShopError::Duplicate(_) => Err(taken()),
            other => Err(other),
        },
    }
}

/// Signs in, throttled by [`domain::throttle`]: every attempt is written down *before* the
/// password is checked, so parallel guesses see each other and all but the allowance wait,
/// and a success clears the failures of that account from that address.
pub async fn login(shop: &Shop, email: &str, password: &str, ip: &str) -> Result<Account, ShopError> {
    let email = normalize_email(email);
    let now = now_ms();
    let attempt = {
        let _gate = shop.gate.enter().await;
        login_failure::ActiveModel { email: Set(email.clone()), ip: Set(ip.to_owned()), failed_at: Set(now), ..Default::default() }.insert(&shop.db).await?
    };
    let (failures, latest) = earlier_failures(shop, &email, ip, attempt.id, now).await?;
    let wait_ms = domain::throttle::wait_secs(failures) * 1000;
    if let Some(latest) = latest.filter(|latest| now - latest < wait_ms) {
        let secs = (wait_ms - (now - latest) + 999) / 1000;
        return Err(ShopError::RateLimited(format!("Too many failed sign-ins: try again in {secs} s.")));
    }
    let found = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&shop.db).await?;
    let ok = match &found {
        Some(u) => shop.auth.verify_password(password, &u.password_hash).await?,
        None => {
            shop.auth.verify_password(password, &shop.auth.dummy_hash).await?;
            false
        }
    };
    if !ok {
        return Err(ShopError::Rejected(WRONG_CREDENTIALS.into()));
    }
    let _gate = shop.gate.enter().await;
    login_failure::Entity::delete_many().filter(login_failure::Column::Email.eq(&email)).filter(login_failure::Column::Ip.eq(ip)).exec(&shop.db).await?;
    Ok(found.expect("verified above").into())
}

/// Failures before attempt `this` in the window, counted three ways, and when the latest was.
async fn earlier_failures(shop: &Shop, email: &str, ip: &str, this: i32, now: i64) -> Result<(Failures, Option<i64>), ShopError> {
    let since = now - domain::throttle::WINDOW_MS;
    let rows = login_failure::Entity::find()
        .filter(login_failure::Column::FailedAt.gt(since))
        .filter(login_failure::Column::Id.ne(this))
        .filter(Condition::any().add(login_failure::Column::Email.eq(email)).add(login_failure::Column::Ip.eq(ip)))
        .all(&shop.db)
        .await?;
    let mut f = Failures::default();
    for r in &rows {
        let (same_account, same_address) = (r.email == email, r.ip == ip);
        f.account += same_account as u32;
        f.address += same_address as u32;
        f.account_and_address += (same_account && same_address) as u32;
    }
    Ok((f, rows.iter().map(|r| r.failed_at).max()))
}

/// Deletes failed sign-ins older than the throttling window.
pub async fn prune_failures(shop: &Shop) -> Result<u64, ShopError> {
    let before = now_ms() - domain::throttle::WINDOW_MS;
    let _gate = shop.gate.enter().await;
    Ok(login_failure::Entity::delete_many().filter(login_failure::Column::FailedAt.lt(before)).exec(&shop.db).await?.rows_affected)
}

pub async fn find(shop: &Shop, id: &str) -> Result<Option<Account>, ShopError> {
    Ok(user::Entity::find_by_id(id.to_owned()).one(&shop.db).await?.map(Account::from))
}

/// Changes an account's display name.
pub async fn rename(shop: &Shop, user_id: &str, name: &str) -> Result<Account, ShopError> {
    let name = domain::validation::validate_name(name).map_err(ShopError::Invalid)?;
    let found = user::Entity::find_by_id(user_id.to_owned()).one(&shop.db).await?.ok_or(ShopError::NotFound)?;
    let mut active: user::ActiveModel = found.into();
    active.name = Set(name);
    let _gate = shop.gate.enter().await;
    Ok(active.update(&shop.db).await?.into())
}

/// Changes a password: the current one must be given, the new one must be strong enough, and
/// every other session of the account ends (the one that made the change stays).
pub async fn change_password(shop: &Shop, user_id: &str, current: &str, new: &str, keep_session: &str) -> Result<(), ShopError> {
    let found = user::Entity::find_by_id(user_id.to_owned()).one(&shop.db).await?.ok_or(ShopError::NotFound)?;
    let invalid = |field: &str, message: String| {
        let mut e = FieldErrors::default();
        e.add(field, message);
        ShopError::Invalid(e)
    };
    if !shop.auth.verify_password(current, &found.password_hash).await? {
        return Err(invalid("current_password", "That is not your current password.".into()));
    }
    validate_registration(&found.name, &found.email, new)
        .map_err(|e| invalid("new_password", e.get("password").unwrap_or("Choose another password.").to_owned()))?;
    crate::passwords::check_strength(new, &found.name, &found.email).map_err(|why| invalid("new_password", why))?;
    let hash = shop.auth.hash_password(new).await?;
    let mut active: user::ActiveModel = found.into();
    active.password_hash = Set(hash);
    {
        let _gate = shop.gate.enter().await;
        active.update(&shop.db).await?;
    }
    crate::sessions::end_all(shop, user_id, Some(keep_session)).await?;
    Ok(())
}

/// What [`ensure_staff`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffBootstrap {
    Created,
    /// The account existed as a shopper and its password is `ADMIN_PASSWORD`: the operator's own.
    Promoted,
    AlreadyStaff,
}

/// Makes the account `email` staff at start-up (`ADMIN_EMAIL` + `ADMIN_PASSWORD`): creates it, or
/// promotes an existing account only when `password` is its password. An account someone else
/// signed up with that email is never promoted: start-up fails and says so.
pub async fn ensure_staff(shop: &Shop, email: &str, password: &str) -> Result<StaffBootstrap, ShopError> {
    let email = normalize_email(email);
    let Some(found) = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&shop.db).await? else {
        create(shop, "Staff", &email, password, Role::Staff).await?;
        return Ok(StaffBootstrap::Created);
    };
    if Role::parse(&found.role) == Role::Staff {
        return Ok(StaffBootstrap::AlreadyStaff);
    }
    if !shop.auth.verify_password(password, &found.password_hash).await? {
        return Err(ShopError::Rejected(format!(
            "an account {email} already exists, is not staff, and its password is not ADMIN_PASSWORD: it may be a \
             stranger's, so it is not made staff. If it is yours, run `server promote {email}`."
        )));
    }
    set_role(shop, &email, Role::Staff).await?;
    Ok(StaffBootstrap::Promoted)
}

/// Gives the account `email` a role (`server promote` / `server demote`).
pub async fn set_role(shop: &Shop, email: &str, role: Role) -> Result<Account, ShopError> {
    let email = normalize_email(email);
    let found = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&shop.db).await?.ok_or(ShopError::NotFound)?;
    let mut active: user::ActiveModel = found.into();
    active.role = Set(role.as_str().to_owned());
    let account: Account = {
        let _gate = shop.gate.enter().await;
        active.update(&shop.db).await?.into()
    };
    // A role change ends the account's sessions: its sockets close, and it signs in afresh.
    crate::sessions::end_all(shop, &account.id, None).await?;
    Ok(account)
}
