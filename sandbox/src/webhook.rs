//! Delivering a simulated provider's callback, the way providers do: after the
//! processing delay, and again with a growing pause while the receiver does not
//! answer 2xx (it may be busy, restarting, or not have stored our reference yet).
//! No provider document in scope states its retry policy; this is the common one,
//! assumed for all.

use std::time::Duration;

use serde_json::Value;

/// How many times a callback is tried.
const ATTEMPTS: u32 = 6;

/// One callback to send.
#[derive(Debug, Clone)]
pub(crate) struct Callback {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

/// Sends `callback` in the background after `delay`, retrying until it is taken.
pub(crate) fn deliver(callback: Callback, delay: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let client = reqwest::Client::new();
        let mut pause = Duration::from_millis(200);
        for attempt in 1..=ATTEMPTS {
            let mut request = client.request(callback.method.clone(), &callback.url);
            for (name, value) in &callback.headers {
                request = request.header(name, value);
            }
            match request.json(&callback.body).send().await {
                Ok(response) if response.status().is_success() => return,
                Ok(response) => {
                    tracing::warn!(status = %response.status(), attempt, "sandbox: callback refused");
                }
                Err(error) => tracing::warn!(%error, attempt, "sandbox: callback not delivered"),
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    });
}
