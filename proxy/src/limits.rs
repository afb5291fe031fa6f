//! What a stranger on the open internet can make the proxy do: how often
//! ([`RateLimits`], by `governor`), how long a connection may take to say what
//! it wants, how many connections at once, and how many upload bytes are held
//! in memory at once ([`UploadBudget`]).
//!
//! Rate limits apply to every request that stores something or costs a call
//! to a provider (submissions, reviews, the quality pre-check, merchants and
//! offers): per client address, so one script cannot take a campaign's share,
//! and per campaign, so a crowd of scripts cannot spend the brand's provider
//! credits. Reading a submission's status costs neither and is not limited.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

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
    /// declared size while it is read and checked); more uploads wait.
    pub upload_memory_mb: u64,
    /// The least a request body must average, in bytes a second, once
    /// `body_rate_grace_ms` has passed: a slower one (a trickle that never
    /// pauses long enough for `body_timeout_ms`) is cut with 408. 0: none.
    pub min_body_rate: u32,
    #[serde(with = "crate::clock::as_millis", rename = "body_rate_grace_ms")]
    pub body_rate_grace: Duration,
}

impl LimitsConfig {
    /// The slowest a body may come ([`crate::body_rate`]).
    pub fn min_rate(&self) -> crate::body_rate::MinRate {
        crate::body_rate::MinRate {
            bytes_per_second: self.min_body_rate,
            grace: self.body_rate_grace,
        }
    }
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

    fn quota(self) -> Quota {
        Quota::per_minute(self.per_minute).allow_burst(self.burst)
    }
}

/// The rate limiters of one proxy instance (each instance counts its own).
#[derive(Debug)]
pub struct RateLimits {
    trusted_proxies: usize,
    clients: DefaultKeyedRateLimiter<IpAddr>,
    /// One per configured campaign, so unknown ids cannot grow the table.
    campaigns: HashMap<String, DefaultDirectRateLimiter>,
    /// Checks since the client table was last swept of full buckets.
    checks: AtomicU32,
    /// Made once: making one calibrates it, which takes a while.
    clock: DefaultClock,
}

/// How often (in checks) the client table forgets clients whose allowance is
/// full again, so that it holds only recent clients.
const SWEEP_EVERY: u32 = 4096;

impl RateLimits {
    pub fn new<'a>(limits: &LimitsConfig, campaigns: impl Iterator<Item = &'a String>) -> Self {
        Self {
            trusted_proxies: limits.trusted_proxies,
            clients: RateLimiter::keyed(limits.per_client.quota()),
            campaigns: campaigns
                .map(|id| (id.clone(), RateLimiter::direct(limits.per_campaign.quota())))
                .collect(),
            checks: AtomicU32::new(0),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from `client`'s allowance and the campaign's; when
    /// either is spent, how long until the next is allowed.
    pub fn check(&self, client: IpAddr, campaign: Option<&str>) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.clients.retain_recent();
            self.clients.shrink_to_fit();
        }
        // The time is read only for a refusal's wait (the limiters keep
        // their own).
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(self.clock.now());
        self.clients.check_key(&client_key(client)).map_err(wait)?;
        if let Some(limiter) = campaign.and_then(|id| self.campaigns.get(id)) {
            limiter.check().map_err(wait)?;
        }
        Ok(())
    }

    /// The client's address: the connection's, or where `trusted_proxies` says
    /// so, the one the outermost trusted proxy wrote in `X-Forwarded-For`.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        if self.trusted_proxies == 0 {
            return peer;
        }
        // Each proxy appends the address it saw; with several headers, they
        // read as one list in order.
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        forwarded
            .len()
            .checked_sub(self.trusted_proxies)
            .and_then(|i| forwarded[i].parse().ok())
            .or(peer)
    }
}

/// IPv4 addresses count alone; IPv6 ones by their /64.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
    }
}

/// Middleware on the costly routes: 429 `rate_limited` with `Retry-After` once
/// the client's or the campaign's allowance is spent.
pub async fn limit_rate(
    State(limits): State<Arc<RateLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    // Requests without a known address (in-process tests) share one allowance.
    let client = limits
        .client(peer, request.headers())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let campaign = request
        .uri()
        .path()
        .strip_prefix("/v1/campaigns/")
        .and_then(|rest| rest.split('/').next());
    match limits.check(client, campaign) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let route = request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map_or_else(String::new, |p| p.as_str().to_owned());
            metrics::counter!("receipt_relay_rate_limited_total", "route" => route).increment(1);
            ApiError::RateLimited {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
            .into_response()
        }
    }
}

