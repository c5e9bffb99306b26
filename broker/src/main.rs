//! `shop-broker`: the Kafka-protocol broker the shop starts when `KAFKA_BROKERS` is not set
//! (`server/src/broker.rs`, `testkit`'s clusters).
//!
//! It is Tansu's broker library with only its SQLite engine, behind a command line of our own
//! that takes the subset of `tansu`'s broker and user arguments the shop uses (a `tansu` can
//! still be `TANSU_BIN`), plus `produce` for tests that write to the topic directly. Built in this workspace rather than installed with `cargo install tansu`, it
//! compiles once with the server the dependencies the two share (tokio, hyper, rustls, serde…)
//! and, for the tests, in the debug profile.

mod produce;
mod user;

use clap::{Parser, Subcommand};
use tansu_broker::broker::Broker;
use tansu_broker::coordinator::group::administrator::Controller;
use tansu_broker::NODE_ID;
use tansu_storage::StorageContainer;
use tracing_subscriber::EnvFilter;
use url::Url;

#[derive(Debug, Parser)]
#[command(name = "shop-broker", version, about = "Pulse Shop's Kafka-protocol broker (Tansu, SQLite storage)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the Kafka protocol until SIGINT or SIGTERM.
    Broker(BrokerArgs),
    /// Write one record (its value from stdin) to a topic of a running broker.
    Produce(produce::ProduceArgs),
    /// Manage SASL/SCRAM users of a running broker.
    #[command(subcommand)]
    User(user::UserCommand),
}

#[derive(Debug, clap::Args)]
struct BrokerArgs {
    /// Every broker of one cluster uses the same id (they share the storage).
    #[arg(long, default_value = "tansu_cluster")]
    cluster_id: String,
    /// Where the broker accepts connections, e.g. tcp://127.0.0.1:9092.
    #[arg(long)]
    listener_url: Url,
    /// The address clients are told to connect to (metadata), e.g. the balancer's.
    #[arg(long)]
    advertised_listener_url: Url,
    /// The storage: sqlite://FILE, relative to the working directory.
    #[arg(long)]
    storage_engine: Url,
    /// Require SASL authentication (SCRAM users made with `user create`).
    #[arg(long)]
    authentication: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // RUST_LOG as Tansu reads it (the server passes TANSU_LOG through it); logs go to stderr.
    tracing_subscriber::fmt().with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"))).with_writer(std::io::stderr).init();
    let outcome = match Cli::parse().command {
        Command::Broker(args) => serve(args).await,
        Command::Produce(args) => args.run().await,
        Command::User(command) => command.run().await,
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("shop-broker: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(args: BrokerArgs) -> Result<(), String> {
    if args.storage_engine.scheme() != "sqlite" {
        return Err(format!("--storage-engine {}: this broker has only the SQLite engine (sqlite://FILE)", args.storage_engine));
    }
    let started = tokio::time::Instant::now();
    let broker = Broker::<Controller<StorageContainer>, StorageContainer>::builder()
        .node_id(NODE_ID)
        .cluster_id(args.cluster_id)
        .incarnation_id(uuid::Uuid::now_v7())
        .advertised_listener(args.advertised_listener_url)
        .storage(args.storage_engine)
        .listener(args.listener_url)
        .authentication(args.authentication)
        .silent(true)
        .build()
        .await
        .map_err(|e| format!("cannot start: {e}"))?;
    broker.main(started).await.map(|_| ()).map_err(|e| e.to_string())
}
