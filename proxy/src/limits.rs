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
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{LimitsConfig, Rate};
use crate::error::ApiError;

impl LimitsConfig {
    /// The slowest a body may come ([`crate::body_rate`]).
    pub fn min_rate(&self) -> crate::body_rate::MinRate {
        crate::body_rate::MinRate {
            bytes_per_second: self.min_body_rate,
            grace: self.body_rate_grace,
        }
    }
}

fn quota(rate: Rate) -> Quota {
    Quota::per_minute(rate.per_minute).allow_burst(rate.burst)
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
            clients: RateLimiter::keyed(quota(limits.per_client)),
            campaigns: campaigns
                .map(|id| (id.clone(), RateLimiter::direct(quota(limits.per_campaign))))
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
/// taking the machine's memory. The worker's sends (photos loaded to go to a
/// provider) hold from the same budget, but never more than half of it: a
/// provider that stops answering keeps its sends waiting, and they must not
/// keep every shopper's upload waiting with them.
#[derive(Debug, Clone)]
pub struct UploadBudget {
    kib: Arc<Semaphore>,
    /// The share of `kib` sends may hold between them.
    sends_kib: Arc<Semaphore>,
    total_kib: u32,
}

/// Bytes of an [`UploadBudget`] held, let go when dropped.
#[derive(Debug)]
pub struct Held {
    _budget: OwnedSemaphorePermit,
    _share: Option<OwnedSemaphorePermit>,
}

impl UploadBudget {
    pub fn new(megabytes: u64) -> Self {
        let total_kib = u32::try_from(megabytes.saturating_mul(1024))
            .unwrap_or(u32::MAX)
            .clamp(2, Semaphore::MAX_PERMITS as u32);
        Self {
            kib: Arc::new(Semaphore::new(total_kib as usize)),
            sends_kib: Arc::new(Semaphore::new(total_kib as usize / 2)),
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
    pub async fn hold(&self, bytes: u64) -> Option<Held> {
        let kib = Self::kib_of(bytes, self.total_kib);
        Some(Held {
            _budget: self.kib.clone().acquire_many_owned(kib).await.ok()?,
            _share: None,
        })
    }

    /// As [`hold`](Self::hold), for a send to a provider: within the sends'
    /// half of the budget (a send larger than that holds the whole half).
    pub async fn hold_for_send(&self, bytes: u64) -> Option<Held> {
        let kib = Self::kib_of(bytes, self.total_kib / 2);
        let share = self.sends_kib.clone().acquire_many_owned(kib).await.ok()?;
        Some(Held {
            _budget: self.kib.clone().acquire_many_owned(kib).await.ok()?,
            _share: Some(share),
        })
    }

    /// `bytes` in KiB, at least one and at most `most`.
    fn kib_of(bytes: u64, most: u32) -> u32 {
        u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, most.max(1))
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

    #[tokio::test]
    async fn a_stalled_provider_does_not_starve_uploads_of_memory() {
        let budget = UploadBudget::new(8);
        let mb = 1024 * 1024;
        // Sends that never end (a provider holding its answers) take half.
        let mut sends = Vec::new();
        for _ in 0..4 {
            sends.push(budget.hold_for_send(mb).await.expect("held"));
        }
        let mut fifth = std::pin::pin!(budget.hold_for_send(mb));
        let mut waiting = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(
            fifth.as_mut().poll(&mut waiting).is_pending(),
            "sends stop at half the budget"
        );
        assert_eq!(budget.free_bytes(), 4 * mb);
        // An upload still has the other half.
        let upload = budget.hold(4 * mb).await.expect("the uploads' half");
        assert_eq!(budget.free_bytes(), 0);
        drop(upload);
        drop(sends.pop());
        assert!(fifth.await.is_some(), "a send goes once one ends");
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
