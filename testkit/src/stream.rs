//! A Server-Sent Events reader for `/events`, as a browser's `EventSource` reads it.

use std::time::Duration;

use crate::Shopper;

/// One message of the stream: its `id:` (if it had one) and its JSON `data:`.
#[derive(Debug)]
pub struct Received {
    pub id: Option<String>,
    pub json: serde_json::Value,
}

pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl Shopper {
    /// Opens `/events` with this browser's cookies, resuming after `last_event_id` if given
    /// (sent as the `Last-Event-ID` header, as `EventSource` does); panics unless it opens.
    pub async fn events(&self, last_event_id: Option<&str>) -> EventStream {
        let response = self.events_response(last_event_id, &[]).await;
        assert_eq!(response.status(), 200, "/events refused: {:?}", response.headers());
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream { response, buffer: String::new() }
    }

    /// The answer to a `/events` request with extra headers, however it turns out.
    pub async fn events_response(&self, last_event_id: Option<&str>, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.http.get(format!("{}/events", self.base)).header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("/events request")
    }
}

impl EventStream {
    /// The next message within `wait`, heartbeats skipped; None when none came in time. A stream
    /// that ended is not "nothing received": the test fails.
    pub async fn next(&mut self, wait: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = None;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = Some(serde_json::from_str::<serde_json::Value>(v).expect("data is JSON"));
                    }
                }
                match data {
                    Some(json) if json["kind"] != "heartbeat" => return Some(Received { id, json }),
                    _ => continue,
                }
            }
            let Ok(chunk) = tokio::time::timeout_at(deadline, self.response.chunk()).await else { return None };
            match chunk.expect("reading the stream") {
                Some(bytes) => self.buffer.push_str(std::str::from_utf8(&bytes).expect("UTF-8")),
                None => panic!("the stream ended"),
            }
        }
    }

    /// Waits up to `wait` for the server to end the stream; false if it is still open.
    pub async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return false,
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
            }
        }
    }
}
