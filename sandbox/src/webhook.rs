//! Delivering a simulated provider's callback, the way providers do: after the
//! processing delay, and again with a growing pause while the receiver does not
//! answer 2xx (it may be busy, restarting, or not have stored our reference yet).
//! No provider document in scope states its retry policy; this is the common one,
//! assumed for all.
//!
//! A test may hold the callbacks instead ([`crate::Controls::hold_callbacks`])
//! and send them when it chooses ([`crate::Controls::send_held_callbacks`]),
//! so that it steps the provider as it steps the proxy's worker.

use std::time::Duration;

use serde_json::Value;

use crate::Controls;

/// How many times a callback is tried.
const ATTEMPTS: u32 = 6;

/// One callback to send.
#[derive(Debug)]
pub(crate) struct Callback {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

/// Sends `callback` in the background after `delay`, retrying until it is
/// taken; or, while `controls` holds callbacks, keeps it for the test to send.
pub(crate) fn deliver(controls: &Controls, callback: Callback, delay: Duration) {
    let Some(callback) = controls.hold(callback) else {
        return;
    };
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let client = reqwest::Client::new();
        let mut pause = Duration::from_millis(200);
        for attempt in 1..=ATTEMPTS {
            match send(&client, &callback).await {
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

/// Sends `callback` once.
pub(crate) async fn send(
    client: &reqwest::Client,
    callback: &Callback,
) -> reqwest::Result<reqwest::Response> {
    let mut request = client.request(callback.method.clone(), &callback.url);
    for (name, value) in &callback.headers {
        request = request.header(name, value);
    }
    request.json(&callback.body).send().await
}
