//! Real Chromium, headless at phone size (390x844), driven through chromedriver
//! (WebDriver) with fantoccini. Screenshots go to `target/e2e-screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// axe-core's browser script, read once.
static AXE_SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Runs after axe-core's source in the page, over the elements `arguments[0]`
/// selects (the whole page where it is null); answers the violations, each
/// with its rule, help text and the elements (shadow hosts then selectors).
const AXE_RUN: &str = r"
const done = arguments[arguments.length - 1];
axe.run(arguments[0] ? { include: [[arguments[0]]] } : document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  resultTypes: ['violations'],
}).then(
  (r) => done(r.violations.map((v) => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
  }))),
  (e) => done([{ rule: 'axe-error', help: String(e) }]),
);
";

/// Phone-size viewport of the end-to-end tests.
pub const WIDTH: u32 = 390;
pub const HEIGHT: u32 = 844;

/// A Chromium session; chromedriver is stopped on drop.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    driver: Child,
    screenshots: PathBuf,
    /// Chromium's profile, removed with the session.
    _profile: tempfile::TempDir,
}

fn program(var: &str, fallback: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| fallback.to_owned())
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session.
    /// It has a (fake) camera, but permission prompts are refused, as by a
    /// shopper saying no: the camera is blocked. Its language is American English.
    pub async fn start() -> Self {
        Self::speaking("en-US").await
    }

    /// As [`Browser::start`], with `lang` as the browser's language (what
    /// `navigator.languages` and `Accept-Language` say).
    pub async fn speaking(lang: &str) -> Self {
        Self::start_with(
            lang,
            &[
                "--use-fake-device-for-media-stream".to_owned(),
                "--deny-permission-prompts".to_owned(),
            ],
        )
        .await
    }

    /// A session whose camera films `video` (Y4M), with the camera permission
    /// granted.
    pub async fn with_camera(video: &std::path::Path) -> Self {
        Self::start_with(
            "en-US",
            &[
                "--use-fake-device-for-media-stream".to_owned(),
                "--use-fake-ui-for-media-stream".to_owned(),
                format!("--use-file-for-fake-video-capture={}", video.display()),
            ],
        )
        .await
    }

    async fn start_with(lang: &str, extra_args: &[String]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let chromedriver = program("CHROMEDRIVER", "chromedriver");
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {chromedriver} (run `cargo xtask setup`): {e}")
            });
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ]
        .map(str::to_owned)
        .into();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--lang={lang}"));
        args.push(format!("--accept-lang={lang}"));
        args.extend_from_slice(extra_args);
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": program("CHROMIUM", "/usr/bin/chromium"),
                "args": args,
                "prefs": {"intl.accept_languages": lang},
                // Headless Chromium will not make a window narrower than 500 px;
                // device metrics give the phone's exact viewport.
                "mobileEmulation": {
                    "deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 1.0, "mobile": true, "touch": true},
                },
            },
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("capabilities are an object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        // chromedriver takes a moment to listen; retry the session a bounded number
        // of times.
        for _ in 0..100 {
            match ClientBuilder::rustls()
                .expect("rustls")
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    let screenshots = crate::workspace_root().join("target/e2e-screenshots");
                    std::fs::create_dir_all(&screenshots).expect("screenshot dir");
                    let browser = Self {
                        client,
                        driver,
                        screenshots,
                        _profile: profile,
                    };
                    // Every page notes what its Content-Security-Policy
                    // blocked, for `step` to fail on.
                    browser
                        .cdp(
                            "Page.addScriptToEvaluateOnNewDocument",
                            json!({"source": CSP_WATCH}),
                        )
                        .await;
                    return browser;
                }
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no WebDriver session: {last_error:?}");
    }

    /// A step of the shopper's way reached: the widget passes the accessibility
    /// check ([`Browser::assert_accessible`]) and is saved as the screenshot
    /// `name`.
    pub async fn step(&self, name: &str) {
        self.assert_accessible(name).await;
        self.assert_nothing_blocked(name).await;
        self.screenshot(name).await;
    }

    /// Whether the page has fetched a file whose address contains `part`
    /// (the browser's resource timing entries).
    pub async fn fetched(&self, part: &str) -> bool {
        self.client
            .execute(
                "return performance.getEntriesByType('resource').some(e => e.name.includes(arguments[0]));",
                vec![json!(part)],
            )
            .await
            .expect("read the page's resource entries")
            .as_bool()
            .unwrap_or(false)
    }

    /// Fails if the page's Content-Security-Policy blocked anything so far
    /// (a script, a style, an image, a call the widget needs).
    pub async fn assert_nothing_blocked(&self, step: &str) {
        let blocked = self
            .client
            .execute("return window.__blockedByPolicy || [];", vec![])
            .await
            .expect("read what the policy blocked");
        assert_eq!(
            blocked,
            json!([]),
            "{step}: the page's policy blocked these"
        );
    }

    /// Runs axe-core over every widget on the page, their shadow DOM included,
    /// with the WCAG 2.0 and 2.1 A and AA rules, and fails on any violation,
    /// naming `step`, the rule and the elements.
    pub async fn assert_accessible(&self, step: &str) {
        let violations = self.accessibility_violations().await;
        assert!(
            violations.is_empty(),
            "{step}: {} accessibility violation(s): {violations:#?}",
            violations.len()
        );
    }

    /// Runs axe-core over the whole page (a page of the proxy's own, such
    /// as the console's), with the same rules, and fails on any violation.
    pub async fn assert_page_accessible(&self, step: &str) {
        let violations = self.violations_in(serde_json::Value::Null).await;
        assert!(
            violations.is_empty(),
            "{step}: {} accessibility violation(s): {violations:#?}",
            violations.len()
        );
    }

    /// What axe-core finds wrong in the widgets on the page: each violation's
    /// rule, help text and elements.
    pub async fn accessibility_violations(&self) -> Vec<serde_json::Value> {
        self.violations_in(json!(".receipt-relay")).await
    }

    /// What axe-core finds wrong in what `selector` selects (the whole page
    /// where it is null).
    async fn violations_in(&self, selector: serde_json::Value) -> Vec<serde_json::Value> {
        let script = format!(
            "{}\n{AXE_RUN}",
            AXE_SOURCE.get_or_init(|| {
                // AXE_CORE (relative to the workspace), else where setup puts it.
                let path =
                    crate::workspace_root().join(std::env::var("AXE_CORE").unwrap_or_else(|_| {
                        "target/axe/node_modules/axe-core/axe.min.js".to_owned()
                    }));
                std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    panic!(
                        "axe-core at {} (run `cargo xtask setup`): {e}",
                        path.display()
                    )
                })
            })
        );
        match self.client.execute_async(&script, vec![selector]).await {
            Ok(serde_json::Value::Array(violations)) => violations,
            other => panic!("axe-core did not run: {other:?}"),
        }
    }

    /// Saves a screenshot of the viewport as `target/e2e-screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(self.screenshots.join(format!("{name}.png")), png).expect("save screenshot");
    }

    /// The shadow root of the first widget on the page, once it is mounted.
    pub async fn widget(&self) -> ShadowRoot {
        self.widget_in(".receipt-relay").await
    }

    /// The shadow root of the widget mounted on the element `host`, once it has
    /// rendered.
    pub async fn widget_in(&self, host: &str) -> ShadowRoot {
        let host = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(host))
            .await
            .expect("widget host element");
        for _ in 0..200 {
            if let Ok(root) = host.shadow_root().await
                && root.find(Locator::Css(".rr-card")).await.is_ok()
            {
                return root;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the widget never rendered");
    }

    /// Chromium's network emulation: `offline` takes the page off the network as
    /// a phone in a tunnel (`navigator.onLine` turns false); otherwise uploads
    /// are throttled to `upload_bytes_per_s`.
    pub async fn network(&self, offline: bool, upload_bytes_per_s: u64) {
        let body = json!({"network_conditions": {
            "offline": offline,
            "latency": 0,
            "download_throughput": 50_000_000,
            "upload_throughput": upload_bytes_per_s,
        }});
        self.client
            .issue_cmd(Chromium {
                path: "chromium/network_conditions",
                body,
            })
            .await
            .expect("set network conditions");
    }

    /// Runs a Chrome DevTools Protocol command (chromedriver's
    /// `goog/cdp/execute`) and answers its result: throttling, scripts that
    /// run before the page's own, cache control.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(Chromium {
                path: "goog/cdp/execute",
                body: json!({"cmd": cmd, "params": params}),
            })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// Sets an input's value inside the widget (date and time inputs take their
    /// value in the page's locale format when typed; this sets the ISO value).
    pub async fn set_value(&self, selector: &str, value: &str) {
        self.client
            .execute(
                "document.querySelector('.receipt-relay').shadowRoot.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(selector), json!(value)],
            )
            .await
            .expect("set the input's value");
    }

    /// Stops the session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Notes every Content-Security-Policy violation of a page in
