//! The pure half of a worker's step: given a submission and what its provider
//! answered, what happens next. No I/O and no clock, so every answer and every
//! retry and give-up branch is tested here; [`super`] makes the call and
//! applies the plan in one transaction.

use std::time::Duration;

use api::SubmissionStatus;
use providers::{Progress, ProviderError, Retry, Verdict};

use crate::config::WorkerConfig;

/// What a provider answered to one call of the worker.
#[derive(Debug)]
pub enum Answer {
    /// To the upload: its reference for the receipt, and where it is with it.
    Submitted(Result<(String, Progress), ProviderError>),
    /// To a status check of a receipt it already has.
    Polled(Result<Progress, ProviderError>),
}

/// What the worker does next with a submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// The provider decided. `reference`: the decision came in the answer to
    /// the upload, with the provider's reference for it.
    Record {
        reference: Option<String>,
        verdict: Verdict,
    },
    /// Not decided yet: ask again after `next_in`. `acknowledged`: the
    /// provider has just taken the upload, under this reference.
    Wait {
        acknowledged: Option<String>,
        next_in: Duration,
    },
    /// The call failed: try again after `delay`. `malformed` counts towards
    /// `worker.max_malformed`; `pause` holds the whole account back that long
    /// (a rate limit).
    Retry {
        delay: Duration,
        malformed: bool,
        pause: Option<Duration>,
        error: ProviderError,
    },
    /// No more tries: the submission ends as `status` (`failed`, or
    /// `needs_review` where only a person can tell what the provider has).
    GiveUp {
        status: SubmissionStatus,
        error: ProviderError,
    },
}

/// What the plan needs to know of the submission.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tries {
    /// Failures in a row so far (the backoff grows with them).
    pub attempts: u32,
    /// Unusable answers in a row so far.
    pub malformed: u32,
}

/// Decides what follows `answer` for a submission that has had `tries`. A
/// provider that calls back (`calls_back`) is polled only as a safety net.
/// `jitter` (0.8 to 1.2) spreads retries that fail together.
pub fn plan(
    config: &WorkerConfig,
    calls_back: bool,
    tries: Tries,
    answer: Answer,
    jitter: f64,
) -> Plan {
    let next_in = if calls_back {
        config.callback_fallback
    } else {
        config.poll_interval
    };
    let answer = match answer {
        Answer::Submitted(answer) => {
            answer.map(|(reference, progress)| (Some(reference), progress))
        }
        Answer::Polled(answer) => answer
            .map(|progress| (None, progress))
            .map_err(ProviderError::on_status_check),
    };
    let error = match answer {
        Ok((reference, Progress::Done(verdict))) => {
            return Plan::Record {
                reference,
                verdict: *verdict,
            };
        }
        Ok((acknowledged, Progress::Pending)) => {
            return Plan::Wait {
                acknowledged,
                next_in,
            };
        }
        Err(error) => error,
    };
    let meaning = error.meaning();
    let give_up = match meaning.retry {
        Retry::Never => true,
        Retry::Limited => tries.malformed + 1 >= config.max_malformed,
        Retry::Always => false,
    };
    if give_up {
        return Plan::GiveUp {
            status: meaning.given_up,
            error,
        };
    }
    let delay =
        crate::clock::backoff_by(config.retry_base, config.retry_max, tries.attempts, jitter);
    let pause = match error {
        // The account slows down, not just this submission.
        ProviderError::RateLimited { retry_after } => Some(retry_after.unwrap_or(delay)),
        _ => None,
    };
    Plan::Retry {
        delay,
        malformed: meaning.retry == Retry::Limited,
        pause,
        error,
    }
}

#[cfg(test)]
mod tests {
    use api::Outcome;

    use super::*;

    fn config() -> WorkerConfig {
        WorkerConfig {
            poll_interval: Duration::from_secs(5),
            callback_fallback: Duration::from_secs(600),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            max_malformed: 3,
            ..WorkerConfig::default()
        }
    }

    fn verdict(status: SubmissionStatus) -> Verdict {
        Verdict {
            status,
            outcome: Outcome::default(),
        }
    }

    fn done(status: SubmissionStatus) -> Progress {
        Progress::Done(Box::new(verdict(status)))
    }

    /// Plans `answer` for a submission with no failures yet, without jitter.
    fn first(answer: Answer) -> Plan {
        plan(&config(), false, Tries::default(), answer, 1.0)
    }

    fn after_failures(attempts: u32, malformed: u32, error: ProviderError) -> Plan {
        let tries = Tries {
            attempts,
            malformed,
        };
        plan(&config(), false, tries, Answer::Polled(Err(error)), 1.0)
    }

    #[test]
    fn a_verdict_in_the_uploads_answer_is_recorded_with_its_reference() {
        let answer = Answer::Submitted(Ok(("ref-1".into(), done(SubmissionStatus::Accepted))));
        assert_eq!(
            first(answer),
            Plan::Record {
                reference: Some("ref-1".into()),
                verdict: verdict(SubmissionStatus::Accepted),
            }
        );
    }

    #[test]
    fn a_polled_verdict_is_recorded_without_a_reference() {
        let answer = Answer::Polled(Ok(done(SubmissionStatus::Rejected)));
        assert_eq!(
            first(answer),
            Plan::Record {
                reference: None,
                verdict: verdict(SubmissionStatus::Rejected),
            }
        );
    }

