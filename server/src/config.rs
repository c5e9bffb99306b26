//! Typed configuration from environment variables (and a `.env` file, loaded by `main`).
//!
//! Every value is checked at start-up; a bad one stops the server with a single line that names
//! the variable. Defaults give a working development shop with no set-up at all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { var, message: message.into() }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broker {
    /// `KAFKA_BROKERS` names a cluster; nothing is started.
    External(Vec<String>),
    /// Start Tansu as a child process listening on `addr`, storing under the data dir.
    Embedded { addr: SocketAddr, tansu_bin: PathBuf },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub production: bool,
    pub site_addr: SocketAddr,
    pub site_root: String,
    pub output_name: String,
    pub site_pkg_dir: String,
    pub reload_port: u32,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub db_max_connections: u32,
    pub broker: Broker,
    pub topic: String,
    pub partitions: i32,
    /// TLS and SASL towards an external cluster (`kafka_security.rs`).
    pub kafka_security: crate::kafka_security::KafkaSecurity,
    /// How the relay compresses the batches it produces (`KAFKA_COMPRESSION`).
    pub kafka_compression: rskafka::client::partition::Compression,
    /// How long an idle consumer waits between fetches (see `consumer.rs` and `nudge.rs`).
    pub fetch_max_wait_ms: i32,
    pub bcrypt_cost: u32,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub low_stock_threshold: i32,
    /// Per-socket queue length before the socket is told to resync.
    pub ws_queue: usize,
    /// Connection caps and the header timeout (`listener.rs`).
    pub limits: crate::listener::Limits,
    /// Most live sockets one user may hold at once.
    pub ws_per_user: usize,
    /// The bearer token `/metrics` asks for; `/metrics` is not served without one.
    pub metrics_token: Option<String>,
    /// Where shoppers reach the shop (links in mail), without a trailing `/`.
    pub public_url: String,
    /// `smtp://` or `smtps://` server for outgoing mail; without it mail goes to `DATA_DIR/mail/`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Whether webhooks may reach loopback and private addresses (`WEBHOOK_PRIVATE_TARGETS`:
    /// `allow` by default in development, `deny` in production, where it cannot be allowed).
    pub webhook_private_targets: bool,
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn get(env: Env, var: &str) -> Option<String> {
    env(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn parse<T>(env: Env, var: &'static str, default: T, range: std::ops::RangeInclusive<T>, what: &str) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match get(env, var) {
        None => Ok(default),
        Some(raw) => {
            let v: T = raw.parse().map_err(|_| err(var, format!("\"{raw}\" is not {what}")))?;
            if !range.contains(&v) {
                return Err(err(var, format!("{v} is out of range {}..={}", range.start(), range.end())));
            }
            Ok(v)
        }
    }
}

fn addr(env: Env, var: &'static str, default: &str) -> Result<SocketAddr, ConfigError> {
    let raw = get(env, var).unwrap_or_else(|| default.to_owned());
    raw.parse().map_err(|_| err(var, format!("\"{raw}\" is not an address like 127.0.0.1:3000")))
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(&|k| std::env::var(k).ok())
    }

    pub fn from_lookup(env: Env) -> Result<Config, ConfigError> {
        let production = match get(env, "APP_ENV").as_deref() {
            None | Some("development") | Some("dev") | Some("test") => false,
            Some("production") | Some("prod") => true,
            Some(other) => return Err(err("APP_ENV", format!("\"{other}\" is not one of development, production"))),
        };
        let data_dir = PathBuf::from(get(env, "DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = match get(env, "DATABASE_URL") {
            Some(url) => {
                if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(err("DATABASE_URL", format!("\"{}\" is not a sqlite:// or postgres:// URL", backend::db::redact(&url))));
                }
                url
            }
            None => format!("sqlite://{}?mode=rwc", data_dir.join("shop.db").display()),
        };
        let broker = match get(env, "KAFKA_BROKERS") {
            Some(list) => {
                let brokers: Vec<String> = list.split(',').map(|b| b.trim().to_owned()).filter(|b| !b.is_empty()).collect();
                for b in &brokers {
                    let ok = b.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
                    if !ok {
                        return Err(err("KAFKA_BROKERS", format!("\"{b}\" is not host:port")));
                    }
                }
                Broker::External(brokers)
            }
            None => Broker::Embedded { addr: addr(env, "EMBEDDED_BROKER_ADDR", "127.0.0.1:9092")?, tansu_bin: find_tansu(env)? },
        };
        let kafka_security = crate::kafka_security::KafkaSecurity::from_lookup(|k| get(env, k)).map_err(|(var, message)| err(var, message))?;
        if kafka_security != Default::default() && matches!(broker, Broker::Embedded { .. }) {
            return Err(err("KAFKA_SECURITY_PROTOCOL", "is for an external cluster: set KAFKA_BROKERS too (the embedded broker is plain, on loopback)"));
        }
        let topic = get(env, "KAFKA_TOPIC").unwrap_or_else(|| "order-events".into());
        if topic.len() > 249 || !topic.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            return Err(err("KAFKA_TOPIC", format!("\"{topic}\" is not a valid topic name (letters, digits, . _ -)")));
        }
        let admin_email = get(env, "ADMIN_EMAIL");
        if let Some(e) = &admin_email {
            if !domain::validation::is_plausible_email(e) {
                return Err(err("ADMIN_EMAIL", format!("\"{e}\" is not an email address")));
            }
        }
        let admin_password = get(env, "ADMIN_PASSWORD");
        if let Some(p) = &admin_password {
            if p.len() < domain::validation::MIN_PASSWORD_LEN {
                return Err(err("ADMIN_PASSWORD", "must be at least 8 characters"));
            }
        }
        // Staff are made from both or neither: an email alone would wait for whoever signs up
        // with it first.
        match (&admin_email, &admin_password) {
            (Some(_), None) => {
                return Err(err("ADMIN_PASSWORD", "is required with ADMIN_EMAIL (the staff account is created at start-up, never by signing up)"))
            }
            (None, Some(_)) => return Err(err("ADMIN_EMAIL", "is required with ADMIN_PASSWORD")),
            _ => {}
        }
        let site_addr = addr(env, "LEPTOS_SITE_ADDR", "127.0.0.1:3000")?;
        let public_url = get(env, "PUBLIC_URL").unwrap_or_else(|| format!("http://{site_addr}"));
        let public_url = public_url.trim_end_matches('/').to_owned();
        let origin_ok = ["http://", "https://"]
            .iter()
            .any(|s| public_url.strip_prefix(s).is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', '@', ' '])));
        if !origin_ok {
            return Err(err("PUBLIC_URL", format!("\"{public_url}\" is not an origin like https://shop.example.com")));
        }
        let smtp_url = get(env, "SMTP_URL");
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(err("SMTP_URL", format!("\"{}\" is not an smtp:// or smtps:// URL", backend::db::redact(url))));
            }
        }
        let webhook_private_targets = match get(env, "WEBHOOK_PRIVATE_TARGETS").as_deref() {
            None => !production,
            Some("deny") => false,
            Some("allow") if production => {
                return Err(err("WEBHOOK_PRIVATE_TARGETS", "\"allow\" is for development: in production webhooks reach public addresses only"))
            }
            Some("allow") => true,
            Some(other) => return Err(err("WEBHOOK_PRIVATE_TARGETS", format!("\"{other}\" is not one of allow, deny"))),
        };
        let is_sqlite = database_url.starts_with("sqlite:");
        let fetch_wait = default_fetch_wait_ms(&broker);
        Ok(Config {
            production,
            site_addr,
            site_root: get(env, "LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            output_name: get(env, "LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "shop".into()),
            site_pkg_dir: get(env, "LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()),
            reload_port: parse(env, "LEPTOS_RELOAD_PORT", 3001, 1..=65535, "a port number")?,
            data_dir,
            database_url,
            db_max_connections: parse(env, "DB_MAX_CONNECTIONS", if is_sqlite { 8 } else { 16 }, 1..=512, "a whole number")?,
            broker,
            topic,
            kafka_security,
            kafka_compression: compression(env)?,
            partitions: parse(env, "KAFKA_PARTITIONS", 3, 1..=256, "a whole number")?,
            fetch_max_wait_ms: parse(env, "KAFKA_FETCH_MAX_WAIT_MS", fetch_wait, 0..=10_000, "a number of milliseconds")?,
            bcrypt_cost: parse(env, "BCRYPT_COST", 12, 4..=31, "a bcrypt cost")?,
            admin_email,
            admin_password,
            low_stock_threshold: parse(env, "LOW_STOCK_THRESHOLD", 5, 0..=1_000_000, "a whole number")?,
            ws_queue: parse(env, "WS_QUEUE", 256, 1..=1_000_000, "a whole number")?,
            limits: crate::listener::Limits {
                max_connections: parse(env, "MAX_CONNECTIONS", default_max_connections(), 1..=10_000_000, "a whole number")?,
                per_ip: parse(env, "MAX_CONNECTIONS_PER_IP", 256, 1..=10_000_000, "a whole number")?,
                header_timeout: std::time::Duration::from_millis(parse(env, "HEADER_TIMEOUT_MS", 10_000, 100..=600_000, "a number of milliseconds")?),
                trusted_proxies: trusted_proxies(env)?,
            },
            ws_per_user: parse(env, "WS_PER_USER", 16, 1..=10_000_000, "a whole number")?,
            metrics_token: match get(env, "METRICS_TOKEN") {
                Some(t) if t.len() < 16 => return Err(err("METRICS_TOKEN", "must be at least 16 characters")),
                t => t,
            },
            public_url,
            smtp_url,
            mail_from: get(env, "MAIL_FROM").unwrap_or_else(|| "Pulse Shop <shop@localhost>".into()),
            webhook_private_targets,
        })
    }
}

