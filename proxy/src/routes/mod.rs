//! HTTP routes of the public API (v1), health checks and the widget's files.

pub mod assets;
pub mod campaigns;
pub mod health;
pub mod metrics;
pub mod operator;
pub mod submissions;
pub mod upload;
pub mod webhooks;
