//! A long-lived engine keeps the planner's `StateIndex` current by applying each commit's
//! changes to it instead of rebuilding it; for any state and any changes, that must give
//! exactly the index a rebuild gives.

use okta_sync_core::model::UserStatus;
use okta_sync_core::plan::StateIndex;
use okta_sync_core::state::{Link, Origin, StateChanges, SyncState, UserState};
use proptest::prelude::*;

const USERS: [&str; 6] = ["u0", "u1", "u2", "u3", "u4", "u5"];
const IDENTITIES: [&str; 3] = ["a@example.com", "b@example.com", "c@example.com"];
const MAPPINGS: [&str; 2] = ["employees", "logins"];

fn user(identity: Option<usize>) -> UserState {
    UserState {
        status: UserStatus::Active,
        identity: identity.map(|i| IDENTITIES[i].to_string()),
        last_updated: None,
        department: None,
    }
}

/// Target ids are unique per (mapping, user, version): two users never own one entry,
/// which the planner never produces either. Version 0 is an empty id (a create whose id
/// is not known).
fn link(mapping: usize, user: usize, version: u8) -> Link {
    Link {
        target_id: if version == 0 {
            String::new()
        } else {
            format!("{}-{}-{version}", MAPPINGS[mapping], USERS[user])
        },
        origin: Origin::Created,
        active: true,
        role: None,
        fingerprint: 1,
    }
}

fn users() -> impl Strategy<Value = Vec<(usize, Option<usize>)>> {
    prop::collection::vec(
        (0..USERS.len(), prop::option::of(0..IDENTITIES.len())),
        0..8,
    )
}

fn links() -> impl Strategy<Value = Vec<(usize, usize, Option<u8>)>> {
    prop::collection::vec(
        (0..MAPPINGS.len(), 0..USERS.len(), prop::option::of(0u8..3)),
        0..8,
    )
}

fn state_from(users: &[(usize, Option<usize>)], links: &[(usize, usize, Option<u8>)]) -> SyncState {
    let mut state = SyncState::default();
    for (u, identity) in users {
        state.users.insert(USERS[*u].into(), user(*identity));
    }
    for (m, u, version) in links {
        if let Some(version) = version {
            state
                .links
                .entry(MAPPINGS[*m].into())
                .or_default()
                .insert(USERS[*u].into(), link(*m, *u, *version));
        }
    }
    state
}

proptest! {
    #[test]
    fn applying_changes_equals_rebuilding(
        before_users in users(),
        before_links in links(),
        changed_users in users(),
        removed in prop::collection::vec(0..USERS.len(), 0..4),
        changed_links in links(),
    ) {
        let mut state = state_from(&before_users, &before_links);
        let mut changes = StateChanges::default();
        for (u, identity) in &changed_users {
            changes.users.insert(USERS[*u].into(), user(*identity));
        }
        changes.removed_users = removed.iter().map(|u| USERS[*u].to_string()).collect();
        for (m, u, version) in &changed_links {
            changes.links.insert(
                (MAPPINGS[*m].into(), USERS[*u].into()),
                version.map(|v| link(*m, *u, v + 3)),
            );
        }

        let mut index = StateIndex::new(&state);
        index.apply(&state, &changes);
        state.apply(&changes);
        prop_assert_eq!(&index, &StateIndex::new(&state));
        prop_assert!(index.matches(&state));
    }
}
