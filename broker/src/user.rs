//! `shop-broker user create|delete`: SASL/SCRAM credentials, sent to a running broker as a Kafka
//! AlterUserScramCredentials request (the broker stores them; `--authentication` checks them).

use bytes::Bytes;
use clap::{Subcommand, ValueEnum};
use rand::RngCore;
use rsasl::mechanisms::scram::tools::hash_password;
use sha2::{Sha256, Sha512};
use tansu_client::{Client, ConnectionManager};
use tansu_sans_io::alter_user_scram_credentials_request::{ScramCredentialDeletion, ScramCredentialUpsertion};
use tansu_sans_io::{AlterUserScramCredentialsRequest, ErrorCode, ScramMechanism};
use url::Url;

/// RFC 7677 asks for at least 4096; Kafka's own tools use 4096 or 8192.
const ITERATIONS: u32 = 8192;
const SALT_LEN: usize = 32;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create (or replace) a user's credentials.
    Create {
        /// The broker to send the request to, e.g. tcp://127.0.0.1:9092.
        #[arg(long)]
        broker: Url,
        name: String,
        password: String,
        #[arg(long, value_enum, default_value = "scram512")]
        mechanism: Mechanism,
    },
    /// Delete a user's credentials for one mechanism.
    Delete {
        #[arg(long)]
        broker: Url,
        name: String,
        #[arg(long, value_enum, default_value = "scram512")]
        mechanism: Mechanism,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Mechanism {
    Scram256,
    Scram512,
}

impl Mechanism {
    fn code(self) -> i8 {
        match self {
            Mechanism::Scram256 => ScramMechanism::Scram256.into(),
            Mechanism::Scram512 => ScramMechanism::Scram512.into(),
        }
    }

    /// SCRAM's SaltedPassword: PBKDF2 with HMAC of the mechanism's hash.
    fn salted_password(self, password: &str, salt: &[u8]) -> Bytes {
        // The output arrays' type is inferred: the generic-array version rsasl uses is deprecated.
        match self {
            Mechanism::Scram256 => {
                let mut out = Default::default();
                hash_password::<Sha256>(password.as_bytes(), ITERATIONS, salt, &mut out);
                Bytes::copy_from_slice(&out[..])
            }
            Mechanism::Scram512 => {
                let mut out = Default::default();
                hash_password::<Sha512>(password.as_bytes(), ITERATIONS, salt, &mut out);
                Bytes::copy_from_slice(&out[..])
            }
        }
    }
}

impl UserCommand {
    pub async fn run(self) -> Result<(), String> {
        let (broker, request) = match self {
            UserCommand::Create { broker, name, password, mechanism } => {
                let mut salt = [0u8; SALT_LEN];
                rand::rng().fill_bytes(&mut salt);
                let upsert = ScramCredentialUpsertion::default()
                    .name(name)
                    .mechanism(mechanism.code())
                    .iterations(ITERATIONS as i32)
                    .salt(Bytes::copy_from_slice(&salt))
                    .salted_password(mechanism.salted_password(&password, &salt));
                (broker, AlterUserScramCredentialsRequest::default().deletions(Some(vec![])).upsertions(Some(vec![upsert])))
            }
            UserCommand::Delete { broker, name, mechanism } => {
                let delete = ScramCredentialDeletion::default().name(name).mechanism(mechanism.code());
                (broker, AlterUserScramCredentialsRequest::default().deletions(Some(vec![delete])).upsertions(Some(vec![])))
            }
        };
        // Tansu's client retries a refused connection for half a minute: say at once that
        // nothing listens there.
        let addr = (broker.host_str().unwrap_or_default().to_owned(), broker.port().unwrap_or(9092));
        match tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("cannot reach {broker}: {e}")),
            Err(_) => return Err(format!("cannot reach {broker}: no answer within 5 s")),
        }
        let pool = ConnectionManager::builder(broker.clone())
            .client_id(Some("shop-broker".into()))
            .build()
            .await
            .map_err(|e| format!("cannot reach {broker}: {e}"))?;
        let response = Client::new(pool).call(request).await.map_err(|e| format!("{broker}: {e}"))?;
        for result in response.results.unwrap_or_default() {
            let code = ErrorCode::try_from(result.error_code).unwrap_or(ErrorCode::UnknownServerError);
            if code != ErrorCode::None {
                return Err(format!("user {}: {code:?} {}", result.user, result.error_message.unwrap_or_default()));
            }
        }
        Ok(())
    }
}
