//! Start-up and shutdown: database, broker, Kafka tasks, router, and the order they come in.
//!
//! [`spawn`] returns a [`RunningApp`] so the binary and the integration tests start the very
//! same server (tests bind port 0 and get their own database and broker).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::FromRef;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::broker::EmbeddedBroker;
use crate::catalog_feed::CatalogFeed;
use crate::config::{Broker, Config};
use crate::consumer::Consumer;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::nudge::FetchNudge;
use crate::relay::{self, KafkaTarget};
use crate::{health, sse, ws};
use app::{shell, App};
use backend::auth::AuthSettings;
use backend::Shop;

const MAX_BODY_BYTES: usize = 64 * 1024;
/// No request may hold a connection and a handler longer than this (a WebSocket upgrade
/// answers at once; the socket itself lives outside the request).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct AppState {
    pub shop: Shop,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    pub leptos_options: LeptosOptions,
    pub ws_queue: usize,
    pub ws_per_user: usize,
    /// `/metrics` needs this bearer token; without one it is not served (`health.rs`).
    pub metrics_token: Option<Arc<str>>,
    /// The site's files by content hash (`assets.rs`).
    pub assets: app::assets::Assets,
    /// The event browser's reader (`event_log.rs`).
    pub event_log: Arc<dyn app::api::events::EventLog>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct RunningApp {
    pub addr: SocketAddr,
    pub shop: Shop,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    pub broker: Option<Arc<EmbeddedBroker>>,
    pub brokers: Vec<String>,
    shutdown_tx: watch::Sender<bool>,
    /// `None` once [`RunningApp::shutdown`] has waited for it.
    server: Option<JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningApp {
    /// Stops accepting, closes sockets, stops the background tasks and the broker we started.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        // Every open socket sends a close frame and ends; sockets that open meanwhile end at once.
        self.hub.close();
        if let Some(server) = self.server.take() {
            if tokio::time::timeout(Duration::from_secs(10), server).await.is_err() {
                tracing::warn!("HTTP server did not finish within 10 s");
            }
        }
        for t in std::mem::take(&mut self.tasks) {
            t.abort();
            let _ = t.await;
        }
        if let Some(b) = &self.broker {
            b.stop().await;
        }
    }
}

/// An app dropped without [`RunningApp::shutdown`] (a test that failed half-way, say) still
/// stops what it started: the listener and every task are aborted, and the embedded broker's
/// process is killed when its last handle goes (`kill_on_drop`).
impl Drop for RunningApp {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        self.hub.close();
        if let Some(server) = self.server.take() {
            server.abort();
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,rskafka=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if std::env::var("LOG_FORMAT").as_deref() == Ok("json") { builder.json().try_init() } else { builder.try_init() };
}

/// Every WebSocket is a file descriptor: lift the soft open-file limit to the hard one (a
/// default soft limit of 1,024 would cap the live connections of one instance).
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain libc calls on a stack value.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                tracing::debug!(from = lim.rlim_cur, to = lim.rlim_max, "raised the open-file limit");
            }
        }
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn bind_error(addr: SocketAddr, e: std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::AddrInUse {
        format!("LEPTOS_SITE_ADDR: port {} on {} is already in use", addr.port(), addr.ip())
    } else {
        format!("LEPTOS_SITE_ADDR: cannot listen on {addr}: {e}")
    }
}

