//! `shop-broker` as the server runs it: a Kafka client creates a topic, produces and fetches;
//! records survive a SIGKILL; SCRAM users can be made; bad arguments fail with a message.
//! (The server's own suite runs the whole event path, SASL and clusters on this binary.)

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::client::ClientBuilder;
use rskafka::record::Record;

const BIN: &str = env!("CARGO_BIN_EXE_shop-broker");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("shop-broker-test-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The broker on `port`, storing in `dir`, once it accepts connections.
fn start(dir: &Path, port: u16, extra: &[&str]) -> Child {
    let url = format!("tcp://127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url, "--storage-engine", "sqlite://tansu.db"])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the broker exited at start: {status}");
        }
        assert!(Instant::now() < deadline, "the broker did not listen on {port} within 15 s");
        std::thread::sleep(Duration::from_millis(25));
    }
    child
}

fn record(value: &str) -> Record {
    Record { key: Some(b"k".to_vec()), value: Some(value.as_bytes().to_vec()), headers: Default::default(), timestamp: chrono::Utc::now() }
}

async fn values(addr: SocketAddr, topic: &str) -> Vec<String> {
    let client = ClientBuilder::new(vec![addr.to_string()]).build().await.unwrap();
    let pc = client.partition_client(topic, 0, UnknownTopicHandling::Retry).await.unwrap();
    let (records, _) = pc.fetch_records(0, 1..1_000_000, 100).await.unwrap();
    records.into_iter().map(|r| String::from_utf8(r.record.value.unwrap()).unwrap()).collect()
}

#[tokio::test]
async fn produces_fetches_and_keeps_records_through_a_kill() {
    let (dir, port) = (temp_dir("log"), free_port());
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut broker = start(&dir, port, &[]);

    let client = ClientBuilder::new(vec![addr.to_string()]).build().await.unwrap();
    client.controller_client().unwrap().create_topic("orders", 1, 1, 5_000).await.unwrap();
    let pc = client.partition_client("orders", 0, UnknownTopicHandling::Retry).await.unwrap();
    let offsets = pc.produce(vec![record("first"), record("second")], Compression::Lz4).await.unwrap();
    assert_eq!(offsets, vec![0, 1]);
    assert_eq!(values(addr, "orders").await, ["first", "second"]);

    broker.kill().unwrap();
    broker.wait().unwrap();
    let mut broker = start(&dir, port, &[]);
    assert_eq!(values(addr, "orders").await, ["first", "second"], "records written before the SIGKILL are kept");
    broker.kill().unwrap();
    broker.wait().unwrap();
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn makes_scram_users_on_a_running_broker() {
    let (dir, port) = (temp_dir("users"), free_port());
    let mut broker = start(&dir, port, &[]);
    let out = run(&["user", "create", "shop", "s3cret-pass", "--mechanism", "scram256", "--broker", &format!("tcp://127.0.0.1:{port}")]);
    assert!(out.status.success(), "user create failed: {}", String::from_utf8_lossy(&out.stderr));
    broker.kill().unwrap();
    broker.wait().unwrap();

    // Nothing listens there any more: the command says so and fails.
    let out = run(&["user", "create", "shop", "s3cret-pass", "--broker", &format!("tcp://127.0.0.1:{port}")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{port}")), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn refuses_a_storage_engine_it_does_not_have() {
    let port = free_port();
    let url = format!("tcp://127.0.0.1:{port}");
    let out = run(&["broker", "--listener-url", &url, "--advertised-listener-url", &url, "--storage-engine", "memory://tansu/"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("only the SQLite engine"), "{stderr}");
}