/// `KAFKA_COMPRESSION`: gzip unless set. Every Kafka client decodes gzip without a plugin
/// (kafkajs, the usual Node.js client, decodes neither LZ4 nor zstd by itself), and compressed
/// batches stay small.
fn compression(env: Env) -> Result<rskafka::client::partition::Compression, ConfigError> {
    use rskafka::client::partition::Compression;
    match get(env, "KAFKA_COMPRESSION").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("gzip") => Ok(Compression::Gzip),
        Some("none") => Ok(Compression::NoCompression),
        Some("lz4") => Ok(Compression::Lz4),
        Some("zstd") => Ok(Compression::Zstd),
        Some(other) => Err(err("KAFKA_COMPRESSION", format!("\"{other}\" is not one of none, gzip, lz4, zstd"))),
    }
}

/// How long an idle consumer waits between fetches, unless `KAFKA_FETCH_MAX_WAIT_MS` says.
///
/// This instance's own events end the wait at once (its relay nudges the consumer), so the wait
/// bounds only how late an event produced by *another* instance shows up here. With a shared
/// cluster that matters: 10 ms. The embedded broker is this instance's own (SQLite: one
/// instance), every event on it comes with a nudge, and the wait is only a safety net; each
/// empty fetch costs the broker a few SQLite queries (Tansu prepares every statement afresh), so
/// a short wait would keep it busy with the shop idle and take that time from the fan-out (P4).
fn default_fetch_wait_ms(broker: &Broker) -> i32 {
    match broker {
        Broker::External(_) => 10,
        Broker::Embedded { .. } => 250,
    }
}