/// Starts everything and returns once the server accepts connections.
pub async fn spawn(config: Config) -> Result<RunningApp, String> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("DATA_DIR: cannot create {}: {e}", config.data_dir.display()))?;
    let listener = TcpListener::bind(config.site_addr).await.map_err(|e| bind_error(config.site_addr, e))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;

    let db = backend::db::connect_and_migrate(&config.database_url, config.db_max_connections).await.map_err(|e| e.to_string())?;
    tracing::info!(database = %backend::db::redact(&config.database_url), "database ready");

    let (broker, brokers) = match &config.broker {
        Broker::External(list) => (None, list.clone()),
        Broker::Embedded { addr, tansu_bin } => {
            let b = EmbeddedBroker::start(tansu_bin, *addr, &config.data_dir).await?;
            (Some(b), vec![addr.to_string()])
        }
    };

    let mut auth = {
        let cost = config.bcrypt_cost;
        tokio::task::spawn_blocking(move || AuthSettings::new(cost)).await.map_err(|e| e.to_string())?
    };
    auth.secure_cookies = config.production;
    let mail = backend::mail::Mailer::new(config.smtp_url.as_deref(), &config.mail_from, &config.data_dir)?;
    let shop = Shop::new(db, auth, config.low_stock_threshold, mail, config.public_url.clone())
        .map_err(|e| format!("cannot start the SQLite checkout writer's thread: {e}"))?
        .allow_private_webhook_targets(config.webhook_private_targets)
        .with_media_dir(config.data_dir.join("media"));
    if let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) {
        let done = backend::accounts::ensure_staff(&shop, email, password).await.map_err(|e| format!("ADMIN_EMAIL: {e}"))?;
        tracing::info!(email = %email, outcome = ?done, "staff account");
    }

    let metrics = Arc::new(Metrics::default());
    let hub = Hub::new(metrics.clone());
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let target = || KafkaTarget {
        brokers: brokers.clone(),
        security: config.kafka_security.clone(),
        topic: config.topic.clone(),
        partitions: config.partitions,
        compression: config.kafka_compression,
    };

    let nudge = Arc::new(FetchNudge::new(config.partitions.max(1) as usize));
    let catalog_feed = Arc::new(CatalogFeed::default());
    let positions = crate::consumer::positions(config.partitions.max(1) as usize);
    let event_log: Arc<dyn app::api::events::EventLog> = Arc::new(crate::event_log::LogBrowser::new(target(), positions.clone(), shop.clone()));
    let consumer = Consumer {
        target: target(),
        hub: hub.clone(),
        shop: shop.clone(),
        metrics: metrics.clone(),
        nudge: nudge.clone(),
        catalog_feed: catalog_feed.clone(),
        max_wait_ms: config.fetch_max_wait_ms,
        positions,
    };
    let notifier = crate::notifier::Notifier { shop: shop.clone(), metrics: metrics.clone() };
    let notifier = crate::durable::Durable { target: target(), shop: shop.clone(), sink: notifier, metrics: metrics.clone() };
    let webhooks = crate::webhooks::WebhookSink { shop: shop.clone(), metrics: metrics.clone() };
    let webhooks = crate::durable::Durable { target: target(), shop: shop.clone(), sink: webhooks, metrics: metrics.clone() };
    let mut tasks = vec![
        tokio::spawn(relay::run(shop.clone(), target(), metrics.clone(), nudge, shutdown_rx.clone())),
        tokio::spawn(notifier.run(shutdown_rx.clone())),
        tokio::spawn(webhooks.run(shutdown_rx.clone())),
        tokio::spawn(crate::webhooks::Sender::new(shop.clone(), metrics.clone()).run(shutdown_rx.clone())),
        tokio::spawn(consumer.run(shutdown_rx.clone())),
        tokio::spawn(catalog_feed.run(shop.clone(), hub.clone(), shutdown_rx.clone())),
    ];
    tasks.push(tokio::spawn(crate::sessions::watch(shop.clone(), hub.clone(), shutdown_rx.clone())));
    if let Some(b) = &broker {
        tasks.push(tokio::spawn(b.clone().supervise(shutdown_rx.clone())));
    }

    let leptos_options = LeptosOptions::builder()
        .output_name(config.output_name.clone())
        .site_root(config.site_root.clone())
        .site_pkg_dir(config.site_pkg_dir.clone())
        .site_addr(addr)
        .reload_port(config.reload_port)
        .env(if config.production { Env::PROD } else { Env::DEV })
        .build();
    let state = AppState {
        shop: shop.clone(),
        hub: hub.clone(),
        metrics: metrics.clone(),
        leptos_options: leptos_options.clone(),
        ws_queue: config.ws_queue,
        ws_per_user: config.ws_per_user,
        metrics_token: config.metrics_token.as_deref().map(Arc::from),
        assets: crate::assets::scan(std::path::Path::new(&config.site_root), &config.site_pkg_dir),
        event_log,
    };
    let router = router(state, config.production);
    let registry = crate::listener::Registry::new(config.limits.clone());
    let server = tokio::spawn(crate::listener::serve(listener, router, registry, metrics.clone(), shutdown_rx.clone()));
    tracing::info!(%addr, brokers = ?brokers, topic = %config.topic, "shop listening on http://{addr}");
    Ok(RunningApp { addr, shop, hub, metrics, broker, brokers, shutdown_tx, server: Some(server), tasks })
}

/// The app's route list, generated once per process.
///
/// leptos finds the routes by rendering the app once, and while it does so it suppresses
/// resource loading for the whole process: a resource first polled in that window never
/// resolves (leptos-rs/leptos#4773), and the page that awaits it answers only when the request
/// times out. One app per process only ever generates it before it serves; but the test
/// binaries start many apps in one process, and one app's start stalled another's page
/// (`server/tests/suite/pages.rs` reproduces it). Generating once, before the first app serves,
/// closes the window for good.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState, production: bool) -> Router {
    let routes = routes();
    let context = {
        let shop = state.shop.clone();
        let assets = state.assets.clone();
        let event_log = state.event_log.clone();
        move || {
            provide_context(shop.clone());
            provide_context(assets.clone());
            provide_context(event_log.clone());
            crate::security::provide_csp_nonce();
        }
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    // The browser bundle: the site builder's release build (`site --release --precompress`) writes
    // brotli-11 and gzip-9 copies beside each file, served here as they are; without them (debug
    // builds) the file is served plain and the compression layer compresses it on the fly at its
    // faster, weaker default level.
    let pkg_dir = std::path::Path::new(state.leptos_options.site_root.as_ref()).join(state.leptos_options.site_pkg_dir.as_ref());
    let pkg_url = format!("/{}", state.leptos_options.site_pkg_dir.trim_matches('/'));
    Router::new()
        .route("/ws", get(ws::handler))
        .route("/events", get(sse::handler))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .leptos_routes_with_context(&state, routes, context.clone(), render_shell)
        // Pages and server-function answers name who is signed in, their orders, their cart:
        // no shared or browser cache may keep them. (The files below are cacheable: those under
        // content-addressed URLs for a year, the plain `/pkg/` and the rest as ServeDir says.)
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .route("/assets/{hash}/{*path}", get(crate::assets::serve))
        .route("/media/{name}", get(crate::media::serve))
        .nest_service(&pkg_url, ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip())
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(axum::middleware::from_fn(crate::security::same_origin_writes))
        .layer(axum::middleware::from_fn(move |req, next| crate::security::strict_transport(production, req, next)))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // After the small limit above, so that it does not apply: the one route with a larger
        // body, with the same-origin and HTTPS rules the layers above give every other route.
        .merge(
            Router::new()
                .route("/staff/products/{id}/picture", axum::routing::post(crate::media::upload))
                .layer(axum::extract::DefaultBodyLimit::max(crate::media::UPLOAD_BODY_BYTES))
                .layer(RequestBodyLimitLayer::new(crate::media::UPLOAD_BODY_BYTES))
                .layer(axum::middleware::from_fn(crate::security::same_origin_writes))
                .layer(axum::middleware::from_fn(move |req, next| crate::security::strict_transport(production, req, next))),
        )
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(crate::security::csp_nonce))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
