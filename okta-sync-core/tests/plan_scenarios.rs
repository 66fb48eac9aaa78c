//! Plans for named scenarios, built on the synthetic fixture org, snapshotted as JSON.
//!
//! Each test also asserts the facts that matter (worked out by hand from the fixture and
//! the rules), so a snapshot is never the only check.

mod common;

use common::ids::*;
use common::{Harness, MemoryTarget, Org, SCENARIO_CONFIG, config, scenario_org};
use okta_sync_core::model::UserStatus;
use okta_sync_core::plan::{Action, ActionKind, Cause, Conflict, Plan, PlanMode};
use serde_json::json;

fn kinds(plan: &Plan) -> Vec<(String, String, String)> {
    plan.actions
        .iter()
        .map(|a| {
            (
                a.mapping.clone(),
                a.okta_id.clone(),
                a.kind.name().to_string(),
            )
        })
        .collect()
}

fn find<'p>(plan: &'p Plan, mapping: &str, okta_id: &str, kind: &str) -> &'p Action {
    plan.actions
        .iter()
        .find(|a| a.mapping == mapping && a.okta_id == okta_id && a.kind.name() == kind)
        .unwrap_or_else(|| panic!("no {kind} for {okta_id} in {mapping}: {:#?}", kinds(plan)))
}

fn t(mapping: &str, id: &str, kind: &str) -> (String, String, String) {
    (mapping.into(), id.into(), kind.into())
}

/// A harness that has applied the first import of the scenario org.
async fn imported() -> (Harness, Org) {
    let mut org = scenario_org();
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let snapshot = org.full();
    h.sync(&org, snapshot, false).await;
    org.tick();
    (h, org)
}

