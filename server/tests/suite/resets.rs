//! Password reset by e-mailed link: the link works once, only for its account, ends every
//! session, never says which addresses have accounts, cannot flood an inbox, and goes out over
//! real SMTP when `SMTP_URL` is set (to a small SMTP server run by the test).

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::common::{self, start_broker, Db, Shopper, TestApp};

const NEW_PASSWORD: &str = "a-new-and-long-passphrase";

fn mails(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("mail")).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    files.sort();
    files
}

/// The mails once there are `n` (they are written after the answer), failing after 5 s; then a
/// moment more, so that one too many would show.
async fn wait_for_mails(dir: &Path, n: usize) -> Vec<PathBuf> {
    for _ in 0..100 {
        if mails(dir).len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    mails(dir)
}

/// The reset link's token in a message as sent (quoted-printable or plain).
fn token_in(message: &str) -> String {
    let text = message.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let at = text.find("/reset?token=").unwrap_or_else(|| panic!("no reset link in the mail:\n{message}")) + "/reset?token=".len();
    text[at..].chars().take_while(char::is_ascii_hexdigit).collect()
}

async fn a_reset_link_works_once_and_ends_every_session(db: Db) {
    let broker = start_broker().await;
    let data = common::temp_dir("reset");
    let data_dir = data.display().to_string();
    let app = TestApp::spawn_with(db, &broker, &[("DATA_DIR", &data_dir), ("PUBLIC_URL", "https://shop.example.test/")]).await;
    let owner = app.registered("forgetful@example.com").await;
    let old_cookie = owner.cookie_header().unwrap();
    let stranger = Shopper::new(&app.base);

    // Unknown addresses get the same answer, and no mail.
    let unknown = stranger.call("request_password_reset", &[("email", "nobody@example.com")]).await;
    let known = stranger.call("request_password_reset", &[("email", "Forgetful@Example.com")]).await;
    assert_eq!((unknown.status, unknown.text.clone()), (known.status, known.text.clone()), "the answer tells which address has an account");
    let sent = wait_for_mails(&data, 1).await;
    assert_eq!(sent.len(), 1, "one mail, to the account's address");
    let message = std::fs::read_to_string(&sent[0]).unwrap();
    assert!(message.contains("To: forgetful@example.com"), "{message}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&sent[0]).unwrap().permissions().mode() & 0o077, 0, "the mail file is readable by others");
    }
    // The link's origin is the configured one, whatever Host the request named.
    assert!(message.replace("=\r\n", "").replace("=3D", "=").contains("https://shop.example.test/reset?token="), "{message}");
    let token = token_in(&message);
    assert_eq!(token.len(), 64);
    assert_eq!(stranger.call("reset_link_usable", &[("token", &token)]).await.body, true);

    // A weak password is refused and does not spend the link.
    let weak = stranger.call("reset_password", &[("token", &token), ("password", "password1")]).await;
    assert_eq!(weak.status, 422, "{}", weak.text);
    let done = stranger.call("reset_password", &[("token", &token), ("password", NEW_PASSWORD)]).await;
    assert_eq!(done.status, 200, "{}", done.text);

    // Once only; the old session is dead; the new password works and the old one does not.
    let again = stranger.call("reset_password", &[("token", &token), ("password", "yet-another-long-passphrase")]).await;
    assert_eq!(again.status, 422, "the link worked twice: {}", again.text);
    assert!(again.text.contains("cannot be used"), "{}", again.text);
    assert_eq!(stranger.call("reset_link_usable", &[("token", &token)]).await.body, false);
    let r = reqwest::Client::new().post(format!("{}/api/orders", app.base)).header("cookie", &old_cookie).send().await.unwrap();
    assert_eq!(r.status(), 401, "the session from before the reset still works");
    let old = Shopper::new(&app.base).call("login", &[("email", "forgetful@example.com"), ("password", "correct-horse-battery")]).await;
    assert_eq!(old.status, 422, "the old password still works: {}", old.text);
    let new = Shopper::new(&app.base).call("login", &[("email", "forgetful@example.com"), ("password", NEW_PASSWORD)]).await;
    assert_eq!(new.status, 200, "{}", new.text);

    // A made-up or malformed token is refused the same way.
    for forged in ["0".repeat(64), "not-a-token".into(), String::new()] {
        let r = stranger.call("reset_password", &[("token", &forged), ("password", NEW_PASSWORD)]).await;
        assert_eq!(r.status, 422, "{forged:?}: {}", r.text);
    }

    // At most three links an hour: asking more sends nothing more (and answers the same).
    for _ in 0..4 {
        assert_eq!(stranger.call("request_password_reset", &[("email", "forgetful@example.com")]).await.status, 200);
    }
    assert_eq!(wait_for_mails(&data, 3).await.len(), 3, "an inbox can be flooded through the reset form");
    app.app.shutdown().await;
    drop(owner);
}

crate::on_both_databases!(a_reset_link_works_once_and_ends_every_session);

/// A minimal SMTP server: accepts one message and hands over what came after DATA.
async fn smtp_server() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut data: Option<String> = None;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(body) = data.as_mut() {
                if line == "." {
                    write.write_all(b"250 queued\r\n").await.unwrap();
                    let _ = tx.send(data.take().unwrap());
                    break;
                }
                body.push_str(&line);
                body.push_str("\r\n");
                continue;
            }
            let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 test\r\n",
                "DATA" => {
                    data = Some(String::new());
                    b"354 go on\r\n"
                }
                "QUIT" => b"221 bye\r\n",
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await.unwrap();
        }
    });
    (port, rx)
}

#[tokio::test]
async fn with_smtp_url_the_link_goes_out_over_smtp() {
    let broker = start_broker().await;
    let (port, received) = smtp_server().await;
    let data = common::temp_dir("reset-smtp");
    let (smtp, data_dir) = (format!("smtp://127.0.0.1:{port}"), data.display().to_string());
    let app = TestApp::spawn_with(Db::Sqlite, &broker, &[("SMTP_URL", &smtp), ("DATA_DIR", &data_dir), ("MAIL_FROM", "Shop <shop@example.test>")]).await;
    app.registered("smtp@example.com").await;
    let r = Shopper::new(&app.base).call("request_password_reset", &[("email", "smtp@example.com")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let message = tokio::time::timeout(Duration::from_secs(10), received).await.expect("no mail reached the SMTP server").unwrap();
    assert!(message.contains("From: Shop <shop@example.test>") && message.contains("To: smtp@example.com"), "{message}");
    assert_eq!(token_in(&message).len(), 64);
    assert!(mails(&data).is_empty(), "with SMTP_URL nothing is written to DATA_DIR/mail");
    app.app.shutdown().await;
}
