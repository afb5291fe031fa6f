//! What happens to a submission, each in one place, between the callers
//! (routes, the worker, provider callbacks) and storage: the application layer.
//! A caller parses, calls one of these and answers; the rules (duplicates, who
//! is told) are applied here, and storage writes what it is handed.
//!
//! - [`verdict`]: a provider's verdict recorded, however it came (with the
//!   upload, by polling, by callback).

pub mod verdict;
