//! The mapping engine and filters applied to fixture users, as a sync plans them.

use std::path::Path;

use okta_sync_core::config::{Mapping, SyncConfig, UniqueIdentifier};
use okta_sync_core::filter::{FilterEvaluator, Memberships};
use okta_sync_core::mapping::{CompiledMapping, MappedUser};
use okta_sync_core::model::{DirectoryUser, decode_users};
use serde_json::{Value, json};

fn users() -> Vec<DirectoryUser> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/okta/synthetic-users-list-all-statuses.json");
    decode_users(&std::fs::read(path).unwrap(), "users").unwrap()
}

fn mapping(config: &str, index: usize) -> Mapping {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(config);
    SyncConfig::from_path(path).unwrap().mappings[index].clone()
}

struct NoGroups;

impl Memberships for NoGroups {
    fn is_member(&self, _: &str, _: &str) -> bool {
        false
    }
}

#[test]
fn employees_mapping_admits_engineering_and_sales_staff() {
    let m = mapping("record-employees.yaml", 0);
    let filter = FilterEvaluator::for_mapping(&m);
    let admitted: Vec<String> = users()
        .iter()
        .filter(|u| filter.admits(u, &NoGroups))
        .map(|u| u.id.clone())
        .collect();
    // 01 ACTIVE Engineering, 02 ACTIVE Sales, 04 PROVISIONED "engineering" (case ignored).
    // Out: 03 STAGED, 09 DEPROVISIONED (status); 05, 06, 08, 10 (department); 07 (none).
    assert_eq!(
        admitted,
        [
            "00usyn00000000000001",
            "00usyn00000000000002",
            "00usyn00000000000004"
        ]
    );
}

#[test]
fn employees_mapping_writes_the_expected_fields() {
    let m = mapping("record-employees.yaml", 0);
    let compiled = CompiledMapping::new(m.fields()).unwrap();
    let users = users();
    let by_id = |id: &str| users.iter().find(|u| u.id == id).unwrap();

    let dana = compiled.map(by_id("00usyn00000000000001"));
    assert_eq!(dana.problems, []);
    assert_eq!(
        serde_json::to_value(&dana.fields).unwrap(),
        json!({
            "Department": "Engineering",
            "Email": "dana.rivera@example.com",
            "Employee Number": "E1001",
            "Name": "Dana Rivera",
            "Okta Status": "Active",
            "Start Date": "03/01/2021"
        })
    );

    // No hireDate: the optional field is absent, not null.
    let sam = compiled.map(by_id("00usyn00000000000002"));
    assert!(!sam.fields.contains_key("Start Date"));
    assert_eq!(sam.fields["Okta Status"], json!("Active"));

    // PROVISIONED is not in the lookup table, so `otherwise` applies.
    let lee = compiled.map(by_id("00usyn00000000000004"));
    assert_eq!(lee.fields["Okta Status"], json!("Inactive"));
    assert_eq!(lee.fields["Department"], json!("engineering"));

    // No employee number: absent.
    let robin = compiled.map(by_id("00usyn00000000000007"));
    assert!(!robin.fields.contains_key("Employee Number"));
    assert!(!robin.fields.contains_key("Department"));

    assert_eq!(
        compiled.identifier_field(UniqueIdentifier::Email),
        Some("Email")
    );
}

#[test]
fn mapped_records_snapshot() {
    let m = mapping("record-employees.yaml", 0);
    let compiled = CompiledMapping::new(m.fields()).unwrap();
    let filter = FilterEvaluator::for_mapping(&m);
    let rows: Vec<Value> = users()
        .iter()
        .map(|u| {
            let MappedUser { fields, problems } = compiled.map(u);
            json!({
                "id": u.id,
                "scope": filter.explain(u, &NoGroups),
                "fields": fields,
                "problems": problems,
            })
        })
        .collect();
    insta::assert_json_snapshot!("employees_records", rows);
}

#[test]
fn login_mapping_reports_a_required_email_that_is_missing() {
    let m = mapping("login-admins.yaml", 0);
    let compiled = CompiledMapping::new(m.fields()).unwrap();
    let mut user = users()[0].clone();
    user.profile.insert("email".into(), Value::Null);
    let mapped = compiled.map(&user);
    assert_eq!(mapped.problems.len(), 1);
    assert_eq!(mapped.problems[0].field, "Email");
    assert!(!mapped.fields.contains_key("Email"));
    assert_eq!(mapped.fields["First Name"], json!("Dana"));
}

#[test]
fn custom_attributes_keep_their_json_type() {
    let m = CompiledMapping::new(&[
        serde_json::from_value(json!({"target": "Badge", "source": "profile.badge"})).unwrap(),
        serde_json::from_value(json!({"target": "Remote", "source": "profile.remote"})).unwrap(),
        serde_json::from_value(
            json!({"target": "Badge text", "source": "profile.badge", "transforms": ["trim"]}),
        )
        .unwrap(),
    ])
    .unwrap();
    let mut user = users()[0].clone();
    user.profile.insert("badge".into(), json!(4711));
    user.profile.insert("remote".into(), json!(true));
    let mapped = m.map(&user);
    assert_eq!(mapped.fields["Badge"], json!(4711));
    assert_eq!(mapped.fields["Remote"], json!(true));
    assert_eq!(mapped.fields["Badge text"], json!("4711"));
}