/// Below the open-file limit the server will raise itself to (`startup::raise_fd_limit`), with
/// room for the database, the broker connections and the files it serves.
/// `TRUSTED_PROXIES`: the load balancers' addresses, comma-separated.
fn trusted_proxies(env: Env) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    let Some(list) = get(env, "TRUSTED_PROXIES") else { return Ok(Vec::new()) };
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| err("TRUSTED_PROXIES", format!("\"{s}\" is not an IP address (the balancers' addresses, comma-separated)"))))
        .collect()
}

fn default_max_connections() -> usize {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: a plain libc call on a stack value.
    let hard = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 { lim.rlim_max } else { 1024 };
    (hard.min(1 << 20) as usize).saturating_sub(256).max(64)
}

/// The broker binary to start: `TANSU_BIN`, else the workspace's `shop-broker` beside this
/// executable (cargo puts both in one profile directory; test binaries sit one level down in
/// `deps/`), else `tansu` on `PATH`, else `~/.cargo/bin/tansu` (an installed Tansu works too).
pub fn find_tansu(env: Env) -> Result<PathBuf, ConfigError> {
    if let Some(bin) = get(env, "TANSU_BIN") {
        let p = PathBuf::from(&bin);
        return if p.is_file() { Ok(p) } else { Err(err("TANSU_BIN", format!("{bin} does not exist"))) };
    }
    let exe_dir = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
    let beside = exe_dir.into_iter().flat_map(|dir| [dir.join("shop-broker"), dir.join("..").join("shop-broker")]);
    let on_path = get(env, "PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).map(|d| d.join("tansu"));
    let cargo_home = get(env, "CARGO_HOME").map(PathBuf::from).or_else(|| get(env, "HOME").map(|h| Path::new(&h).join(".cargo")));
    beside.chain(on_path).chain(cargo_home.map(|c| c.join("bin").join("tansu"))).find(|p| p.is_file()).ok_or_else(|| {
        err(
            "KAFKA_BROKERS",
            "not set, and no broker binary was found to start a local one (set TANSU_BIN, or build it: cargo build -p broker; scripts/run.sh does)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The configuration from `pairs`, with a data dir and, unless `pairs` names one, a broker.
    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        configure(pairs, &[("KAFKA_BROKERS", "127.0.0.1:9092")])
    }

    fn configure(pairs: &[(&str, &str)], defaults: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join(format!("shop-config-test-{}", std::process::id()));
        let mut map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry("DATA_DIR".into()).or_insert(dir.display().to_string());
        for (k, v) in defaults {
            map.entry(k.to_string()).or_insert(v.to_string());
        }
        Config::from_lookup(&move |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work() {
        let c = with(&[]).unwrap();
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.topic, "order-events");
        assert_eq!(c.partitions, 3);
        assert_eq!(c.bcrypt_cost, 12);
        assert!(c.database_url.starts_with("sqlite://"));
        assert_eq!(c.fetch_max_wait_ms, 10, "a shared cluster: other instances' events within 10 ms");
    }

    #[test]
    fn the_embedded_broker_is_polled_less_often_unless_told() {
        // No KAFKA_BROKERS: the embedded broker, with any existing file standing in for Tansu.
        let tansu = std::env::current_exe().unwrap().display().to_string();
        let embedded = |pairs: &[(&str, &str)]| configure(pairs, &[("TANSU_BIN", &tansu)]).unwrap();
        assert!(matches!(embedded(&[]).broker, Broker::Embedded { .. }));
        assert_eq!(embedded(&[]).fetch_max_wait_ms, 250);
        assert_eq!(embedded(&[("KAFKA_FETCH_MAX_WAIT_MS", "10")]).fetch_max_wait_ms, 10);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("KAFKA_BROKERS", "nohostport"),
            ("KAFKA_PARTITIONS", "zero"),
            ("KAFKA_PARTITIONS", "0"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("BCRYPT_COST", "99"),
            ("APP_ENV", "staging"),
            ("KAFKA_TOPIC", "bad topic"),
            ("ADMIN_EMAIL", "nope"),
            ("KAFKA_COMPRESSION", "snappy"),
        ];
        for (var, value) in cases {
            let e = with(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}: {e}");
            assert!(e.to_string().starts_with(var));
        }
    }

    #[test]
    fn batches_are_gzip_compressed_unless_told() {
        use rskafka::client::partition::Compression;
        assert!(matches!(with(&[]).unwrap().kafka_compression, Compression::Gzip));
        assert!(matches!(with(&[("KAFKA_COMPRESSION", "none")]).unwrap().kafka_compression, Compression::NoCompression));
        assert!(matches!(with(&[("KAFKA_COMPRESSION", "LZ4")]).unwrap().kafka_compression, Compression::Lz4));
        assert!(matches!(with(&[("KAFKA_COMPRESSION", "zstd")]).unwrap().kafka_compression, Compression::Zstd));
    }

    #[test]
    fn app_env_chooses_production() {
        assert!(with(&[("APP_ENV", "production")]).unwrap().production);
    }

    #[test]
    fn private_webhook_targets_only_in_development() {
        assert!(with(&[]).unwrap().webhook_private_targets, "development: a receiver on this machine is fine");
        assert!(!with(&[("WEBHOOK_PRIVATE_TARGETS", "deny")]).unwrap().webhook_private_targets);
        assert!(!with(&[("APP_ENV", "production")]).unwrap().webhook_private_targets);
        let e = with(&[("APP_ENV", "production"), ("WEBHOOK_PRIVATE_TARGETS", "allow")]).unwrap_err();
        assert_eq!(e.var, "WEBHOOK_PRIVATE_TARGETS");
        assert_eq!(with(&[("WEBHOOK_PRIVATE_TARGETS", "maybe")]).unwrap_err().var, "WEBHOOK_PRIVATE_TARGETS");
    }
}
