//! The api's types in the browser, shared by the widget and its lens (two
//! wasm modules, each with its own copy of what it uses): the proxy's JSON,
//! once the browser has parsed it, read into them ([`wire`]), and their dates
//! and amounts put in the shopper's locale ([`intl`]).
//!
//! Its tests run in the browser (`cargo xtask ci` runs them in headless
//! Chromium); on the host there is nothing to run them against.

pub mod intl;
pub mod wire;
