//! What a shopper's page and the brand's systems send a test app: uploads,
//! status reads, the operator API, the metrics page.

use api::Submission;

use crate::app::TestApp;
use crate::config::{SECRETS, operator_key};

impl TestApp {
    /// `method path` on the operator API, with the operator key.
    pub fn operator(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(operator_key(&self.dir))
    }

    /// `GET path` on the operator API, as JSON.
    pub async fn operator_json(&self, path: &str) -> serde_json::Value {
        let response = self
            .operator(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    /// Every secret the test proxy holds (provider credentials and the keys
    /// callbacks carry), read from the files its configuration references, so
    /// that a provider added to the harness is covered without another list.
    pub fn secrets(&self) -> Vec<String> {
        let files = std::fs::read_dir(self.dir.path().join(SECRETS)).expect("secrets folder");
        let secrets: Vec<String> = files
            .map(|file| std::fs::read_to_string(file.expect("secret file").path()).expect("read"))
            .collect();
        assert!(secrets.len() >= 8, "too few secrets: {}", secrets.len());
        secrets
    }

    /// The proxy's `/metrics` page, read with the operator key.
    pub async fn metrics(&self) -> String {
        let response = self
            .operator(reqwest::Method::GET, "/metrics")
            .send()
            .await
            .expect("GET /metrics");
        assert_eq!(response.status(), 200);
        response.text().await.expect("the metrics page")
    }

    /// The proxy's URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Posts a submission with these photos to a campaign.
    pub async fn submit(
        &self,
        campaign: &str,
        photos: &[Vec<u8>],
        idempotency_key: Option<&str>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (i, photo) in photos.iter().enumerate() {
            form = form.part(
                api::field::PHOTO,
                reqwest::multipart::Part::bytes(photo.clone())
                    .file_name(format!("receipt-{i}.jpg")),
            );
        }
        let mut request = self
            .http
            .post(self.url(&format!("/v1/campaigns/{campaign}/submissions")))
            .multipart(form);
        if let Some(key) = idempotency_key {
            request = request.header(api::IDEMPOTENCY_KEY_HEADER, key);
        }
        request.send().await.expect("POST submission")
    }

    /// Posts photos and a QR code (`qr` field) and returns the new submission's id.
    pub async fn submit_qr(&self, campaign: &str, photos: &[Vec<u8>], qr: &str) -> String {
        let form = reqwest::multipart::Form::new().text(api::field::QR, qr.to_owned());
        self.submit_form(campaign, photos, form).await
    }

    /// Posts photos and, where given, a QR code as shopper `user`; returns
    /// the new submission's id.
    pub async fn submit_as(
        &self,
        campaign: &str,
        user: &str,
        photos: &[Vec<u8>],
        qr: Option<&str>,
    ) -> String {
        let mut form = reqwest::multipart::Form::new().text(api::field::USER, user.to_owned());
        if let Some(qr) = qr {
            form = form.text(api::field::QR, qr.to_owned());
        }
        self.submit_form(campaign, photos, form).await
    }

    /// Posts photos with the offers claimed at a merchant and returns the new
    /// submission's id.
    pub async fn submit_offers(
        &self,
        campaign: &str,
        photos: &[Vec<u8>],
        merchant: &str,
        offers: &[(&str, u32)],
    ) -> String {
        let offers: Vec<api::ClaimedOffer> = offers
            .iter()
            .map(|(id, quantity)| api::ClaimedOffer {
                offer_id: (*id).to_owned(),
                quantity: *quantity,
            })
            .collect();
        let form = reqwest::multipart::Form::new()
            .text(api::field::MERCHANT, merchant.to_owned())
            .text(
                api::field::OFFERS,
                serde_json::to_string(&offers).expect("offers JSON"),
            );
        self.submit_form(campaign, photos, form).await
    }

    /// Posts `form` plus these photos; expects 202 and returns the id.
    async fn submit_form(
        &self,
        campaign: &str,
        photos: &[Vec<u8>],
        form: reqwest::multipart::Form,
    ) -> String {
        let form = photos.iter().fold(form, |form, photo| {
            form.part(
                api::field::PHOTO,
                reqwest::multipart::Part::bytes(photo.clone()).file_name("receipt.jpg"),
            )
        });
        let response = self
            .http
            .post(self.url(&format!("/v1/campaigns/{campaign}/submissions")))
            .multipart(form)
            .send()
            .await
            .expect("POST submission");
        assert_eq!(response.status(), 202, "{:?}", response.text().await);
        let created: api::SubmissionCreated = response.json().await.expect("202 body");
        created.id
    }

    /// Posts one photo and returns the new submission's id.
    pub async fn submit_photo(&self, campaign: &str, photo: Vec<u8>) -> String {
        let response = self.submit(campaign, &[photo], None).await;
        assert_eq!(response.status(), 202, "{:?}", response.text().await);
        let created: api::SubmissionCreated = response.json().await.expect("202 body");
        created.id
    }

    pub async fn get_submission(&self, id: &str) -> Submission {
        let response = self
            .http
            .get(self.url(&format!("/v1/submissions/{id}")))
            .send()
            .await
            .expect("GET submission");
        assert_eq!(response.status(), 200);
        response.json().await.expect("submission body")
    }
}