/// Upload bytes in memory, shared by every upload: an upload holds its
/// declared size (or the most a body may be) from before its body is read
/// until its answer, so many big uploads at once wait their turn instead of
/// taking the machine's memory.
#[derive(Debug, Clone)]
pub struct UploadBudget {
    kib: Arc<Semaphore>,
    total_kib: u32,
}

impl UploadBudget {
    pub fn new(megabytes: u64) -> Self {
        let total_kib = u32::try_from(megabytes.saturating_mul(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, Semaphore::MAX_PERMITS as u32);
        Self {
            kib: Arc::new(Semaphore::new(total_kib as usize)),
            total_kib,
        }
    }

    /// The bytes no upload holds now (for tests and ops).
    pub fn free_bytes(&self) -> u64 {
        self.kib.available_permits() as u64 * 1024
    }

    /// The whole budget, in bytes.
    pub fn total_bytes(&self) -> u64 {
        u64::from(self.total_kib) * 1024
    }

    /// Waits until `bytes` (at most the whole budget) are free, and holds them.
    pub async fn hold(&self, bytes: u64) -> Option<OwnedSemaphorePermit> {
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, self.total_kib);
        self.kib.clone().acquire_many_owned(kib).await.ok()
    }
}

/// Middleware on the upload routes: holds the body's declared size (or
/// `max_body` when it declares none) of the [`UploadBudget`] for the request.
pub async fn hold_upload_memory(
    State((budget, max_body)): State<(UploadBudget, u64)>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(max_body, |n| n.min(max_body));
    let Some(_held) = budget.hold(declared).await else {
        return ApiError::Internal.into_response();
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn limits(trusted_proxies: usize) -> RateLimits {
        let config = LimitsConfig {
            trusted_proxies,
            ..LimitsConfig::default()
        };
        RateLimits::new(&config, [String::from("c")].iter())
    }

    #[test]
    fn a_client_is_refused_once_its_burst_is_spent_and_others_are_not() {
        let config = LimitsConfig {
            per_client: Rate::new(1, 2),
            ..LimitsConfig::default()
        };
        let limits = RateLimits::new(&config, [String::from("c")].iter());
        let (one, two) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]));
        assert!(limits.check(one, Some("c")).is_ok());
        assert!(limits.check(one, Some("c")).is_ok());
        let wait = limits.check(one, Some("c")).unwrap_err();
        assert!(wait > Duration::from_secs(50), "one a minute: {wait:?}");
        assert!(limits.check(two, Some("c")).is_ok());
    }

    #[test]
    fn a_forwarded_address_is_believed_only_from_trusted_proxies() {
        let peer = Some(IpAddr::from([10, 0, 0, 1]));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7"),
        );
        assert_eq!(limits(0).client(peer, &headers), peer, "no proxy trusted");
        assert_eq!(
            limits(1).client(peer, &headers),
            Some(IpAddr::from([203, 0, 113, 7])),
            "what our one load balancer appended, not what the client wrote"
        );
        assert_eq!(
            limits(2).client(peer, &headers),
            Some(IpAddr::from([6, 6, 6, 6]))
        );
        assert_eq!(
            limits(3).client(peer, &headers),
            peer,
            "fewer addresses than proxies: the header is not ours"
        );
    }

    #[tokio::test]
    async fn fifty_big_uploads_at_once_each_took_their_memory() {
        let budget = UploadBudget::new(8);
        let first = budget.hold(6 * 1024 * 1024).await.expect("6 of 8 MB");
        // A second 6 MB upload waits for the first to be done...
        let mut second = std::pin::pin!(budget.hold(6 * 1024 * 1024));
        assert!(
            futures_poll(&mut second).is_none(),
            "held while the first holds its 6 MB"
        );
        drop(first);
        assert!(futures_poll(&mut second).is_some(), "free once it is done");
        // ...and one bigger than the whole budget waits for all of it, not forever.
        let all = budget.hold(100 * 1024 * 1024);
        assert!(std::pin::pin!(all).await.is_some());
    }

    /// Polls `future` once.
    fn futures_poll<F: Future + Unpin>(future: &mut F) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        match std::pin::Pin::new(future).poll(&mut context) {
            std::task::Poll::Ready(out) => Some(out),
            std::task::Poll::Pending => None,
        }
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let v4 = IpAddr::from([192, 0, 2, 1]);
        assert_eq!(client_key(v4), v4);
    }
}
