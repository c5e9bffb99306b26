//! `shop-broker produce TOPIC`: one record, its value read from stdin, written to one partition.
//! For tests that put on the topic what the shop itself never would (forged and malformed
//! events) and for an operator's experiments.

use std::io::Read;

use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::client::ClientBuilder;
use rskafka::record::Record;
use url::Url;

#[derive(Debug, clap::Args)]
pub struct ProduceArgs {
    topic: String,
    /// The broker, e.g. tcp://127.0.0.1:9092.
    #[arg(long)]
    broker: Url,
    #[arg(long, default_value_t = 0)]
    partition: i32,
    /// The record's key (none if absent).
    #[arg(long)]
    key: Option<String>,
}

impl ProduceArgs {
    pub async fn run(self) -> Result<(), String> {
        let mut value = Vec::new();
        std::io::stdin().read_to_end(&mut value).map_err(|e| format!("reading the value from stdin: {e}"))?;
        let addr = match (self.broker.host_str(), self.broker.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            _ => return Err(format!("--broker {}: expected tcp://HOST:PORT", self.broker)),
        };
        let client = ClientBuilder::new(vec![addr.clone()]).build().await.map_err(|e| format!("cannot reach {addr}: {e}"))?;
        let partition = client
            .partition_client(self.topic.clone(), self.partition, UnknownTopicHandling::Error)
            .await
            .map_err(|e| format!("{} partition {}: {e}", self.topic, self.partition))?;
        let record = Record { key: self.key.map(String::into_bytes), value: Some(value), headers: Default::default(), timestamp: chrono::Utc::now() };
        let offsets = partition.produce(vec![record], Compression::NoCompression).await.map_err(|e| format!("producing to {}: {e}", self.topic))?;
        println!("{}", offsets.first().copied().unwrap_or_default());
        Ok(())
    }
}
