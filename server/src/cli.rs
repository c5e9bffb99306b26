//! The operator's commands beside serving: `server promote EMAIL`, `server demote EMAIL` and
//! `server replay [--since TIME] [--verify]` (`replay.rs`).
//!
//! Staff rights are given by whoever runs the server, never by a form: these commands use the
//! same configuration (`DATABASE_URL`, `DATA_DIR`, the broker) as the server and change the role
//! in the database.

use backend::auth::{AuthSettings, Role};
use backend::Shop;

use crate::broker::EmbeddedBroker;
use crate::config::Broker;
use crate::relay::KafkaTarget;
use crate::Config;

pub const USAGE: &str = "usage: server                 serve the shop (configuration from the environment)\n       server promote EMAIL   make an existing account staff\n       server demote EMAIL    make a staff account a shopper again\n       server replay [--since TIME] [--verify]\n                              replay the event log into today's figures; with --verify,\n                              check every order against the log and fail on any difference";

/// Runs the command in `args` (without the program name); `None` when `args` asks to serve.
pub async fn run(args: &[String], config: &Config) -> Option<Result<String, String>> {
    let (role, email) = match args {
        [] => return None,
        [cmd, email] if cmd == "promote" => (Role::Staff, email),
        [cmd, email] if cmd == "demote" => (Role::Shopper, email),
        [cmd, rest @ ..] if cmd == "replay" => return Some(replay(config, rest).await),
        _ => return Some(Err(USAGE.to_owned())),
    };
    Some(set_role(config, email, role).await)
}

/// The shop's core on the configured database, for a command (no server, no relay).
async fn shop(config: &Config) -> Result<Shop, String> {
    let db = backend::db::connect_and_migrate(&config.database_url, 2).await.map_err(|e| e.to_string())?;
    // Nothing is hashed here: the cheapest cost keeps start-up instant.
    let mail = backend::mail::Mailer::new(None, &config.mail_from, &config.data_dir)?;
    Shop::new(db, AuthSettings::new(4), config.low_stock_threshold, mail, config.public_url.clone()).map_err(|e| e.to_string())
}

async fn replay(config: &Config, words: &[String]) -> Result<String, String> {
    let args = crate::replay::ReplayArgs::parse(words).map_err(|e| format!("{e}\n{USAGE}"))?;
    let shop = shop(config).await?;
    // The embedded broker of a running shop is read where it listens; a stopped shop's broker is
    // started for the command (and stopped with it).
    let (_started, brokers) = match &config.broker {
        Broker::External(list) => (None, list.clone()),
        Broker::Embedded { addr, tansu_bin } => {
            let running = tokio::net::TcpStream::connect(addr).await.is_ok();
            let started = if running { None } else { Some(EmbeddedBroker::start(tansu_bin, *addr, &config.data_dir).await?) };
            (started, vec![addr.to_string()])
        }
    };
    let target = KafkaTarget {
        brokers,
        security: config.kafka_security.clone(),
        topic: config.topic.clone(),
        partitions: config.partitions,
        compression: config.kafka_compression,
    };
    crate::replay::run(&shop, &target, &args, backend::now_ms()).await
}

async fn set_role(config: &Config, email: &str, role: Role) -> Result<String, String> {
    let shop = shop(config).await?;
    match backend::accounts::set_role(&shop, email, role).await {
        Ok(account) => Ok(format!("{} is now {}", account.email, role.as_str())),
        Err(backend::ShopError::NotFound) => Err(format!("no account with the email {email}: it must sign up first")),
        Err(e) => Err(e.to_string()),
    }
}
