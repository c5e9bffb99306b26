//! Reads thousands of `/ws` sockets or `/events` streams on one thread, as cheaply as a reader
//! can, and records when each `order.created` event arrives.
//!
//! Why not a task per socket: the benchmark shares the machine's two cores with the server, so
//! every microsecond the reader spends per frame is taken from the server's fan-out and counted
//! as delivery time (P4 is 10,000 frames per event). A tokio-tungstenite task per socket cost two
//! `read` calls, a wake-up, a frame allocation and a lock per frame; here a frame costs one
//! `read` (level-triggered epoll says when there is more) and a scan of the bytes, and the
//! arrivals of one `epoll_wait` batch are recorded under one lock. Real staff browsers are on
//! their own machines; this reader is the closest the shared box gets to that.
//!
//! The handshake and the `hello` still go through tokio-tungstenite (`client::open_socket`);
//! after that the server only sends unmasked frames (events, heartbeats, pings, close), which
//! `next_frame` parses. Pings are answered with a masked pong, as a browser does, so the server's
//! read deadline never closes these sockets during a long run.
//!
//! A `/events` stream is read past its hello by `client::open_stream`; after that it is an
//! HTTP/1.1 chunked body of `text/event-stream` messages, one message per chunk, and a message
//! is found by its blank line (`next_message`).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsFd, AsRawFd, FromRawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::client;

/// Arrival times of `order.created` frames, by order id, for every socket reading into it.
pub type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

/// The reading thread; dropping it (or `close`) stops it and closes every socket at once.
pub struct Readers {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Live connections past their hello, to be read.
pub enum Opened {
    Sockets(Vec<client::Socket>),
    Streams(Vec<TcpStream>),
}

impl Readers {
    /// Takes over the connections and reads them until closed.
    pub fn spawn(opened: Opened, arrivals: &Arrivals) -> io::Result<Readers> {
        let mut conns = Vec::new();
        match opened {
            Opened::Sockets(sockets) => {
                for ws in sockets {
                    // tokio-tungstenite does not give its stream back: take a second descriptor
                    // of the same connection, then let the first go (which also takes it off
                    // tokio's poller).
                    let stream = TcpStream::from(ws.get_ref().as_fd().try_clone_to_owned()?);
                    drop(ws);
                    conns.push(Conn { stream, buf: Vec::new(), open: true, sse: false });
                }
            }
            Opened::Streams(streams) => conns.extend(streams.into_iter().map(|stream| Conn { stream, buf: Vec::new(), open: true, sse: true })),
        }
        for c in &conns {
            c.stream.set_nonblocking(true)?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let epoll = Epoll::new()?;
        for (i, c) in conns.iter().enumerate() {
            epoll.add(c.stream.as_raw_fd(), i as u64)?;
        }
        let (thread_stop, arrivals) = (stop.clone(), arrivals.clone());
        let thread = std::thread::Builder::new().name("ws-readers".into()).spawn(move || run(&epoll, &mut conns, &arrivals, &thread_stop))?;
        Ok(Readers { stop, thread: Some(thread) })
    }

    /// Stops reading and closes every socket; returns once they are closed.
    pub fn close(self) {
        drop(self);
    }
}

impl Drop for Readers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Conn {
    stream: TcpStream,
    /// Bytes of a frame not yet complete (usually empty: a frame arrives in one segment).
    buf: Vec<u8>,
    open: bool,
    /// A `/events` stream, not a socket.
    sse: bool,
}

fn run(epoll: &Epoll, conns: &mut [Conn], arrivals: &Arrivals, stop: &AtomicBool) {
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 512];
    let mut chunk = [0u8; 4096];
    let mut batch: Vec<(String, Instant)> = Vec::new();
    while !stop.load(Ordering::Acquire) {
        let n = match epoll.wait(&mut events, 50) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("bench: epoll_wait failed: {e}");
                return;
            }
        };
        for ev in &events[..n] {
            let conn = &mut conns[ev.u64 as usize];
            if !conn.open {
                continue;
            }
            let got = match (&conn.stream).read(&mut chunk) {
                Ok(0) => None,
                Ok(k) => Some(k),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => None,
            };
            let Some(k) = got else {
                conn.open = false;
                let _ = epoll.delete(conn.stream.as_raw_fd());
                continue;
            };
            let now = Instant::now();
            conn.buf.extend_from_slice(&chunk[..k]);
            let used = if conn.sse { read_messages(conn, now, &mut batch) } else { read_frames(conn, now, &mut batch) };
            conn.buf.drain(..used);
            if !conn.open {
                let _ = epoll.delete(conn.stream.as_raw_fd());
            }
        }
        if !batch.is_empty() {
            let mut map = arrivals.lock().expect("arrivals");
            for (id, at) in batch.drain(..) {
                map.entry(id).or_default().push(at);
            }
        }
    }
}

/// Takes the complete socket frames off `conn.buf`, answering pings; returns the bytes used.
fn read_frames(conn: &mut Conn, now: Instant, batch: &mut Vec<(String, Instant)>) -> usize {
    let mut used = 0;
    while let Some((frame, len)) = next_frame(&conn.buf[used..]) {
        used += len;
        match frame {
            Frame::Text(text) => {
                if let Some(id) = std::str::from_utf8(text).ok().and_then(client::order_id_of_created) {
                    batch.push((id, now));
                }
            }
            Frame::Ping(payload) => {
                // A nonblocking write of a few bytes into an idle socket: it fits.
                let _ = (&conn.stream).write_all(&pong(payload));
            }
            Frame::Close => conn.open = false,
            Frame::Other => {}
        }
    }
    used
}

