//! TLS and SASL towards an external Kafka cluster, against a local one set up that way: Tansu
//! with SASL authentication on (SCRAM credentials made with the broker binary's `user create`), behind a TLS
//! proxy (socat, from Debian's packages: Tansu speaks no TLS itself) with a certificate from a
//! CA the test makes with `openssl`. The shop is configured only through its `KAFKA_*` variables.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use server::kafka_security::{KafkaSecurity, Mechanism, Protocol, SaslLogin};
use tokio::process::{Child, Command};

use crate::common::{self, free_port, start_broker, Db, TestApp};

const USER: &str = "shop-relay";
const PASSWORD: &str = "scram-secret-0123";

fn tool(name: &str) -> Command {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).any(|dir| dir.join(name).is_file());
    assert!(found, "this test needs `{name}` (Debian package {name}; scripts/test.sh installs it)");
    Command::new(name)
}

async fn run(cmd: &mut Command) {
    let out = cmd.output().await.unwrap();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA, and a certificate it signed for 127.0.0.1: `ca.pem`, `broker.pem`, `broker.key`.
async fn certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(tool("openssl").current_dir(dir).args(["req", "-x509"]).args(ec).args([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=shop test CA",
    ]))
    .await;
    run(tool("openssl").current_dir(dir).arg("req").args(ec).args(["-keyout", "broker.key", "-out", "broker.csr", "-subj", "/CN=127.0.0.1"])).await;
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(tool("openssl").current_dir(dir).args(["x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"]).args([
        "-out",
        "broker.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]))
    .await;
}

async fn listening(port: u16) {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

fn tansu(dir: &Path, plain: u16, tls: u16, authentication: bool) -> Child {
    let bin = server::config::find_tansu(&|k| std::env::var(k).ok()).unwrap_or_else(|e| panic!("this test needs the broker (shop-broker): {e}"));
    let mut cmd = Command::new(bin);
    cmd.args(["broker", "--storage-engine", "sqlite://tansu.db"])
        .args(["--listener-url", &format!("tcp://127.0.0.1:{plain}"), "--advertised-listener-url", &format!("tcp://127.0.0.1:{tls}")])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if authentication {
        cmd.arg("--authentication");
    }
    cmd.spawn().unwrap()
}

/// Tansu with SASL required, on `plain`, telling clients to come back through `tls`; socat
/// terminating TLS on `tls`. Both die with the returned children. (The SCRAM user is made while
/// the broker runs without authentication: with it, Tansu lets no one in to make the first.)
async fn secured_cluster(dir: &Path, plain: u16, tls: u16) -> (Child, Child) {
    let mut setup = tansu(dir, plain, tls, false);
    listening(plain).await;
    let bin = server::config::find_tansu(&|k| std::env::var(k).ok()).unwrap();
    run(Command::new(bin).args(["user", "create", USER, PASSWORD, "--mechanism", "scram256", "--broker", &format!("tcp://127.0.0.1:{plain}")])).await;
    setup.kill().await.unwrap();
    setup.wait().await.unwrap();
    for _ in 0..200 {
        if tokio::net::TcpListener::bind(("127.0.0.1", plain)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let broker = tansu(dir, plain, tls, true);
    listening(plain).await;
    let proxy = tool("socat")
        .arg(format!("OPENSSL-LISTEN:{tls},bind=127.0.0.1,reuseaddr,fork,cert=broker.pem,key=broker.key,verify=0"))
        .arg(format!("TCP:127.0.0.1:{plain}"))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    listening(tls).await;
    (broker, proxy)
}

fn security(password: &str, ca: Option<&Path>) -> KafkaSecurity {
    KafkaSecurity {
        protocol: Protocol::SaslSsl,
        sasl: Some(SaslLogin { mechanism: Mechanism::ScramSha256, username: USER.into(), password: password.into() }),
        ca_file: ca.map(Path::to_owned),
    }
}

#[tokio::test]
async fn the_shop_talks_to_a_cluster_that_requires_tls_and_scram() {
    let dir = common::temp_dir("kafka-tls");
    certificates(&dir).await;
    let (plain, tls) = (free_port(), free_port());
    let _cluster = secured_cluster(&dir, plain, tls).await;
    let brokers = vec![format!("127.0.0.1:{tls}")];
    let ca = dir.join("ca.pem");

    // What must be refused is refused: a wrong password, a certificate from an unknown CA, and
    // plain TCP to the TLS port.
    let wrong_password = server::kafka::connect_with(&brokers, &security("not-the-password", Some(&ca))).await;
    assert!(wrong_password.is_err(), "a wrong SCRAM password was accepted");
    let unknown_ca = server::kafka::connect_with(&brokers, &security(PASSWORD, None)).await;
    assert!(unknown_ca.is_err(), "a certificate from an unknown CA was trusted");
    assert!(server::kafka::connect(&brokers).await.is_err(), "plain TCP got through the TLS port");

    // The shop, configured through its variables, relays an order and hears it back.
    let unused = start_broker().await;
    let (brokers, ca) = (brokers[0].clone(), ca.display().to_string());
    let app = TestApp::spawn_with(
        Db::Sqlite,
        &unused,
        &[
            ("KAFKA_BROKERS", &brokers),
            ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
            ("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256"),
            ("KAFKA_SASL_USERNAME", USER),
            ("KAFKA_SASL_PASSWORD", PASSWORD),
            ("KAFKA_CA_FILE", &ca),
        ],
    )
    .await;
    let shopper = app.registered("tls@example.com").await;
    let mut socket = shopper.socket().await;
    let r = shopper.checkout("ridge-mug:1", &common::new_key()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let order_id = r.body["order"]["id"].as_str().unwrap().to_owned();
    let seen = socket.collect_orders(1, Duration::from_secs(15)).await;
    assert!(seen.contains(&order_id), "the order's event did not come back through the secured cluster");
    app.app.shutdown().await;
}
