//! What happens to a submission, each in one place, between the callers
//! (routes, the worker, provider callbacks) and storage: the application layer.
//! A caller parses, calls one of these and answers; the rules (duplicates, who
//! is told) are applied here, and storage writes what it is handed.
//!
//! - [`intake`]: an upload taken in (the claim and the shopper checked, the
//!   receipt looked for among those seen before, stored whole).
//! - [`decision`]: a person's decision on a submission held for one.
//! - [`resend`]: failed submissions sent again by a person, with what that
//!   may cost first.
//! - [`export`]: a campaign's submissions as CSV.
//! - [`erase`]: a shopper's erasure, written to the audit log.
//! - [`review`]: a shopper's request for a person to look again at a
//!   rejected receipt.
//! - [`verdict`]: how a submission ends: a provider's verdict recorded,
//!   however it came (with the upload, by polling, by callback), or the worker
//!   giving up.

pub mod decision;
pub mod erase;
pub mod export;
pub mod intake;
pub mod resend;
pub mod review;
pub mod verdict;
