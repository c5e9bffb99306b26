//! The PROXY protocol, as a load balancer in front of the shop speaks it (HAProxy's
//! `send-proxy` and `send-proxy-v2`): before the HTTP bytes, a header saying whose connection
//! this really is. Behind a balancer every connection comes from the balancer's address, so
//! without it the per-address caps and the sign-in throttle would lump all shoppers together.
//!
//! Only a connection from one of `TRUSTED_PROXIES` may carry the header (anyone else could claim
//! any address). From those, a connection without one (a health check) keeps its own address,
//! and the `LOCAL` command (v2's health checks) does too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
const V1_PREFIX: &[u8] = b"PROXY ";
/// A v1 header is at most 107 bytes; v2's fixed part is 16, and its addresses at most 216 more.
const MAX_HEADER: usize = 16 + 216;

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not a PROXY header: the connection's bytes are HTTP from the start.
    Absent,
    /// More bytes are needed to tell.
    Incomplete,
    /// A header of `len` bytes naming the client (None: the balancer's own connection).
    Header { client: Option<SocketAddr>, len: usize },
}

/// Reads a PROXY header at the start of `buf`.
pub fn parse(buf: &[u8]) -> Result<Parsed, &'static str> {
    let starts = |prefix: &[u8]| {
        let n = buf.len().min(prefix.len());
        buf[..n] == prefix[..n]
    };
    if buf.is_empty() {
        return Ok(Parsed::Incomplete);
    }
    if starts(&V2_SIGNATURE) {
        return parse_v2(buf);
    }
    if starts(V1_PREFIX) {
        return parse_v1(buf);
    }
    Ok(Parsed::Absent)
}

fn parse_v1(buf: &[u8]) -> Result<Parsed, &'static str> {
    let Some(end) = buf.windows(2).take(107).position(|w| w == b"\r\n") else {
        return if buf.len() >= 107 { Err("PROXY v1 header without its line end") } else { Ok(Parsed::Incomplete) };
    };
    let line = std::str::from_utf8(&buf[..end]).map_err(|_| "PROXY v1 header is not text")?;
    let fields: Vec<&str> = line.split(' ').collect();
    let client = match fields.as_slice() {
        ["PROXY", "UNKNOWN", ..] => None,
        ["PROXY", "TCP4" | "TCP6", src, _dst, sport, _dport] => {
            let ip: IpAddr = src.parse().map_err(|_| "PROXY v1 source address")?;
            let port: u16 = sport.parse().map_err(|_| "PROXY v1 source port")?;
            Some(SocketAddr::new(ip, port))
        }
        _ => return Err("malformed PROXY v1 header"),
    };
    Ok(Parsed::Header { client, len: end + 2 })
}

fn parse_v2(buf: &[u8]) -> Result<Parsed, &'static str> {
    if buf.len() < 16 {
        return Ok(Parsed::Incomplete);
    }
    let (ver_cmd, family) = (buf[12], buf[13]);
    if ver_cmd >> 4 != 2 {
        return Err("PROXY v2 header of an unknown version");
    }
    let len = 16 + u16::from_be_bytes([buf[14], buf[15]]) as usize;
    if len > MAX_HEADER + 1024 {
        return Err("PROXY v2 header too long");
    }
    if buf.len() < len {
        return Ok(Parsed::Incomplete);
    }
    let body = &buf[16..len];
    let client = match (ver_cmd & 0x0f, family) {
        // LOCAL: the balancer's own connection (a health check).
        (0, _) => None,
        (1, 0x11) if body.len() >= 12 => {
            let ip = Ipv4Addr::new(body[0], body[1], body[2], body[3]);
            Some(SocketAddr::new(ip.into(), u16::from_be_bytes([body[8], body[9]])))
        }
        (1, 0x21) if body.len() >= 36 => {
            let octets: [u8; 16] = body[..16].try_into().expect("16 bytes");
            Some(SocketAddr::new(Ipv6Addr::from(octets).into(), u16::from_be_bytes([body[32], body[33]])))
        }
        (1, _) => None,
        _ => return Err("PROXY v2 header with an unknown command"),
    };
    Ok(Parsed::Header { client, len })
}

