//! How the proxy's log lines are written: text for a person at a terminal,
//! or one JSON object a line (`log_format = "json"`) for a log pipeline. Both
//! carry the spans a line was logged in: `request` (its `request_id`, method
//! and path) and `submission` (its id and its upload's `request_id`), so one
//! id finds every line about a receipt, from upload to verdict.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// The subscriber `main` installs (and tests install to read what an
/// operator would).
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(logs.finish()),
        LogFormat::Json => Box::new(logs.json().flatten_event(true).finish()),
    }
}
