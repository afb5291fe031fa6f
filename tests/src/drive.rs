//! Moving a test app's time and work along. Unless a test asks for a
//! background worker ([`Options::live`]), a test app runs none: its clock
//! stands still, the simulated providers hold their callbacks, and nothing
//! happens until the test says so. A test steps one thing
//! ([`TestApp::step_worker`], [`TestApp::step_notifier`],
//! [`TestApp::send_callbacks`]) or everything until nothing is left to do
//! ([`TestApp::drain`], [`TestApp::settle`]); it never sleeps and hopes. Only a
//! live app (a browser waits on it in real time) is waited on
//! ([`TestApp::wait_for_row`]).

use std::time::Duration;

use api::Submission;
use proxy::store::SubmissionRow;

#[cfg(doc)]
use crate::app::Options;
use crate::app::TestApp;

/// Rounds of [`TestApp::drain`] before it gives up: far more than any flow
/// takes (a submission retried until `max_malformed`, a letter retried a few
/// times), far fewer than one retried for ever.
const MAX_ROUNDS: usize = 200;

impl TestApp {
    /// Steps the test's worker once: everything due now is taken (within the
    /// limits) and processed; answers how many submissions were taken.
    pub async fn step_worker(&self) -> usize {
        self.worker.run_once().await
    }

    /// Sends the brand's notifications that are due; answers how many were
    /// taken.
    pub async fn step_notifier(&self) -> usize {
        self.notifier.run_once().await
    }

    /// Sends the callbacks the simulated providers hold, once each; answers
    /// the status the proxy gave each.
    pub async fn send_callbacks(&self) -> Vec<u16> {
        self.sandbox.controls.send_held_callbacks().await
    }

    /// Moves the app's clock on by `by`.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Does everything that falls due, as the background loops would over
    /// time, until nothing is left: the providers' held callbacks are sent,
    /// the worker and the notifier stepped, and when none had anything to do
    /// the clock moves on to the next retry, poll or delivery. Panics after
    /// [`MAX_ROUNDS`] (a submission retried for ever: step that one by hand).
    pub async fn drain(&self) {
        assert!(
            !self.options().background_worker,
            "drain steps an app without a background worker"
        );
        for _ in 0..MAX_ROUNDS {
            let called = self.send_callbacks().await.len();
            let taken = self.step_worker().await;
            let sent = self.step_notifier().await;
            if called + taken + sent > 0 {
                continue;
            }
            if !self.advance_to_next_due().await {
                return;
            }
        }
        panic!("still busy after {MAX_ROUNDS} rounds: something is retried for ever");
    }

    /// Moves the clock on to the next retry, poll or delivery stored;
    /// `false` when nothing is waiting for a time.
    async fn advance_to_next_due(&self) -> bool {
        match self.state.db.next_due().await.expect("read what is due") {
            Some(at) => {
                let wait = at.saturating_sub(self.clock.now_ms()).max(1);
                self.advance(Duration::from_millis(wait.unsigned_abs()));
                true
            }
            None => false,
        }
    }

    /// Steps the worker, moving the clock on to each next attempt, until
    /// `done` holds for the stored submission; answers its row. Panics after
    /// [`MAX_ROUNDS`], or when nothing is left to do and `done` still does
    /// not hold.
    pub async fn step_until(
        &self,
        id: &str,
        done: impl Fn(&SubmissionRow) -> bool,
    ) -> SubmissionRow {
        for _ in 0..MAX_ROUNDS {
            let row = self.row(id).await;
            if done(&row) {
                return row;
            }
            if self.step_worker().await > 0 {
                continue;
            }
            assert!(
                self.advance_to_next_due().await,
                "nothing left to do, and {id} is still {row:?}"
            );
        }
        panic!("{id} never got there in {MAX_ROUNDS} steps");
    }

    /// Drains the app ([`TestApp::drain`]) and answers the submission, which
    /// must then be final.
    pub async fn settle(&self, id: &str) -> Submission {
        self.drain().await;
        let submission = self.get_submission(id).await;
        assert!(
            submission.status.is_final(),
            "nothing left to do, yet {id} is not final: {submission:?}"
        );
        submission
    }

    /// The same receipt photo twice to `campaign` (one that holds
    /// duplicates for review): the first accepted, the second held for a
    /// person; answers the second's id.
    pub async fn held_duplicate(&self, campaign: &str) -> String {
        let first = self
            .submit_photo(campaign, crate::fixtures::receipt_jpeg())
            .await;
        assert_eq!(
            self.settle(&first).await.status,
            api::SubmissionStatus::Accepted
        );
        let again = self
            .submit_photo(campaign, crate::fixtures::receipt_jpeg())
            .await;
        assert_eq!(
            self.settle(&again).await.status,
            api::SubmissionStatus::NeedsReview
        );
        again
    }

    /// The submission as stored.
    pub async fn row(&self, id: &str) -> SubmissionRow {
        self.state
            .db
            .get(id)
            .await
            .expect("read the submission")
            .expect("the submission exists")
    }

    /// The provider's reference for the submission, which must have been
    /// acknowledged (step the worker first).
    pub async fn provider_ref(&self, id: &str) -> String {
        let row = self.row(id).await;
        match row.provider_ref {
            Some(reference) => reference,
            None => panic!("the provider has not acknowledged {id}: {:?}", row.status),
        }
    }

    /// Reads the stored row until `done` holds (how many failures so far,
    /// say): only for a live app ([`Options::live`]), where a browser moves
    /// things in real time. Bounded, so a regression fails instead of hanging.
    pub async fn wait_for_row(
        &self,
        id: &str,
        done: impl Fn(&SubmissionRow) -> bool,
    ) -> SubmissionRow {
        assert!(
            self.options().background_worker,
            "a stepped app is stepped, not waited on"
        );
        for _ in 0..400 {
            let row = self.row(id).await;
            if done(&row) {
                return row;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{id} never got there: {:?}", self.row(id).await);
    }
}
