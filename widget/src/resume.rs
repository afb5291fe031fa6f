//! The submission in flight survives the page. From the moment the proxy has
//! the receipt until the shopper starts again, its id is kept in the browser's
//! `localStorage`, under the campaign, the page's path and the shopper's id as
//! the page gave it. A reload, a closed tab or the browser killing the page
//! (phones do, notably iOS after the camera app) finds it on the next mount and
//! follows it to its verdict instead of showing an empty widget, so the shopper
//! never sends the same receipt twice.
//!
//! Only the id is kept (the proxy's answer is public to whoever has it, as the
//! widget's own requests are). A page that names another shopper (`user`) on the
//! same device does not see it; a page that names none shares it with whoever
//! uses that browser, as the rest of its storage is shared.

/// Where one widget keeps its submission in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume(String);

impl Resume {
    pub fn new(campaign: &str, user: Option<&str>) -> Self {
        let path = web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default();
        Self(format!(
            "receipt-relay:{campaign}:{path}:{}",
            user.unwrap_or_default()
        ))
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    /// The storage key: campaign, page path and shopper.
    pub fn key(&self) -> &str {
        &self.0
    }

    /// The id of the submission this widget left in flight, if any.
    pub fn get(&self) -> Option<String> {
        Self::storage()?.get_item(&self.0).ok()?
    }

    /// Whether `id` is still the submission in flight (the shopper has not
    /// started again); where the browser keeps nothing, taken to be.
    pub fn still(&self, id: &str) -> bool {
        Self::storage()
            .is_none_or(|storage| storage.get_item(&self.0).ok().flatten().as_deref() == Some(id))
    }

    /// Keeps `id` as the submission in flight. Storage may be off (private
    /// browsing, full): then a reload starts afresh, as before.
    pub fn set(&self, id: &str) {
        if let Some(storage) = Self::storage() {
            let _ = storage.set_item(&self.0, id);
        }
    }

    /// The shopper starts again: nothing to resume.
    pub fn clear(&self) {
        if let Some(storage) = Self::storage() {
            let _ = storage.remove_item(&self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn a_submission_is_kept_per_campaign_and_shopper_until_cleared() {
        let mine = Resume::new("promo", Some("shopper-1"));
        let theirs = Resume::new("promo", Some("shopper-2"));
        let other_campaign = Resume::new("other", Some("shopper-1"));
        mine.clear();
        assert_eq!(mine.get(), None);
        mine.set("sub-1");
        assert_eq!(
            Resume::new("promo", Some("shopper-1")).get().as_deref(),
            Some("sub-1")
        );
        assert_eq!(theirs.get(), None, "another shopper on this device");
        assert_eq!(other_campaign.get(), None);
        mine.clear();
        assert_eq!(mine.get(), None);
    }
}