    #[test]
    fn an_acknowledged_upload_waits_a_poll_interval_under_its_reference() {
        let answer = Answer::Submitted(Ok(("ref-2".into(), Progress::Pending)));
        assert_eq!(
            first(answer),
            Plan::Wait {
                acknowledged: Some("ref-2".into()),
                next_in: Duration::from_secs(5),
            }
        );
    }

    #[test]
    fn a_provider_that_calls_back_is_polled_only_as_a_safety_net() {
        let answer = Answer::Polled(Ok(Progress::Pending));
        assert_eq!(
            plan(&config(), true, Tries::default(), answer, 1.0),
            Plan::Wait {
                acknowledged: None,
                next_in: Duration::from_secs(600),
            }
        );
    }

    #[test]
    fn passing_failures_are_retried_with_a_growing_capped_backoff() {
        for error in [
            ProviderError::Unavailable("502".into()),
            ProviderError::Held("credits low".into()),
            ProviderError::Auth(401),
        ] {
            let kind = error.kind();
            let Plan::Retry {
                delay,
                malformed,
                pause,
                ..
            } = after_failures(0, 0, error.clone())
            else {
                panic!("{kind} was not retried");
            };
            assert_eq!(
                (delay, malformed, pause),
                (Duration::from_secs(1), false, None),
                "{kind}"
            );
            // However long it lasts: never given up, the wait capped.
            let Plan::Retry { delay, .. } = after_failures(40, 0, error) else {
                panic!("{kind} was given up after 40 failures");
            };
            assert_eq!(delay, Duration::from_secs(60), "{kind}");
        }
        let Plan::Retry { delay, .. } =
            after_failures(3, 0, ProviderError::Unavailable(String::new()))
        else {
            panic!("not retried");
        };
        assert_eq!(delay, Duration::from_secs(8));
    }

    #[test]
    fn jitter_spreads_the_backoff_by_a_fifth_either_way() {
        let error = || Answer::Polled(Err(ProviderError::Unavailable(String::new())));
        let tries = Tries {
            attempts: 2,
            malformed: 0,
        };
        let delays: Vec<Duration> = [0.8, 1.2]
            .map(
                |jitter| match plan(&config(), false, tries, error(), jitter) {
                    Plan::Retry { delay, .. } => delay,
                    other => panic!("{other:?}"),
                },
            )
            .into();
        assert_eq!(
            delays,
            [Duration::from_millis(3200), Duration::from_millis(4800)]
        );
    }

    #[test]
    fn a_rate_limit_pauses_the_account_for_its_retry_after_else_the_backoff() {
        let told = ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
        };
        let Plan::Retry { pause, .. } = after_failures(0, 0, told) else {
            panic!("a 429 was not retried");
        };
        assert_eq!(pause, Some(Duration::from_secs(30)));
        let untold = ProviderError::RateLimited { retry_after: None };
        let Plan::Retry { pause, delay, .. } = after_failures(2, 0, untold) else {
            panic!("a 429 was not retried");
        };
        assert_eq!(pause, Some(delay));
        assert_eq!(delay, Duration::from_secs(4));
    }

    #[test]
    fn unusable_answers_are_retried_up_to_max_malformed_then_fail() {
        for error in [
            ProviderError::Malformed("<html>".into()),
            ProviderError::UnknownReference,
        ] {
            let kind = error.kind();
            assert!(
                matches!(
                    after_failures(1, 1, error.clone()),
                    Plan::Retry {
                        malformed: true,
                        ..
                    }
                ),
                "{kind}"
            );
            assert!(
                matches!(
                    after_failures(2, 2, error),
                    Plan::GiveUp {
                        status: SubmissionStatus::Failed,
                        ..
                    }
                ),
                "{kind}"
            );
        }
    }

    #[test]
    fn a_404_on_a_status_check_is_an_unknown_reference_but_on_upload_a_refusal() {
        let not_found = || ProviderError::Refused {
            status: 404,
            message: "no such receipt".into(),
        };
        assert!(matches!(
            first(Answer::Polled(Err(not_found()))),
            Plan::Retry {
                malformed: true,
                error: ProviderError::UnknownReference,
                ..
            }
        ));
        assert!(matches!(
            first(Answer::Submitted(Err(not_found()))),
            Plan::GiveUp {
                status: SubmissionStatus::Failed,
                error: ProviderError::Refused { status: 404, .. },
            }
        ));
    }

    #[test]
    fn a_refusal_or_a_missing_ability_fails_at_once() {
        for error in [
            ProviderError::Refused {
                status: 422,
                message: "unreadable".into(),
            },
            ProviderError::Unsupported("poll"),
        ] {
            let kind = error.kind();
            assert!(
                matches!(
                    first(Answer::Submitted(Err(error))),
                    Plan::GiveUp {
                        status: SubmissionStatus::Failed,
                        ..
                    }
                ),
                "{kind}"
            );
        }
    }

    #[test]
    fn an_upload_taken_but_unconfirmed_goes_to_a_person_and_is_never_sent_again() {
        let error = ProviderError::Unconfirmed("truncated body".into());
        assert!(matches!(
            first(Answer::Submitted(Err(error))),
            Plan::GiveUp {
                status: SubmissionStatus::NeedsReview,
                ..
            }
        ));
    }

    #[test]
    fn a_success_ends_the_run_of_failures() {
        // Whatever came before, a pending answer waits the plain interval.
        let tries = Tries {
            attempts: 9,
            malformed: 2,
        };
        let answer = Answer::Polled(Ok(Progress::Pending));
        assert_eq!(
            plan(&config(), false, tries, answer, 1.0),
            Plan::Wait {
                acknowledged: None,
                next_in: Duration::from_secs(5),
            }
        );
    }
}
