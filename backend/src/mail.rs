//! Outgoing e-mail: password-reset links now, notifications later.
//!
//! With `SMTP_URL` set (`smtp://`, `smtps://` or `smtp://…?tls=required`, user and password in
//! the URL) mail goes out over SMTP with `lettre`. Without it, each message is written as an
//! `.eml` file under `DATA_DIR/mail/` (readable by its owner only) and its path is logged, so the
//! shop works on a laptop with no mail server: open the file to follow the link.

use std::path::{Path, PathBuf};

use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::ShopError;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    /// The mailer the configuration asks for; `from` is a mailbox such as
    /// `Pulse Shop <shop@example.com>`.
    pub fn new(smtp_url: Option<&str>, from: &str, data_dir: &Path) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("MAIL_FROM: {from:?} is not a mailbox ({e})"))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("SMTP_URL: not a usable smtp:// or smtps:// URL ({e})"))?.build(),
            ),
            None => Transport::Folder(data_dir.join("mail")),
        };
        Ok(Mailer { from, transport })
    }

    /// Sends a plain-text message to `to`. Returns where it was written when there is no SMTP
    /// server (`None` when it went out over SMTP).
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<Option<PathBuf>, ShopError> {
        let to: Mailbox = to.parse().map_err(|e| ShopError::Internal(format!("recipient {to:?}: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| ShopError::Internal(format!("building the message failed: {e}")))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| ShopError::Internal(format!("SMTP: {e}")))?;
                Ok(None)
            }
            Transport::Folder(dir) => write_eml(dir, &message.formatted()).await.map(Some),
        }
    }
}

/// Writes one message as `DATA_DIR/mail/<time>-<id>.eml`: the folder and the file are private
/// to the server's user (a reset link is as good as a password for half an hour).
async fn write_eml(dir: &Path, bytes: &[u8]) -> Result<PathBuf, ShopError> {
    let path = dir.join(format!("{}-{}.eml", crate::now_ms(), crate::new_id()));
    let (dir, file, bytes) = (dir.to_owned(), path.clone(), bytes.to_owned());
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&file)?.write_all(&bytes)
    })
    .await
    .map_err(|e| ShopError::Internal(e.to_string()))?
    .map_err(|e| ShopError::Internal(format!("cannot write {}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "mail written to a file (no SMTP_URL)");
    Ok(path)
}
