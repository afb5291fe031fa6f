//! `docs/outcomes.md` is generated from the adapters' outcome tables, which are
//! what the adapters decide by; this test fails when the two differ.
//! `BLESS=1 cargo test -p providers --test outcomes_doc` rewrites the page.

use std::path::Path;

#[test]
fn docs_outcomes_md_matches_the_adapters_tables() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/outcomes.md");
    let expected = providers::outcomes::markdown(providers::registry::OUTCOME_TABLES);
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/outcomes.md is out of date: run `BLESS=1 cargo test -p providers --test outcomes_doc`"
    );
}

#[test]
fn every_table_ends_with_a_catch_all_reason_and_covers_accepted_and_rejected() {
    for table in providers::registry::OUTCOME_TABLES {
        assert_eq!(
            table.reasons.last().map(|r| r.code),
            Some("*"),
            "{}",
            table.provider
        );
        let statuses: Vec<_> = table.statuses.iter().filter_map(|r| r.status).collect();
        assert!(
            statuses.contains(&api::SubmissionStatus::Accepted),
            "{}",
            table.provider
        );
        assert!(
            statuses.contains(&api::SubmissionStatus::Rejected),
            "{}",
            table.provider
        );
        assert_eq!(
            table.statuses.iter().any(|r| r.status.is_none()),
            !table.synchronous,
            "{}: an asynchronous provider has a \"not yet\" answer, a synchronous one none",
            table.provider
        );
    }
}
