//! The operator's commands beside serving: `server promote EMAIL` and `server demote EMAIL`.
//!
//! Staff rights are given by whoever runs the server, never by a form: these commands use the
//! same configuration (`DATABASE_URL`, `DATA_DIR`) as the server and change the role in the
//! database.

use backend::auth::{AuthSettings, Role};
use backend::Shop;

use crate::Config;

pub const USAGE: &str = "usage: server                 serve the shop (configuration from the environment)\n       server promote EMAIL   make an existing account staff\n       server demote EMAIL    make a staff account a shopper again";

/// Runs the command in `args` (without the program name); `None` when `args` asks to serve.
pub async fn run(args: &[String], config: &Config) -> Option<Result<String, String>> {
    let (role, email) = match args {
        [] => return None,
        [cmd, email] if cmd == "promote" => (Role::Staff, email),
        [cmd, email] if cmd == "demote" => (Role::Shopper, email),
        _ => return Some(Err(USAGE.to_owned())),
    };
    Some(set_role(config, email, role).await)
}

async fn set_role(config: &Config, email: &str, role: Role) -> Result<String, String> {
    let db = backend::db::connect_and_migrate(&config.database_url, 1).await.map_err(|e| e.to_string())?;
    // Nothing is hashed here: the cheapest cost keeps start-up instant.
    let mail = backend::mail::Mailer::new(None, &config.mail_from, &config.data_dir)?;
    let shop = Shop::new(db, AuthSettings::new(4), config.low_stock_threshold, mail, config.public_url.clone()).map_err(|e| e.to_string())?;
    match backend::accounts::set_role(&shop, email, role).await {
        Ok(account) => Ok(format!("{} is now {}", account.email, role.as_str())),
        Err(backend::ShopError::NotFound) => Err(format!("no account with the email {email}: it must sign up first")),
        Err(e) => Err(e.to_string()),
    }
}