#[tokio::test]
async fn first_import() {
    let mut org = scenario_org();
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let plan = h.plan(&org, org.clone().full()).await;
    let _ = org.full();

    assert_eq!(plan.mode, PlanMode::Full);
    assert!(plan.first_import);
    assert!(!plan.brake.tripped);
    // Engineering (case-insensitive): Dana (ACTIVE), Priya (STAGED), Lee (PROVISIONED,
    // "engineering"); Taylor is DEPROVISIONED, so no record. Logins: Dana (both groups:
    // Administrator wins), Morgan (Administrator), Jamie (LOCKED_OUT syncs, Manager);
    // Casey is SUSPENDED, which deactivates by default, so no login is created.
    assert_eq!(
        kinds(&plan),
        vec![
            t("admins", DANA, "create_login"),
            t("admins", JAMIE, "create_login"),
            t("admins", MORGAN, "create_login"),
            t("engineering", DANA, "create_record"),
            t("engineering", PRIYA, "create_record"),
            t("engineering", LEE, "create_record"),
        ]
    );
    match &find(&plan, "admins", DANA, "create_login").kind {
        ActionKind::CreateLogin { role, email, .. } => {
            assert_eq!(role, "Administrator");
            assert_eq!(email, "dana.rivera@example.com");
        }
        other => panic!("{other:?}"),
    }
    match &find(&plan, "engineering", DANA, "create_record").kind {
        ActionKind::CreateRecord { fields, .. } => {
            assert_eq!(fields["Okta ID"], json!(DANA));
            assert_eq!(fields["Status"], json!("Active"));
            // Owned by Asset Panda, but written on create.
            assert_eq!(fields["Location"], json!("Austin"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(plan.in_scope["engineering"], 3);
    assert_eq!(plan.in_scope["admins"], 3);
    insta::assert_json_snapshot!("first_import", plan);
}

#[tokio::test]
async fn profile_change() {
    let (h, mut org) = imported().await;
    org.set_profile(DANA, "title", json!("Principal Engineer"));
    let plan = h.plan(&org, org.clone().delta()).await;

    assert_eq!(plan.mode, PlanMode::Delta);
    assert_eq!(kinds(&plan), vec![t("engineering", DANA, "update_record")]);
    match &plan.actions[0].kind {
        ActionKind::UpdateRecord { changes, .. } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].field, "Title");
            assert_eq!(changes[0].before, json!("Staff Engineer"));
            assert_eq!(changes[0].after, json!("Principal Engineer"));
        }
        other => panic!("{other:?}"),
    }
    // Dana's login fields (email, names) did not change.
    assert_eq!(plan.unchanged["admins"], 1);
    insta::assert_json_snapshot!("profile_change", plan);
}

#[tokio::test]
async fn an_owned_field_is_never_overwritten() {
    let (h, mut org) = imported().await;
    // Location is owned by Asset Panda: a changed city in Okta changes nothing.
    org.set_profile(DANA, "city", json!("Denver"));
    let plan = h.plan(&org, org.clone().delta()).await;
    assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
    assert_eq!(plan.unchanged["engineering"], 1);
}

#[tokio::test]
async fn email_change_is_an_update_not_a_replacement() {
    let (h, mut org) = imported().await;
    org.set_profile(DANA, "email", json!("dana.rivera-ops@example.com"));
    let plan = h.plan(&org, org.clone().delta()).await;
    assert_eq!(
        kinds(&plan),
        vec![
            t("admins", DANA, "update_login"),
            t("engineering", DANA, "update_record"),
        ]
    );
    assert!(plan.actions.iter().all(|a| !a.is_destructive()));
    assert_eq!(
        plan.actions[0].identity.as_deref(),
        Some("dana.rivera-ops@example.com")
    );
}

#[tokio::test]
async fn department_move_out_of_a_record_mapping() {
    let (h, mut org) = imported().await;
    org.set_profile(LEE, "department", json!("Finance"));
    let plan = h.plan(&org, org.clone().delta()).await;

    assert_eq!(
        kinds(&plan),
        vec![t("engineering", LEE, "mark_record_inactive")]
    );
    match &plan.actions[0].kind {
        ActionKind::MarkRecordInactive {
            cause: Cause::LeftScope { detail },
            field,
            value,
            ..
        } => {
            assert!(detail.contains("Finance"), "{detail}");
            assert_eq!((field.as_str(), value.as_str()), ("Status", "Inactive"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(plan.in_scope["engineering"], 2);
    insta::assert_json_snapshot!("department_move", plan);
}

#[tokio::test]
async fn deactivation_in_okta() {
    let (h, mut org) = imported().await;
    org.set_status(DANA, UserStatus::Deprovisioned);
    let plan = h.plan(&org, org.clone().delta()).await;

    assert_eq!(
        kinds(&plan),
        vec![
            t("admins", DANA, "deactivate_login"),
            t("engineering", DANA, "mark_record_inactive"),
        ]
    );
    let expected = Cause::DeactivatedInOkta {
        status: UserStatus::Deprovisioned,
    };
    match &plan.actions[0].kind {
        ActionKind::DeactivateLogin { cause, .. } => assert_eq!(cause, &expected),
        other => panic!("{other:?}"),
    }
    assert!(!plan.brake.tripped);
    insta::assert_json_snapshot!("deactivation", plan);
}

#[tokio::test]
async fn suspension_follows_the_status_policy() {
    let (h, mut org) = imported().await;
    org.set_status(JAMIE, UserStatus::Suspended);
    let plan = h.plan(&org, org.clone().delta()).await;
    match &find(&plan, "admins", JAMIE, "deactivate_login").kind {
        ActionKind::DeactivateLogin { cause, .. } => assert_eq!(
            cause,
            &Cause::StatusPolicy {
                status: UserStatus::Suspended
            }
        ),
        other => panic!("{other:?}"),
    }
}

/// Jordan Blake is derived from the fixture's first user: the System Log fixtures delete
/// a user `…11` that the users fixture does not contain.
fn with_jordan(org: &mut Org) {
    org.add_user(common::org::derived_user(
        JORDAN,
        "Jordan",
        "Blake",
        Some("Engineering"),
        UserStatus::Active,
    ));
    org.add_member("IT Staff", JORDAN);
}

#[tokio::test]
async fn deletion_seen_only_in_the_system_log() {
    let mut org = scenario_org();
    with_jordan(&mut org);
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let snapshot = org.full();
    h.sync(&org, snapshot, false).await;
    org.tick();

    // Okta deletes Jordan: the listings no longer show them at all, only the log does.
    // The fixture sequence also holds a FAILURE deactivate (ignored) and events for other
    // users that the listings already reflect.
    org.users.remove(JORDAN);
    org.groups.get_mut("IT Staff").unwrap().1.remove(JORDAN);
    org.push_events(common::org::fixture_events(
        "synthetic-logs-deprovision-sequence.json",
    ));
    let mut snapshot = org.delta();
    // The member listing of IT Staff was not re-read: only the log tells.
    snapshot.groups.clear();
    let plan = h.plan(&org, snapshot).await;

    assert_eq!(
        kinds(&plan),
        vec![
            t("admins", JORDAN, "deactivate_login"),
            t("engineering", JORDAN, "mark_record_inactive"),
        ]
    );
    let expected = Cause::DeletedInOkta {
        event_uuid: "5b1c0001-0000-4000-8000-000000000002".into(),
        event_type: "user.lifecycle.delete.completed".into(),
        published: "2026-05-28T11:00:01.480Z".parse().unwrap(),
    };
    for action in &plan.actions {
        match &action.kind {
            ActionKind::DeactivateLogin { cause, .. }
            | ActionKind::MarkRecordInactive { cause, .. } => assert_eq!(cause, &expected),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(plan.state_changes.removed_users, vec![JORDAN.to_string()]);
    insta::assert_json_snapshot!("deletion_in_system_log", plan);
}

#[tokio::test]
async fn removal_from_a_login_group() {
    let (h, mut org) = imported().await;
    org.remove_member("IT Staff", JAMIE);
    let snapshot = org.clone().delta();
    // Jamie's own record did not change, so Okta returns no profile for them.
    assert!(snapshot.users.iter().all(|u| u.id != JAMIE));
    let plan = h.plan(&org, snapshot).await;

    assert_eq!(kinds(&plan), vec![t("admins", JAMIE, "deactivate_login")]);
    match &plan.actions[0].kind {
        ActionKind::DeactivateLogin { cause, .. } => assert_eq!(cause, &Cause::LeftMappedGroups),
        other => panic!("{other:?}"),
    }
    insta::assert_json_snapshot!("removal_from_login_group", plan);
}

#[tokio::test]
async fn a_user_in_two_login_groups() {
    let (mut h, mut org) = imported().await;
    // Dana is in Asset Admins (listed first) and IT Staff: Administrator.
    let login = h
        .target
        .logins()
        .into_values()
        .find(|l| l.email == "dana.rivera@example.com")
        .unwrap();
    assert_eq!(login.role.as_deref(), Some("Administrator"));

    // Leaving Asset Admins leaves IT Staff: a downgrade to Manager, not a deactivation.
    org.remove_member("Asset Admins", DANA);
    let plan = h.plan(&org, org.clone().delta()).await;
    assert_eq!(kinds(&plan), vec![t("admins", DANA, "change_role")]);
    match &plan.actions[0].kind {
        ActionKind::ChangeRole {
            from,
            to,
            downgrade,
            ..
        } => {
            assert_eq!(from.as_deref(), Some("Administrator"));
            assert_eq!(to, "Manager");
            assert!(*downgrade);
        }
        other => panic!("{other:?}"),
    }
    insta::assert_json_snapshot!("two_login_groups_downgrade", plan);
    let _ = org.delta();
    h.apply(&plan, false).await.unwrap();

    // Back into Asset Admins: an upgrade, which is not destructive.
    org.tick();
    org.add_member("Asset Admins", DANA);
    let plan = h.plan(&org, org.clone().delta()).await;
    match &plan.actions[..] {
        [
            Action {
                kind: ActionKind::ChangeRole { to, downgrade, .. },
                ..
            },
        ] => {
            assert_eq!(to, "Administrator");
            assert!(!downgrade);
        }
        other => panic!("{other:#?}"),
    }
}

#[tokio::test]
async fn duplicate_emails() {
    let mut org = scenario_org();
    // A second Okta account (derived from the fixture shape) with Dana's email.
    let mut twin = common::org::derived_user(
        "00usyn00000000000012",
        "Dana",
        "Rivera",
        Some("Engineering"),
        UserStatus::Active,
    );
    twin.profile
        .insert("email".into(), json!("Dana.Rivera@Example.com "));
    twin.profile
        .insert("login".into(), json!("dana.rivera.2@example.com"));
    org.add_user(twin);
    org.add_member("IT Staff", "00usyn00000000000012");
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let plan = h.plan(&org, org.clone().full()).await;

    let both = vec![DANA.to_string(), "00usyn00000000000012".to_string()];
    for id in [DANA, "00usyn00000000000012"] {
        for mapping in ["admins", "engineering"] {
            match &find(&plan, mapping, id, "conflict").kind {
                ActionKind::Conflict {
                    conflict: Conflict::DuplicateIdentity { okta_ids },
                } => assert_eq!(okta_ids, &both),
                other => panic!("{other:?}"),
            }
        }
    }
    // Nothing is written for either of them; the others are unaffected.
    assert!(
        plan.actions
            .iter()
            .filter(|a| a.okta_id == DANA || a.okta_id == "00usyn00000000000012")
            .all(|a| !a.kind.writes())
    );
    assert_eq!(plan.counts["create_record"], 2);
    // Both are re-checked at every run until the admin resolves it.
    assert_eq!(plan.state_changes.retry.get(DANA), Some(&true));
    insta::assert_json_snapshot!("duplicate_emails", plan);
}

#[tokio::test]
async fn adoption_of_existing_entries() {
    let mut org = scenario_org();
    let target = MemoryTarget::full();
    // A record from a CSV import: different case, no Okta id, an outdated title and a
    // Location Asset Panda owns.
    let csv = target.seed_record(
        "Employees",
        [
            ("Name", json!("Dana Rivera")),
            ("Email", json!("DANA.RIVERA@example.com")),
            ("Department", json!("Engineering")),
            ("Title", json!("Senior Engineer")),
            ("Location", json!("Remote")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    );
    // A login someone created by hand, with the wrong role.
    let manual = target.seed_login(
        "jamie.fox@example.com",
        "Collaborator",
        true,
        [("Email", json!("jamie.fox@example.com"))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    );
    // A record made by hand for someone not in scope: never touched.
    target.seed_record(
        "Employees",
        [
            ("Name", json!("Visitor")),
            ("Email", json!("visitor@example.com")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    );
    let mut h = Harness::new(config(SCENARIO_CONFIG), target);
    let plan = h.plan(&org, org.clone().full()).await;

    match &find(&plan, "engineering", DANA, "adopt_record").kind {
        ActionKind::AdoptRecord {
            record_id,
            stamp_field,
            changes,
            ..
        } => {
            assert_eq!(record_id, &csv);
            assert_eq!(stamp_field, "Okta ID");
            let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
            // Email differs only by case (normalised for matching, written as mapped);
            // Location is owned by Asset Panda and left as it is.
            assert_eq!(fields, ["Email", "Okta ID", "Status", "Title"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        find(&plan, "admins", JAMIE, "adopt_login").kind
            == ActionKind::AdoptLogin {
                login_id: manual.clone()
            }
    );
    match &find(&plan, "admins", JAMIE, "change_role").kind {
        ActionKind::ChangeRole { from, to, .. } => {
            assert_eq!(from.as_deref(), Some("Collaborator"));
            assert_eq!(to, "Manager");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        plan.actions
            .iter()
            .all(|a| a.kind.name() != "create_login" || a.okta_id != JAMIE)
    );
    insta::assert_json_snapshot!("adoption", plan);

    let _ = org.full();
    h.apply(&plan, false).await.unwrap();
    let records = h.target.records("Employees");
    assert_eq!(records.len(), 4, "adopted, not duplicated: {records:#?}");
    assert_eq!(records[&csv]["Okta ID"], json!(DANA));
    assert_eq!(records[&csv]["Location"], json!("Remote"));
    // Applying leaves nothing to do.
    org.tick();
    let again = h.plan(&org, org.clone().full()).await;
    assert!(again.actions.is_empty(), "{:#?}", again.actions);
}

#[tokio::test]
async fn an_incomplete_listing_holds_back_destructive_actions() {
    let (h, mut org) = imported().await;
    // Dana is deactivated, Lee leaves Engineering, and a new engineer arrives; but the
    // users listing failed on a later page, so Morgan (and who knows who else) is absent.
    org.set_status(DANA, UserStatus::Deprovisioned);
    org.set_profile(LEE, "department", json!("Finance"));
    org.add_user(common::org::derived_user(
        "00usyn00000000000013",
        "Avery",
        "Stone",
        Some("Engineering"),
        UserStatus::Active,
    ));
    let mut snapshot = org.clone().full();
    snapshot.users.retain(|u| u.id != MORGAN);
    snapshot.users_complete = false;
    snapshot.gaps.push(okta_sync_core::directory::Gap {
        listing: "users".into(),
        reason: "HTTP 500 on page 3 after 4 retries".into(),
    });
    let plan = h.plan(&org, snapshot).await;

    // The create proceeds; nothing destructive is planned; Morgan is not "missing".
    assert_eq!(
        kinds(&plan),
        vec![t("engineering", "00usyn00000000000013", "create_record")]
    );
    let held: Vec<(String, String)> = plan
        .held_back
        .iter()
        .map(|h| (h.action.okta_id.clone(), h.action.kind.name().to_string()))
        .collect();
    assert_eq!(
        held,
        vec![
            (DANA.to_string(), "deactivate_login".to_string()),
            (DANA.to_string(), "mark_record_inactive".to_string()),
            (LEE.to_string(), "mark_record_inactive".to_string()),
        ]
    );
    assert!(plan.held_back[0].reason.contains("HTTP 500 on page 3"));
    // Not a successful full reconcile: no watermark, no baseline, no full-sync mark.
    assert_eq!(plan.state_changes.watermark, None);
    assert_eq!(plan.state_changes.last_full_sync, None);
    assert!(plan.state_changes.baseline.is_empty());
    // The held-back users are re-read next time.
    assert_eq!(plan.state_changes.retry.get(DANA), Some(&true));
    assert_eq!(plan.state_changes.retry.get(LEE), Some(&true));
    insta::assert_json_snapshot!("incomplete_listing", plan);
}

#[tokio::test]
async fn an_unresolved_group_holds_back_its_departures() {
    let (h, mut org) = imported().await;
    // "Asset Admins" was renamed in Okta: it no longer resolves, and nobody appears in
    // it. Without the guard, Morgan would lose their login.
    let mut snapshot = org.full();
    snapshot.groups.remove("Asset Admins");
    snapshot.unresolved_groups.push("Asset Admins".into());
    let plan = h.plan(&org, snapshot).await;
    assert!(plan.actions.iter().all(|a| !a.is_destructive()));
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.message.contains("Asset Admins"))
    );
}

#[tokio::test]
async fn missing_without_event_is_reported_by_default() {
    let (mut h, mut org) = imported().await;
    // An engine that does not fetch absentees by id leaves the planner with absence only.
    h.fetch_by_id = false;
    // Lee vanishes from a complete full listing with no event (deleted > 90 days ago,
    // or the log was not readable).
    org.users.remove(LEE);
    let plan = h.plan(&org, org.clone().full()).await;
    assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
    let warning = plan
        .warnings
        .iter()
        .find(|w| w.okta_id.as_deref() == Some(LEE))
        .unwrap();
    assert_eq!(warning.mapping.as_deref(), Some("engineering"));
    // Lee is remembered, so the next reconcile reports them again.
    assert!(!plan.state_changes.removed_users.contains(&LEE.to_string()));

    // With `missing_without_event: deactivate`, absence counts as deletion.
    let yaml =
        SCENARIO_CONFIG.to_string() + "deprovisioning:\n  missing_without_event: deactivate\n";
    let mut h2 = Harness::new(config(&yaml), MemoryTarget::full());
    let mut org2 = scenario_org();
    let snapshot = org2.full();
    h2.sync(&org2, snapshot, false).await;
    org2.tick();
    org2.users.remove(LEE);
    h2.fetch_by_id = false;
    let plan = h2.plan(&org2, org2.clone().full()).await;
    match &plan.actions[..] {
        [a] => assert_eq!(
            a.kind,
            ActionKind::MarkRecordInactive {
                collection: "Employees".into(),
                record_id: h2.state().links["engineering"][LEE].target_id.clone(),
                cause: Cause::MissingFromOkta,
                field: "Status".into(),
                value: "Inactive".into(),
            }
        ),
        other => panic!("{other:#?}"),
    }
}

#[tokio::test]
async fn a_404_on_fetch_by_id_is_evidence_of_deletion() {
    let (mut h, mut org) = imported().await;
    // Jamie leaves IT Staff and is deleted, but the log read missed it: the engine
    // fetches Jamie by id and Okta answers 404.
    org.users.remove(JAMIE);
    org.remove_member("IT Staff", JAMIE);
    let plan = h.plan(&org, org.clone().delta()).await;
    match &plan.actions[..] {
        [
            Action {
                kind: ActionKind::DeactivateLogin { cause, .. },
                ..
            },
        ] => assert!(matches!(cause, Cause::NotFoundInOkta { .. })),
        other => panic!("{other:#?}"),
    }
    let _ = org.delta();
    h.apply(&plan, false).await.unwrap();
    assert!(!h.state().users.contains_key(JAMIE));
}

#[tokio::test]
async fn a_target_without_user_management_gets_manual_actions() {
    let mut org = scenario_org();
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::invite_only());
    let snapshot = org.full();
    let (plan, _) = h.sync(&org, snapshot, false).await;
    assert_eq!(plan.counts["create_login"], 3);
    org.tick();

    org.set_status(DANA, UserStatus::Deprovisioned);
    org.remove_member("Asset Admins", MORGAN);
    org.add_member("IT Staff", MORGAN);
    let plan = h.plan(&org, org.clone().delta()).await;
    let manual: Vec<(&str, &str, &str)> = plan
        .manual_actions()
        .map(|a| match &a.kind {
            ActionKind::Manual {
                capability,
                intended,
            } => (a.okta_id.as_str(), capability.as_str(), intended.name()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        manual,
        vec![
            (DANA, "deactivate_login", "deactivate_login"),
            (MORGAN, "change_role", "change_role"),
        ]
    );
    // The record side is writable and proceeds.
    find(&plan, "engineering", DANA, "mark_record_inactive");
    // The link still says active: the admin's manual deactivation is not assumed.
    let link = plan
        .state_changes
        .links
        .get(&("admins".to_string(), DANA.to_string()));
    assert_eq!(link, None);
    insta::assert_json_snapshot!("manual_actions", plan);
}

#[tokio::test]
async fn an_ungrantable_role_is_a_conflict() {
    let yaml = SCENARIO_CONFIG.replace("role: Administrator", "role: Organization Admin");
    let org = scenario_org();
    let h = Harness::new(config(&yaml), MemoryTarget::invite_only());
    let plan = h.plan(&org, org.clone().full()).await;
    match &find(&plan, "admins", MORGAN, "conflict").kind {
        ActionKind::Conflict {
            conflict: Conflict::UngrantableRole { role },
        } => assert_eq!(role, "Organization Admin"),
        other => panic!("{other:?}"),
    }
    // Jamie's Manager role is grantable.
    find(&plan, "admins", JAMIE, "create_login");
}

#[tokio::test]
async fn plans_are_byte_identical_and_survive_a_json_round_trip() {
    let org = scenario_org();
    let h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let a = h.plan(&org, org.clone().full()).await;
    // The same directory listed in another order gives the same plan.
    let mut shuffled = org.clone().full();
    shuffled.users.reverse();
    let b = h.plan(&org, shuffled).await;
    let text = serde_json::to_string(&a).unwrap();
    assert_eq!(text, serde_json::to_string(&b).unwrap());

    let back: Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, a);
    assert_eq!(okta_sync_core::plan::plan_hash(&back).unwrap(), a.hash);
}

/// An org of `n` engineers derived from the fixture's first user.
fn engineers(n: usize) -> Org {
    let mut org = Org::new();
    for i in 0..n {
        org.add_user(common::org::derived_user(
            &format!("00usynbrake{i:09}"),
            "Engineer",
            &format!("N{i:03}"),
            Some("Engineering"),
            UserStatus::Active,
        ));
    }
    org
}

#[tokio::test]
async fn a_brake_trip_and_its_approval() {
    let mut org = engineers(40);
    let mut h = Harness::new(config(SCENARIO_CONFIG), MemoryTarget::full());
    let snapshot = org.full();
    let (first, _) = h.sync(&org, snapshot, false).await;
    assert!(first.first_import && !first.brake.tripped);
    assert_eq!(first.counts["create_record"], 40);
    org.tick();

    // 30 of the 40 are deactivated at once (a bad bulk edit, or a rule gone wrong).
    for i in 0..30 {
        org.set_status(&format!("00usynbrake{i:09}"), UserStatus::Deprovisioned);
    }
    let plan = h.plan(&org, org.clone().delta()).await;
    assert_eq!(plan.counts["mark_record_inactive"], 30);
    assert!(plan.brake.tripped);
    let counts = &plan.brake.counts;
    // 30 > 25 and 30 > 10 % of 40; in scope 40 → 10 is a 75 % drop (> 20 %).
    assert_eq!(
        (
            counts.destructive,
            counts.managed,
            counts.in_scope,
            counts.baseline
        ),
        (30, 40, 10, 40)
    );
    let reason = plan.brake.reason.clone().unwrap();
    assert!(reason.contains("30 deactivations") && reason.contains("dropped from 40 to 10"));
    insta::assert_json_snapshot!("brake_tripped", plan.brake);

    // Refused without an approval: nothing written, nothing committed.
    let writes_before = h.target.log().len();
    let err = h.apply(&plan, false).await.unwrap_err();
    assert_eq!(err.code(), "SAFETY_BRAKE_TRIPPED");
    match &err {
        okta_sync_core::Error::BrakeTripped {
            plan_hash, counts, ..
        } => {
            assert_eq!(plan_hash, &plan.hash);
            assert_eq!(counts.destructive, 30);
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!("brake_tripped_error", err.to_string());
    assert_eq!(h.target.log().len(), writes_before);

    // An approval of another plan (here: the same change seen a minute later, which
    // hashes differently) approves nothing.
    let mut later = org.clone();
    later.tick();
    let other_plan = h.plan(&later, later.clone().delta()).await;
    assert_ne!(other_plan.hash, plan.hash);
    let mut options = h.options.clone();
    options.approval = Some(okta_sync_core::plan::Approval {
        plan_hash: other_plan.hash.clone(),
    });
    let err = okta_sync_core::plan::apply(
        &plan,
        &h.target,
        &options,
        &okta_sync_core::plan::NoopObserver,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "APPROVAL_MISMATCH");
    assert_eq!(h.target.log().len(), writes_before);

    // The approval of this exact plan lets it through.
    let _ = org.delta();
    let outcome = h.apply(&plan, true).await.unwrap();
    assert!(outcome.report.approved);
    assert_eq!(outcome.report.counts["mark_record_inactive"].done, 30);
    assert_eq!(h.state().baseline["engineering"], 10);
}

#[tokio::test]
async fn a_population_drop_alone_trips_the_brake() {
    // Without an inactive marker, people leaving a record mapping cause no action at all;
    // only the drop of the in-scope population shows that something is wrong.
    let yaml = SCENARIO_CONFIG.replace(
        "    inactive: { field: Status, inactive_value: Inactive, active_value: Active }\n",
        "",
    );
    let run = |n: usize, leaving: usize| {
        let yaml = yaml.clone();
        async move {
            let mut org = engineers(n);
            let mut h = Harness::new(config(&yaml), MemoryTarget::full());
            let snapshot = org.full();
            h.sync(&org, snapshot, false).await;
            org.tick();
            for i in 0..leaving {
                org.set_profile(&format!("00usynbrake{i:09}"), "department", json!("Sales"));
            }
            h.plan(&org, org.clone().delta()).await
        }
    };
    // 30 of 100 (30 %, more than 25 people): tripped with nothing destructive planned.
    let plan = run(100, 30).await;
    assert!(plan.actions.is_empty());
    assert!(plan.brake.tripped);
    assert!(
        plan.brake
            .reason
            .as_deref()
            .unwrap()
            .contains("dropped from 100 to 70")
    );
    // 3 of 10 (30 %, but 3 people): a small org is not blocked.
    let plan = run(10, 3).await;
    assert!(!plan.brake.tripped, "{:?}", plan.brake);
    // 20 of 100 (20 %, not more): fine.
    let plan = run(100, 20).await;
    assert!(!plan.brake.tripped, "{:?}", plan.brake);
}