/// Takes the complete event-stream messages off `conn.buf`; returns the bytes used.
fn read_messages(conn: &Conn, now: Instant, batch: &mut Vec<(String, Instant)>) -> usize {
    let mut used = 0;
    while let Some((message, len)) = next_message(&conn.buf[used..]) {
        used += len;
        if let Some(id) = std::str::from_utf8(message).ok().and_then(client::order_id_of_created) {
            batch.push((id, now));
        }
    }
    used
}

#[derive(Debug, PartialEq)]
enum Frame<'a> {
    Text(&'a [u8]),
    Ping(&'a [u8]),
    Close,
    Other,
}

/// The first complete frame in `buf` and its length in bytes, or `None` if more bytes are needed.
/// Server frames are never masked and our server never fragments (RFC 6455 §5.2).
fn next_frame(buf: &[u8]) -> Option<(Frame<'_>, usize)> {
    let (&b0, rest) = buf.split_first()?;
    let (&b1, rest) = rest.split_first()?;
    let (len, header): (usize, usize) = match b1 & 0x7f {
        126 => (u16::from_be_bytes(rest.get(..2)?.try_into().ok()?) as usize, 4),
        127 => (usize::try_from(u64::from_be_bytes(rest.get(..8)?.try_into().ok()?)).ok()?, 10),
        n => (n as usize, 2),
    };
    let header = if b1 & 0x80 != 0 { header + 4 } else { header };
    let payload = buf.get(header..header.checked_add(len)?)?;
    let frame = match b0 & 0x0f {
        0x1 => Frame::Text(payload),
        0x8 => Frame::Close,
        0x9 => Frame::Ping(payload),
        _ => Frame::Other,
    };
    Some((frame, header + len))
}

/// The first complete event-stream message in `buf` (up to its blank line) and its length.
fn next_message(buf: &[u8]) -> Option<(&[u8], usize)> {
    let end = buf.windows(2).position(|w| w == b"\n\n")?;
    Some((&buf[..end], end + 2))
}

/// A client's pong for `payload` (clients must mask what they send; control payloads are < 126).
fn pong(payload: &[u8]) -> Vec<u8> {
    let mask: [u8; 4] = rand::random();
    let mut out = Vec::with_capacity(6 + payload.len());
    out.push(0x8A);
    out.push(0x80 | payload.len().min(125) as u8);
    out.extend_from_slice(&mask);
    out.extend(payload.iter().take(125).enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

struct Epoll(std::os::fd::OwnedFd);

impl Epoll {
    fn new() -> io::Result<Epoll> {
        // SAFETY: epoll_create1 has no preconditions; a non-negative result is a new descriptor we own.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by the kernel and is owned by nothing else.
        Ok(Epoll(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }))
    }

    fn add(&self, fd: i32, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32 | libc::EPOLLRDHUP as u32, u64: token };
        // SAFETY: both descriptors are open for the duration of the call; `ev` is a valid event.
        if unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn delete(&self, fd: i32) -> io::Result<()> {
        // SAFETY: as above; the event argument may be null for EPOLL_CTL_DEL.
        if unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn wait(&self, events: &mut [libc::epoll_event], timeout_ms: i32) -> io::Result<usize> {
        // SAFETY: `events` is a valid, writable buffer of the length passed.
        let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), events.as_mut_ptr(), events.len() as i32, timeout_ms) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_frames_a_server_sends() {
        let text = b"{\"kind\":\"heartbeat\"}";
        let mut bytes = vec![0x81, text.len() as u8];
        bytes.extend_from_slice(text);
        bytes.extend_from_slice(&[0x89, 0x00]);
        let (f, n) = next_frame(&bytes).unwrap();
        assert_eq!(f, Frame::Text(text));
        let (f, m) = next_frame(&bytes[n..]).unwrap();
        assert_eq!((f, n + m), (Frame::Ping(b""), bytes.len()));
        assert_eq!(next_frame(&bytes[..n - 1]), None, "an incomplete frame waits for more bytes");
        assert_eq!(next_frame(&[0x88, 0x00]), Some((Frame::Close, 2)));
    }

    #[test]
    fn finds_event_stream_messages_between_chunk_headers() {
        let bytes = b"3f\r\nid: ab-1\ndata: {\"kind\":\"event\"}\n\n\r\n10\r\ndata: {}\n\n";
        let (m, n) = next_message(bytes).unwrap();
        assert!(m.ends_with(b"{\"kind\":\"event\"}"));
        let (m, k) = next_message(&bytes[n..]).unwrap();
        assert!(m.ends_with(b"data: {}"));
        assert_eq!(n + k, bytes.len());
        assert_eq!(next_message(b"data: {\"kind\""), None, "an incomplete message waits for more bytes");
    }

    #[test]
    fn reads_a_16_bit_length() {
        let payload = vec![b'x'; 300];
        let mut bytes = vec![0x81, 126, 0x01, 0x2c];
        bytes.extend_from_slice(&payload);
        assert_eq!(next_frame(&bytes), Some((Frame::Text(&payload), 304)));
        assert_eq!(next_frame(&bytes[..100]), None);
    }

    #[test]
    fn a_pong_is_masked_and_unmasks_to_the_ping_payload() {
        let p = pong(b"abc");
        assert_eq!((p[0], p[1]), (0x8A, 0x83));
        let mask = &p[2..6];
        let unmasked: Vec<u8> = p[6..].iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect();
        assert_eq!(unmasked, b"abc");
    }
}
