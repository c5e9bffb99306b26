//! How the shop authenticates to an external Kafka cluster: TLS, and SASL with PLAIN or
//! SCRAM-SHA-256/512, configured with the names Kafka's own clients use
//! (`KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`,
//! `KAFKA_SASL_PASSWORD`, `KAFKA_CA_FILE`). The embedded broker is on loopback and needs none.

use std::path::PathBuf;
use std::sync::Arc;

use rskafka::client::{ClientBuilder, Credentials, SaslConfig};

/// `KAFKA_SECURITY_PROTOCOL`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    #[default]
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        Some(match s.to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Protocol::Plaintext,
            "SSL" => Protocol::Ssl,
            "SASL_PLAINTEXT" => Protocol::SaslPlaintext,
            "SASL_SSL" => Protocol::SaslSsl,
            _ => return None,
        })
    }

    pub fn tls(self) -> bool {
        matches!(self, Protocol::Ssl | Protocol::SaslSsl)
    }

    pub fn sasl(self) -> bool {
        matches!(self, Protocol::SaslPlaintext | Protocol::SaslSsl)
    }
}

/// `KAFKA_SASL_MECHANISM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    Plain,
    ScramSha256,
    ScramSha512,
}

impl Mechanism {
    pub fn parse(s: &str) -> Option<Mechanism> {
        Some(match s.to_ascii_uppercase().as_str() {
            "PLAIN" => Mechanism::Plain,
            "SCRAM-SHA-256" => Mechanism::ScramSha256,
            "SCRAM-SHA-512" => Mechanism::ScramSha512,
            _ => return None,
        })
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct SaslLogin {
    pub mechanism: Mechanism,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SaslLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslLogin").field("mechanism", &self.mechanism).field("username", &self.username).field("password", &"***").finish()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KafkaSecurity {
    pub protocol: Protocol,
    pub sasl: Option<SaslLogin>,
    /// PEM file of the CA(s) that signed the brokers' certificates; without it the Mozilla roots
    /// (`webpki-roots`) are trusted.
    pub ca_file: Option<PathBuf>,
}

impl KafkaSecurity {
    /// Reads the `KAFKA_*` security variables; an error names the variable and what is wrong.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<KafkaSecurity, (&'static str, String)> {
        let protocol = match get("KAFKA_SECURITY_PROTOCOL") {
            None => Protocol::Plaintext,
            Some(p) => Protocol::parse(&p).ok_or(("KAFKA_SECURITY_PROTOCOL", format!("\"{p}\" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")))?,
        };
        let sasl = if protocol.sasl() {
            let mechanism =
                get("KAFKA_SASL_MECHANISM").ok_or(("KAFKA_SASL_MECHANISM", "is required with SASL (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)".to_owned()))?;
            let mechanism =
                Mechanism::parse(&mechanism).ok_or(("KAFKA_SASL_MECHANISM", format!("\"{mechanism}\" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")))?;
            let username = get("KAFKA_SASL_USERNAME").ok_or(("KAFKA_SASL_USERNAME", "is required with SASL".to_owned()))?;
            let password = get("KAFKA_SASL_PASSWORD").ok_or(("KAFKA_SASL_PASSWORD", "is required with SASL".to_owned()))?;
            Some(SaslLogin { mechanism, username, password })
        } else {
            for var in ["KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"] {
                if get(var).is_some() {
                    return Err((var, format!("is set, but KAFKA_SECURITY_PROTOCOL ({protocol:?}) uses no SASL: set it to SASL_SSL")));
                }
            }
            None
        };
        let ca_file = get("KAFKA_CA_FILE").map(PathBuf::from);
        if let Some(path) = &ca_file {
            if !protocol.tls() {
                return Err(("KAFKA_CA_FILE", format!("is set, but KAFKA_SECURITY_PROTOCOL ({protocol:?}) uses no TLS: set it to SSL or SASL_SSL")));
            }
            load_roots(path).map_err(|e| ("KAFKA_CA_FILE", e))?;
        }
        Ok(KafkaSecurity { protocol, sasl, ca_file })
    }

    /// The client builder with TLS and SASL as configured.
    pub fn apply(&self, mut builder: ClientBuilder) -> Result<ClientBuilder, String> {
        if self.protocol.tls() {
            let roots = match &self.ca_file {
                Some(path) => load_roots(path)?,
                None => rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() },
            };
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            builder = builder.tls_config(Arc::new(config));
        }
        if let Some(login) = &self.sasl {
            let credentials = Credentials::new(login.username.clone(), login.password.clone());
            builder = builder.sasl_config(match login.mechanism {
                Mechanism::Plain => SaslConfig::Plain(credentials),
                Mechanism::ScramSha256 => SaslConfig::ScramSha256(credentials),
                Mechanism::ScramSha512 => SaslConfig::ScramSha512(credentials),
            });
        }
        Ok(builder)
    }
}

/// The certificates of a PEM file, as trust roots.
fn load_roots(path: &std::path::Path) -> Result<rustls::RootCertStore, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("{}: not a PEM certificate file ({e})", path.display()))?;
        roots.add(cert).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("{} holds no certificate", path.display()));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<KafkaSecurity, (&'static str, String)> {
        KafkaSecurity::from_lookup(|k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn plaintext_by_default_and_sasl_needs_all_its_parts() {
        assert_eq!(read(&[]).unwrap(), KafkaSecurity::default());
        let scram = read(&[
            ("KAFKA_SECURITY_PROTOCOL", "sasl_ssl"),
            ("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            ("KAFKA_SASL_USERNAME", "shop"),
            ("KAFKA_SASL_PASSWORD", "pw"),
        ])
        .unwrap();
        assert_eq!(scram.protocol, Protocol::SaslSsl);
        assert_eq!(scram.sasl.as_ref().unwrap().mechanism, Mechanism::ScramSha512);
        assert!(!format!("{scram:?}").contains("pw"), "the password is printed: {scram:?}");
        assert_eq!(read(&[("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"), ("KAFKA_SASL_MECHANISM", "PLAIN")]).unwrap_err().0, "KAFKA_SASL_USERNAME");
        assert_eq!(read(&[("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")]).unwrap_err().0, "KAFKA_SASL_MECHANISM");
        assert_eq!(read(&[("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"), ("KAFKA_SASL_MECHANISM", "GSSAPI")]).unwrap_err().0, "KAFKA_SASL_MECHANISM");
        assert_eq!(read(&[("KAFKA_SECURITY_PROTOCOL", "TLS")]).unwrap_err().0, "KAFKA_SECURITY_PROTOCOL");
    }

    #[test]
    fn settings_that_would_be_ignored_are_refused() {
        assert_eq!(read(&[("KAFKA_SASL_USERNAME", "shop")]).unwrap_err().0, "KAFKA_SASL_USERNAME");
        assert_eq!(read(&[("KAFKA_CA_FILE", "/etc/ssl/certs/ca-certificates.crt")]).unwrap_err().0, "KAFKA_CA_FILE");
        assert_eq!(read(&[("KAFKA_SECURITY_PROTOCOL", "SSL"), ("KAFKA_CA_FILE", "/no/such/file.pem")]).unwrap_err().0, "KAFKA_CA_FILE");
    }
}
