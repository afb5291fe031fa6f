//! `[limits]`: what a stranger on the open internet may make the proxy do, as
//! configured. The rate limits and the upload budget apply them (`limits.rs`),
//! as does the server (`server.rs`).

use std::num::NonZeroU32;
use std::time::Duration;

use serde::Deserialize;

/// `[limits]`: every limit a stranger meets, with defaults a promotion's peak
/// stays well inside.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// How many proxies (load balancers) in front of this one append the
    /// client's address to `X-Forwarded-For`. 0 (the default): clients connect
    /// directly and the connection's address is theirs; the header is ignored,
    /// since anyone can write it. N: the client is the N-th address from the
    /// right of the header (the one the outermost trusted proxy saw).
    pub trusted_proxies: usize,
    /// Costly requests (see the module) one client address may make. IPv6
    /// clients are counted by their /64, which one household or phone holds.
    pub per_client: Rate,
    /// Costly requests for one campaign, from all clients together.
    pub per_campaign: Rate,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Time a connection has to send a request's headers, and the longest an
    /// idle keep-alive connection stays open.
    #[serde(with = "crate::clock::as_millis", rename = "header_timeout_ms")]
    pub header_timeout: Duration,
    /// Longest pause while a request body is sent (a stalled upload ends).
    #[serde(with = "crate::clock::as_millis", rename = "body_timeout_ms")]
    pub body_timeout: Duration,
    /// Upload bytes held in memory at once, across all uploads (each holds its
    /// declared size while it is read and checked) and the worker's sends (at
    /// most half of it); more wait.
    pub upload_memory_mb: u64,
    /// The least a request body must average, in bytes a second, once
    /// `body_rate_grace_ms` has passed: a slower one (a trickle that never
    /// pauses long enough for `body_timeout_ms`) is cut with 408. 0: none.
    pub min_body_rate: u32,
    #[serde(with = "crate::clock::as_millis", rename = "body_rate_grace_ms")]
    pub body_rate_grace: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            trusted_proxies: 0,
            per_client: Rate::new(30, 20),
            per_campaign: Rate::new(3000, 500),
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            upload_memory_mb: 48,
            min_body_rate: 240,
            body_rate_grace: Duration::from_secs(5),
        }
    }
}

/// `{ per_minute = 30, burst = 20 }`: up to `burst` at once, then
/// `per_minute` spread evenly over a minute.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Rate {
    /// `per_minute` and `burst`, both at least 1.
    pub const fn new(per_minute: u32, burst: u32) -> Self {
        match (NonZeroU32::new(per_minute), NonZeroU32::new(burst)) {
            (Some(per_minute), Some(burst)) => Self { per_minute, burst },
            _ => panic!("a rate is at least 1 a minute, with a burst of at least 1"),
        }
    }
}
