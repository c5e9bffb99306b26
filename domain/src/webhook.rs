//! Webhooks: the rules for sending the shop's events to other systems. Staff register a URL and
//! the events it wants; each event is POSTed to it as JSON, signed, and retried on a fixed
//! schedule until it is taken or given up on (a dead letter staff can send again).
//!
//! Which addresses a webhook may reach is decided here too ([`is_public`]): a shop on the
//! internet must not let a staff form make it call its own database port or the cloud's
//! metadata service, so only public addresses are allowed outside development.

use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;

/// Delays before the second, third, … attempt. After the last one fails the delivery is dead.
pub const RETRY_DELAYS_MS: [i64; 5] = [1_000, 5_000, 30_000, 120_000, 600_000];
/// Attempts before a delivery is dead: the first and one per delay.
pub const MAX_ATTEMPTS: i32 = RETRY_DELAYS_MS.len() as i32 + 1;
/// How long one attempt may take, connecting included.
pub const ATTEMPT_TIMEOUT_MS: u64 = 10_000;
/// The longest URL and description staff may register.
pub const MAX_URL: usize = 500;
pub const MAX_DESCRIPTION: usize = 200;

/// The event types a webhook may subscribe to, exactly or by their prefix (`order.*`).
/// Notification records are the shop's own bookkeeping and are not offered.
pub const EVENT_TYPES: [&str; 8] = [
    "order.created",
    "order.status_changed",
    "order.note_added",
    "product.created",
    "product.updated",
    "product.archived",
    "product.restored",
    "product.stock_changed",
];

/// What became of a delivery after an attempt that failed `attempts` times in all: when to try
/// again (milliseconds from now), or `None`: it is dead.
pub fn retry_after(attempts: i32) -> Option<i64> {
    usize::try_from(attempts).ok().filter(|a| *a >= 1).and_then(|a| RETRY_DELAYS_MS.get(a - 1).copied())
}

/// A delivery's state as stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Every attempt failed; sent again only when staff ask.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Dead].into_iter().find(|d| d.as_str() == s)
    }
}

/// The events a webhook wants: `*`, a prefix such as `order.*`, or exact types, separated by
/// commas or spaces. Stored in its normal form ([`EventFilter::to_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter(Vec<String>);

impl EventFilter {
    pub fn parse(raw: &str) -> Result<EventFilter, String> {
        let mut items: Vec<String> = raw.split([',', ' ', '\n', '\t']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_ascii_lowercase).collect();
        if items.is_empty() {
            return Err("Choose the events to send: * for all, order.* for orders, or exact types.".into());
        }
        for item in &items {
            let known = item == "*"
                || item.strip_suffix(".*").is_some_and(|prefix| EVENT_TYPES.iter().any(|t| t.starts_with(&format!("{prefix}."))))
                || EVENT_TYPES.contains(&item.as_str());
            if !known {
                return Err(format!("\"{item}\" is not an event type. Known: *, order.*, product.*, {}.", EVENT_TYPES.join(", ")));
            }
        }
        items.sort();
        items.dedup();
        if items.iter().any(|i| i == "*") {
            items = vec!["*".into()];
        }
        Ok(EventFilter(items))
    }

    pub fn matches(&self, event_type: &str) -> bool {
        self.0.iter().any(|item| item == "*" || item == event_type || item.strip_suffix('*').is_some_and(|prefix| event_type.starts_with(prefix)))
    }

    pub fn to_text(&self) -> String {
        self.0.join(", ")
    }
}

/// Checks what staff typed to register a webhook; returns the URL and filter as stored. The URL's
/// address is checked separately, once its host is resolved (the server's part).
pub fn validate(url: &str, events: &str, description: &str) -> Result<(String, EventFilter, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let url = url.trim();
    if let Err(message) = check_url_text(url) {
        errors.add("url", message);
    }
    let filter = EventFilter::parse(events).map_err(|m| errors.add("events", m)).ok();
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add("description", format!("At most {MAX_DESCRIPTION} characters."));
    }
    match filter {
        Some(filter) if errors.is_empty() => Ok((url.to_owned(), filter, description.to_owned())),
        _ => Err(errors),
    }
}

/// The checks that need no parser: scheme, length, no credentials, no spaces.
fn check_url_text(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("Type the URL that receives the events.".into());
    }
    if url.len() > MAX_URL {
        return Err(format!("At most {MAX_URL} characters."));
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
        return Err("Only http:// and https:// URLs can receive webhooks.".into());
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("A URL has no spaces.".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("Leave user names and passwords out of the URL: the signature proves the sender.".into());
    }
    if authority.is_empty() {
        return Err("The URL has no host.".into());
    }
    if url.contains('#') {
        return Err("A webhook URL has no #fragment.".into());
    }
    Ok(())
}

/// Whether a webhook may reach `ip` when private targets are not allowed: not loopback, private,
/// link-local, shared (carrier NAT), multicast, documentation or otherwise reserved space, in
/// IPv4 or IPv6, including IPv4 addresses written as IPv6.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
            if s[0..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed privately)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// What [`is_public`] refuses, as staff read it.
pub fn refusal(ip: IpAddr) -> String {
    format!("{ip} is not a public address: webhooks reach only public addresses outside development.")
}

/// The bytes a delivery's signature covers: the timestamp header's value, a dot, the body.
/// Covering the time lets a receiver refuse a signed request replayed later.
pub fn signed_message(timestamp: i64, body: &str) -> String {
    format!("{timestamp}.{body}")
}

/// A registered webhook as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: String,
    pub description: String,
    pub active: bool,
    /// The signing secret: staff need it to configure the receiver.
    pub secret: String,
    pub created_at: String,
    pub delivered: u64,
    pub pending: u64,
    pub dead: u64,
}

/// One event's delivery to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub webhook_id: String,
    pub url: String,
    pub event_id: String,
    pub event_type: String,
    pub state: DeliveryState,
    pub attempts: i32,
    /// The last answer's HTTP status, or what went wrong before one came.
    pub last_result: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// `/staff/webhooks`: the webhooks, the newest deliveries and the dead letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPage {
    pub webhooks: Vec<WebhookView>,
    pub recent: Vec<DeliveryView>,
    pub dead: Vec<DeliveryView>,
    /// Whether private and loopback URLs are accepted (development).
    pub private_targets: bool,
}

#[cfg(test)]
mod tests;
