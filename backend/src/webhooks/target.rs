//! Where a webhook may send: the URL's host resolved, and every address it resolves to checked
//! (`domain::webhook::is_public`) unless private targets are allowed (development).
//!
//! The check runs when staff register the URL, so a mistake is refused at once, and again before
//! every connection, because what a name resolves to can change after it was registered (DNS
//! rebinding). The server's HTTP client resolves through [`resolve_host`], so the addresses
//! checked are the addresses it connects to.

use std::net::{IpAddr, SocketAddr};

use domain::webhook::{is_public, refusal};

/// The host and port a webhook URL connects to.
pub fn host_and_port(raw: &str) -> Result<(String, u16), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("This is not a URL the shop can call: {e}."))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http:// and https:// URLs can receive webhooks.".into());
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("The URL has no host.".into()),
    };
    let port = url.port_or_known_default().ok_or("The URL has no port.")?;
    Ok((host, port))
}

/// The addresses `host` resolves to, each one allowed, or why not.
pub async fn resolve_host(host: &str, port: u16, private_ok: bool) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port)).await.map_err(|e| format!("{host} cannot be resolved: {e}."))?.collect(),
    };
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address."));
    }
    if !private_ok {
        // A name with one private address among public ones is refused whole: which one a
        // connection uses is not ours to choose.
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(refusal(bad.ip()));
        }
    }
    Ok(addrs)
}

/// Checks a whole URL: parses it, resolves its host, checks the addresses.
pub async fn check(raw: &str, private_ok: bool) -> Result<Vec<SocketAddr>, String> {
    let (host, port) = host_and_port(raw)?;
    resolve_host(&host, port, private_ok).await
}
