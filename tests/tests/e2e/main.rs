//! Every end-to-end test of the proxy, the sandbox and the widget, as one test
//! binary: each module would otherwise link axum, sqlx, reqwest and image into
//! a binary of its own, thirteen times over the disk and the link time. Run one
//! area with a filter, e.g. `cargo test -p tests --test e2e flow::`.

mod aboutgoods;
mod apm;
mod bitlabs;
mod browser;
mod callbacks;
mod console;
mod console_admin;
mod console_browse;
mod console_oidc;
mod decisions;
mod duplicates;
mod e_receipts;
mod flow;
mod limits;
mod metrics;
mod notify;
mod operator;
mod requests;
mod retention;
mod shopper;
mod worker;
