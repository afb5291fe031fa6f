//! Captures everything the proxy logs during a test, at every level, so a test can
//! check what an operator's log would hold.

use std::io;
use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;

/// The captured log text.
#[derive(Debug, Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Captures the logs of this thread (all of a `#[tokio::test]`'s tasks, which
    /// run on it) at TRACE level until the guard is dropped.
    pub fn capture() -> (Self, DefaultGuard) {
        let logs = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(logs.clone())
            .finish();
        (logs.clone(), tracing::subscriber::set_default(subscriber))
    }

    /// As [`Logs::capture`], written as the proxy writes with
    /// `log_format = "json"` ([`proxy::logging::subscriber`]).
    pub fn capture_json() -> (Self, DefaultGuard) {
        let logs = Self::default();
        let subscriber = proxy::logging::subscriber(
            proxy::config::LogFormat::Json,
            tracing_subscriber::EnvFilter::new("trace"),
            logs.clone(),
        );
        (logs.clone(), tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

/// One writer per log event, appending to the shared buffer.
#[derive(Debug)]
pub struct Writer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = Writer;

    fn make_writer(&'a self) -> Writer {
        Writer(self.0.clone())
    }
}
