//! The cross-language planning cases in `tests/cases/*.json`, run through `plan_offline`.
//! The Python and Node suites run the same files through their bindings; the expected
//! counts in each file were worked out by hand from the de-provisioning rules.

use std::collections::BTreeMap;
use std::path::PathBuf;

use okta_sync_core::engine::{OfflineInput, plan_offline};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    name: String,
    input: serde_json::Value,
    expect: Expect,
}

#[derive(Deserialize)]
struct Expect {
    #[serde(default)]
    actions: BTreeMap<String, u64>,
    #[serde(default)]
    unchanged: Option<BTreeMap<String, u64>>,
    #[serde(default)]
    brake_tripped: Option<bool>,
    #[serde(default)]
    held_back: Option<usize>,
}

fn case_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_cross_language_case_plans_as_expected() {
    let files = case_files();
    assert!(
        files.len() >= 3,
        "expected the shared cases, found {files:?}"
    );
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let case: Case = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not a case file: {e}", file.display()));
        let input = OfflineInput::from_json(&case.input.to_string())
            .unwrap_or_else(|e| panic!("{}: bad input: {e}", case.name));
        let plan = match plan_offline(input) {
            Ok(plan) => plan,
            Err(e) => {
                failures.push(format!("{}: planning failed: {e}", case.name));
                continue;
            }
        };
        let actual: BTreeMap<String, u64> = plan
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect();
        let expected: BTreeMap<String, u64> = case
            .expect
            .actions
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect();
        if actual != expected {
            failures.push(format!(
                "{}: actions {actual:?}, expected {expected:?}\n{}",
                case.name,
                plan.summary()
            ));
        }
        if let Some(unchanged) = &case.expect.unchanged {
            if &plan.unchanged != unchanged {
                failures.push(format!(
                    "{}: unchanged {:?}, expected {unchanged:?}",
                    case.name, plan.unchanged
                ));
            }
        }
        if let Some(tripped) = case.expect.brake_tripped {
            if plan.brake.tripped != tripped {
                failures.push(format!(
                    "{}: brake tripped {}, expected {tripped}",
                    case.name, plan.brake.tripped
                ));
            }
        }
        if let Some(held) = case.expect.held_back {
            if plan.held_back.len() != held {
                failures.push(format!(
                    "{}: {} held back, expected {held}",
                    case.name,
                    plan.held_back.len()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
