//! The load balancer's configuration: HAProxy in HTTP mode in front of the shop instances, for
//! pages, the API, `/ws` (an upgraded connection becomes a tunnel) and `/events` (a long
//! response; the server's heartbeat every 15 s keeps it inside the server timeout).
//!
//! Each connection to an instance starts with a PROXY v2 header naming the shopper's address
//! (the instances trust the balancer's, `TRUSTED_PROXIES`), so their per-address caps and the
//! sign-in throttle see shoppers, not the balancer.
//!
//! The brokers get a balancer of their own, in TCP mode: Tansu's brokers keep no state and all
//! call themselves node 111, the leader of every partition ("the broker handling your
//! request"), so clients are given one address, the balancer's, which every broker advertises.
//! A Kafka client's connection through it reaches a live broker; when that broker dies, the
//! connection drops and the client's reconnect reaches another. (Listing both brokers in
//! `KAFKA_BROKERS` instead would not fail over: a client keeps the address of "node 111" it
//! learnt first.) The first broker serves and the others are backups, taking over when it is
//! down: here the brokers share one SQLite file, and SQLite answers a second process's write
//! with "busy" at once, which Tansu does not wait out.
//!
//! The health check is `/healthz` (the process answers), not `/readyz`: while PostgreSQL is
//! down every instance is unready, and the shoppers should then get the shop's own clear 503,
//! not the balancer's "no server available". A request that cannot connect to an instance (one
//! just killed, not yet marked down) is retried on another; one already sent is not, since
//! it may have done its work: the client repeats it with the same idempotency key.

/// The `haproxy.cfg` text: the shop's balancer on `port` in front of the instances on
/// `instances`, and the brokers' on `kafka_port` in front of the brokers on `brokers`.
pub fn config(port: u16, instances: &[u16], kafka_port: u16, brokers: &[u16]) -> String {
    let mut cfg = format!(
        "global
    # Two descriptors a connection (shopper and instance side), under the machine's hard
    # open-file limit (20,000 here).
    maxconn 8000

defaults
    mode http
    timeout connect 2s
    timeout client 75s
    timeout server 75s
    timeout tunnel 1h
    timeout http-keep-alive 10s
    timeout queue 10s
    retries 3
    option redispatch 1

frontend shop
    bind 127.0.0.1:{port}
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 2
"
    );
    for (i, p) in instances.iter().enumerate() {
        cfg.push_str(&format!("    server shop-{} 127.0.0.1:{p} send-proxy-v2\n", i + 1));
    }
    cfg.push_str(&format!(
        "
frontend kafka
    mode tcp
    bind 127.0.0.1:{kafka_port}
    timeout client 1h
    default_backend brokers

backend brokers
    mode tcp
    balance leastconn
    timeout server 1h
    default-server check inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
"
    ));
    for (i, p) in brokers.iter().enumerate() {
        let role = if i == 0 { "" } else { " backup" };
        cfg.push_str(&format!("    server broker-{} 127.0.0.1:{p}{role}\n", i + 1));
    }
    cfg
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_instance_and_broker_is_a_checked_server() {
        let cfg = super::config(3000, &[3001, 3002, 3003], 9092, &[9093, 9094]);
        assert!(cfg.contains("bind 127.0.0.1:9092"));
        assert!(cfg.contains("server broker-1 127.0.0.1:9093\n") && cfg.contains("server broker-2 127.0.0.1:9094 backup\n"), "{cfg}");
        assert!(cfg.contains("bind 127.0.0.1:3000"));
        for (n, p) in [(1, 3001), (2, 3002), (3, 3003)] {
            assert!(cfg.contains(&format!("server shop-{n} 127.0.0.1:{p} send-proxy-v2\n")), "{cfg}");
        }
        assert!(cfg.contains("default-server check"));
    }
}
