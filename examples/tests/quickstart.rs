//! The quickstart end to end: its delta sync must contain exactly the scripted changes.

use std::collections::BTreeSet;
use std::path::PathBuf;

use okta_sync_core::plan::ActionKind;
use okta_sync_examples::quickstart;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delta_after_the_scripted_changes_contains_exactly_those_changes() {
    let out = tempfile::tempdir().unwrap();
    let outcome = quickstart::run_local(&root(), out.path(), 300)
        .await
        .unwrap();

    // The full import created everyone in scope and wrote nothing else.
    let full = &outcome.full.plan;
    assert!(full.first_import);
    assert!(
        full.actions.iter().all(|a| matches!(
            a.kind,
            ActionKind::CreateRecord { .. } | ActionKind::CreateLogin { .. }
        )),
        "{}",
        full.summary()
    );
    assert!(outcome.full.report.failures.is_empty());

    // Each scripted change, and what the rules in docs/deprovisioning.md say it must cause.
    // The chosen people are outside the Employees departments except the two record cases,
    // and only the administrator moves touch logins.
    let by = |needle: &str| {
        outcome
            .changes
            .iter()
            .find(|c| c.description.contains(needle))
            .map(|c| c.okta_id.clone())
            .unwrap()
    };
    let expected: BTreeSet<(String, &str, String)> = [
        ("employees", "update_record", by("changed the title")),
        ("employees", "mark_record_inactive", by("moved a Sales")),
        (
            "asset-panda-logins",
            "deactivate_login",
            by("deactivated an administrator"),
        ),
        (
            "asset-panda-logins",
            "deactivate_login",
            by("deleted an asset manager"),
        ),
        (
            "asset-panda-logins",
            "deactivate_login",
            by("removed an administrator"),
        ),
        (
            "asset-panda-logins",
            "create_login",
            by("added an employee"),
        ),
    ]
    .into_iter()
    .map(|(m, k, id)| (m.to_string(), k, id))
    .collect();
    let delta = &outcome.delta.plan;
    let actual: BTreeSet<(String, &str, String)> = delta
        .actions
        .iter()
        .map(|a| (a.mapping.clone(), a.kind.name(), a.okta_id.clone()))
        .collect();
    assert_eq!(actual, expected, "{}", delta.summary());
    assert_eq!(delta.actions.len(), expected.len());
    assert!(!delta.brake.tripped);
    assert!(delta.held_back.is_empty(), "{}", delta.summary());
    assert!(outcome.delta.report.failures.is_empty());

    // The deletion was seen through the System Log, with the event as evidence.
    let deleted = by("deleted an asset manager");
    let deletion = delta.actions.iter().find(|a| a.okta_id == deleted).unwrap();
    assert!(
        deletion.reason.contains("System Log"),
        "{}",
        deletion.reason
    );

    // The exports exist and name the people.
    let json = std::fs::read_to_string(&outcome.exported[0]).unwrap();
    assert!(json.contains("Principal Engineer"));
}