/// The client's address for a connection from a trusted balancer at `peer`: the one its PROXY
/// header names (the header is consumed), or `peer` itself when there is none. Fails on a
/// malformed header or one that does not arrive within `wait`.
pub async fn client_addr(stream: &mut TcpStream, peer: SocketAddr, wait: Duration) -> Result<SocketAddr, String> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = [0u8; MAX_HEADER + 1024];
    loop {
        let n = tokio::time::timeout_at(deadline, stream.peek(&mut buf))
            .await
            .map_err(|_| "no PROXY header or request in time".to_owned())?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before a request".into());
        }
        match parse(&buf[..n]).map_err(str::to_owned)? {
            Parsed::Absent => return Ok(peer),
            Parsed::Header { client, len } => {
                stream.read_exact(&mut buf[..len]).await.map_err(|e| e.to_string())?;
                return Ok(client.unwrap_or(peer));
            }
            Parsed::Incomplete if tokio::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(5)).await,
            Parsed::Incomplete => return Err("incomplete PROXY header".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_names_the_client() {
        let h = b"PROXY TCP4 203.0.113.7 127.0.0.1 51234 3000\r\nGET / HTTP/1.1\r\n";
        assert_eq!(parse(h), Ok(Parsed::Header { client: Some("203.0.113.7:51234".parse().unwrap()), len: 45 }));
        let h6 = b"PROXY TCP6 2001:db8::1 ::1 4000 3000\r\n";
        assert_eq!(parse(h6), Ok(Parsed::Header { client: Some("[2001:db8::1]:4000".parse().unwrap()), len: h6.len() }));
        assert_eq!(parse(b"PROXY UNKNOWN\r\n"), Ok(Parsed::Header { client: None, len: 15 }));
    }

    #[test]
    fn v2_names_the_client_and_local_is_the_balancer() {
        let mut h = V2_SIGNATURE.to_vec();
        h.extend([0x21, 0x11, 0, 12, 198, 51, 100, 9, 127, 0, 0, 1, 0x1f, 0x90, 0x0b, 0xb8]);
        h.extend(b"GET /");
        assert_eq!(parse(&h), Ok(Parsed::Header { client: Some("198.51.100.9:8080".parse().unwrap()), len: 28 }));
        let mut local = V2_SIGNATURE.to_vec();
        local.extend([0x20, 0x00, 0, 0]);
        assert_eq!(parse(&local), Ok(Parsed::Header { client: None, len: 16 }));
    }

    #[test]
    fn plain_http_is_absent_and_a_cut_header_is_incomplete() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\n"), Ok(Parsed::Absent));
        assert_eq!(parse(b"POST /api"), Ok(Parsed::Absent));
        assert_eq!(parse(b"PRO"), Ok(Parsed::Incomplete));
        assert_eq!(parse(b"PROXY TCP4 1.2.3.4"), Ok(Parsed::Incomplete));
        assert_eq!(parse(&V2_SIGNATURE[..7]), Ok(Parsed::Incomplete));
    }

    #[test]
    fn malformed_headers_are_refused() {
        assert!(parse(b"PROXY TCP4 not-an-ip 127.0.0.1 1 2\r\n").is_err());
        assert!(parse(b"PROXY TCP4 1.2.3.4 127.0.0.1 99999 2\r\n").is_err());
        assert!(parse(b"PROXY SOMETHING\r\n").is_err());
        assert!(parse(&[b"PROXY ".as_slice(), &[b'x'; 200]].concat()).is_err());
        let mut bad = V2_SIGNATURE.to_vec();
        bad.extend([0x1f, 0x11, 0, 0]);
        assert!(parse(&bad).is_err());
    }
}