/// `window.__blockedByPolicy`.
const CSP_WATCH: &str = "window.__blockedByPolicy = []; \
    document.addEventListener('securitypolicyviolation', function (e) { \
      window.__blockedByPolicy.push(e.violatedDirective + ' ' + e.blockedURI); \
    }, true);";

/// A chromedriver extension command: `POST /session/{id}/{path}` with `body`
/// (`goog/cdp/execute` for DevTools, `chromium/network_conditions`).
#[derive(Debug)]
struct Chromium {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Chromium {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Waits (bounded) until `selector` matches inside the widget.
pub async fn find(root: &ShadowRoot, selector: &str) -> Element {
    for _ in 0..300 {
        if let Ok(element) = root.find(Locator::Css(selector)).await {
            return element;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{selector} never appeared in the widget");
}

/// Waits (bounded) until `selector` matches exactly `count` elements.
pub async fn wait_count(root: &ShadowRoot, selector: &str, count: usize) {
    let mut last = 0;
    for _ in 0..300 {
        last = root
            .find_all(Locator::Css(selector))
            .await
            .map_or(0, |found| found.len());
        if last == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{selector} matched {last} elements, never {count}");
}

/// Waits (bounded) until the element's text contains `needle`; returns the text.
pub async fn text_containing(root: &ShadowRoot, selector: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..300 {
        if let Ok(element) = root.find(Locator::Css(selector)).await {
            last = element.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{selector} never contained {needle:?}; last text: {last:?}");
}

/// Picks a file from the gallery, as a shopper choosing a photo, and waits until
/// the widget has prepared it (its thumbnail is there).
pub async fn choose_photo(root: &ShadowRoot, path: &std::path::Path) {
    let before = root
        .find_all(Locator::Css(".rr-thumb"))
        .await
        .map_or(0, |found| found.len());
    find(root, "input.rr-gallery")
        .await
        .send_keys(&path.display().to_string())
        .await
        .expect("choose the photo");
    wait_count(root, ".rr-thumb", before + 1).await;
}

/// Clicks the element matching `selector` inside the widget, once it is there.
pub async fn click(root: &ShadowRoot, selector: &str) {
    find(root, selector)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}
