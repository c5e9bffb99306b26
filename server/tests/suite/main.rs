//! The server's integration tests, one binary (each test binary links the whole server; one
//! binary builds and links once). Every test spawns the real server with its own database and
//! broker (`common`). Run one group with `cargo test -p server --test suite faults::`.

mod accounts;
mod assets;
mod catalog;
mod cluster;
mod common;
mod events;
mod faults;
mod figures;
mod hardening;
mod hostile;
mod kafka_security;
mod lifecycle;
mod live;
mod notifications;
mod pages;
mod pictures;
mod replay;
mod resets;
mod shop;
mod sse;
mod timeline;
mod webhooks;
