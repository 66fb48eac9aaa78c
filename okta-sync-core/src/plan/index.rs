//! Lookup tables the planner needs: who in the sync state holds an identifier, who owns a
//! target entry, and which target entries carry a stamp or an identifier value.
//!
//! [`StateIndex`] costs a pass over the whole state to build, which a delta of 100 changes
//! against a million users cannot afford on every run. An engine that keeps the state in
//! memory between runs builds it once and keeps it current with [`StateIndex::apply`]; the
//! planner checks it against the state's sizes and rebuilds it if it is stale.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::lookup::{Few, insert_few, normalized};
use crate::config::UniqueIdentifier;
use crate::state::{StateChanges, SyncState};
use crate::target::{Fields, TargetHoldings, TargetLogin, TargetRecord};

/// Reverse indexes over a [`SyncState`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateIndex {
    /// Normalised identifier → Okta ids that had it at the last run (sorted).
    by_identity: FxHashMap<String, Vec<String>>,
    /// Mapping → target id → Okta id of the link.
    owners: FxHashMap<String, FxHashMap<String, String>>,
    /// Sizes of the indexed state, for the staleness check.
    users: usize,
    links: BTreeMap<String, usize>,
}

impl StateIndex {
    /// Indexes `state` (one pass over users and links).
    pub fn new(state: &SyncState) -> Self {
        let mut index = StateIndex {
            users: state.users.len(),
            ..StateIndex::default()
        };
        index.by_identity.reserve(state.users.len());
        for (id, user) in &state.users {
            if let Some(identity) = &user.identity {
                index.add_holder(identity, id);
            }
        }
        for (mapping, links) in state.links.iter().filter(|(_, l)| !l.is_empty()) {
            let owners: FxHashMap<String, String> = links
                .iter()
                .filter(|(_, link)| !link.target_id.is_empty())
                .map(|(okta_id, link)| (link.target_id.clone(), okta_id.clone()))
                .collect();
            if !owners.is_empty() {
                index.owners.insert(mapping.clone(), owners);
            }
            index.links.insert(mapping.clone(), links.len());
        }
        index
    }

    /// Updates the index for `changes`. Call it with the state as it was **before**
    /// `state.apply(changes)`.
    pub fn apply(&mut self, before: &SyncState, changes: &StateChanges) {
        let mut users = self.users;
        for (id, user) in &changes.users {
            match before.users.get(id) {
                Some(old) => {
                    if let Some(old_identity) = &old.identity {
                        self.remove_holder(old_identity, id);
                    }
                }
                None => users += 1,
            }
            if let Some(identity) = &user.identity {
                self.add_holder(identity, id);
            }
        }
        let mut removed: Vec<&String> = changes.removed_users.iter().collect();
        removed.sort();
        removed.dedup();
        for id in removed {
            let identity = match changes.users.get(id) {
                Some(new) => new.identity.as_ref(),
                None if before.users.contains_key(id) => {
                    before.users.get(id).and_then(|u| u.identity.as_ref())
                }
                None => continue,
            };
            if let Some(identity) = identity {
                self.remove_holder(identity, id);
            }
            users -= 1;
        }
        self.users = users;

        for ((mapping, okta_id), link) in &changes.links {
            let old = before.links.get(mapping).and_then(|l| l.get(okta_id));
            let owners = self.owners.entry(mapping.clone()).or_default();
            if let Some(old) = old {
                if owners.get(&old.target_id) == Some(okta_id) {
                    owners.remove(&old.target_id);
                }
            }
            if let Some(link) = link {
                if !link.target_id.is_empty() {
                    owners.insert(link.target_id.clone(), okta_id.clone());
                }
            }
            if owners.is_empty() {
                self.owners.remove(mapping);
            }
            let count = self.links.entry(mapping.clone()).or_insert(0);
            match (old.is_some(), link.is_some()) {
                (false, true) => *count += 1,
                (true, false) => *count -= 1,
                _ => {}
            }
            if *count == 0 {
                self.links.remove(mapping);
            }
        }
    }

    /// True when the index plausibly describes `state` (same numbers of users and links).
    /// Cheap, so the planner can afford it on every run.
    pub fn matches(&self, state: &SyncState) -> bool {
        self.users == state.users.len()
            && state
                .links
                .iter()
                .all(|(m, l)| self.links.get(m).copied().unwrap_or(0) == l.len())
            && self
                .links
                .iter()
                .all(|(m, n)| *n == 0 || state.links.get(m).map(|l| l.len()) == Some(*n))
    }

    /// Okta ids that had `identity` at the last run.
    pub(crate) fn holders(&self, identity: &str) -> &[String] {
        self.by_identity.get(identity).map_or(&[], Vec::as_slice)
    }

    /// The Okta id linked to `target_id` in `mapping`.
    pub(crate) fn owner(&self, mapping: &str, target_id: &str) -> Option<&str> {
        self.owners
            .get(mapping)
            .and_then(|o| o.get(target_id))
            .map(String::as_str)
    }

    fn add_holder(&mut self, identity: &str, id: &str) {
        match self.by_identity.get_mut(identity) {
            Some(holders) => {
                if let Err(at) = holders.binary_search_by(|h| h.as_str().cmp(id)) {
                    holders.insert(at, id.to_string());
                }
            }
            None => {
                self.by_identity
                    .insert(identity.to_string(), vec![id.to_string()]);
            }
        }
    }

    fn remove_holder(&mut self, identity: &str, id: &str) {
        if let Some(holders) = self.by_identity.get_mut(identity) {
            if let Ok(at) = holders.binary_search_by(|h| h.as_str().cmp(id)) {
                holders.remove(at);
            }
            if holders.is_empty() {
                self.by_identity.remove(identity);
            }
        }
    }
}

/// A field value as text, for matching; `None` for values that cannot identify anyone.
pub(crate) fn value_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(Cow::Borrowed(s.trim())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// What one mapping's target holdings contain, indexed for matching.
///
/// Entries are found by id for every linked user; the stamp and identifier indexes are
/// only needed to match users without a link, so they are built on first use.
#[derive(Debug)]
pub(crate) struct TargetIndex<'a> {
    holdings: &'a TargetHoldings,
    uid: UniqueIdentifier,
    identifier_field: Option<String>,
    stamp_field: Option<String>,
    records: FxHashMap<&'a str, &'a TargetRecord>,
    logins: FxHashMap<&'a str, &'a TargetLogin>,
    matching: OnceCell<Matching<'a>>,
}

#[derive(Debug, Default)]
struct Matching<'a> {
    records_by_stamp: FxHashMap<Cow<'a, str>, Few<&'a TargetRecord>>,
    records_by_identity: FxHashMap<Cow<'a, str>, Few<&'a TargetRecord>>,
    logins_by_identity: FxHashMap<Cow<'a, str>, Few<&'a TargetLogin>>,
}

impl<'a> TargetIndex<'a> {
    /// Indexes `holdings` by id; by Okta id stamp (`stamp_field`) and by normalised
    /// identifier (`identifier_field`, and for logins also the login email when the unique
    /// identifier is the email) when first asked.
    pub(crate) fn new(
        holdings: &'a TargetHoldings,
        uid: UniqueIdentifier,
        identifier_field: Option<&str>,
        stamp_field: Option<&str>,
    ) -> Self {
        TargetIndex {
            holdings,
            uid,
            identifier_field: identifier_field.map(str::to_string),
            stamp_field: stamp_field.map(str::to_string),
            records: holdings
                .records
                .iter()
                .map(|r| (r.id.as_str(), r))
                .collect(),
            logins: holdings.logins.iter().map(|l| (l.id.as_str(), l)).collect(),
            matching: OnceCell::new(),
        }
    }

    fn matching(&self) -> &Matching<'a> {
        self.matching.get_or_init(|| {
            let mut m = Matching::default();
            let uid = self.uid;
            let identity_of = |fields: &'a Fields| {
                self.identifier_field
                    .as_deref()
                    .and_then(|f| fields.get(f))
                    .and_then(value_text)
                    .map(|v| match v {
                        Cow::Borrowed(v) => normalized(uid, v),
                        Cow::Owned(v) => Cow::Owned(normalized(uid, &v).into_owned()),
                    })
                    .filter(|v| !v.is_empty())
            };
            for record in &self.holdings.records {
                if let Some(stamp) = self
                    .stamp_field
                    .as_deref()
                    .and_then(|f| record.fields.get(f))
                    .and_then(value_text)
                {
                    insert_few(&mut m.records_by_stamp, stamp, record);
                }
                if let Some(identity) = identity_of(&record.fields) {
                    insert_few(&mut m.records_by_identity, identity, record);
                }
            }
            for login in &self.holdings.logins {
                let by_field = identity_of(&login.fields);
                let by_email = (uid == UniqueIdentifier::Email)
                    .then(|| normalized(uid, login.email.as_str()))
                    .filter(|e| !e.is_empty() && Some(e) != by_field.as_ref());
                for key in by_field.into_iter().chain(by_email) {
                    insert_few(&mut m.logins_by_identity, key, login);
                }
            }
            m
        })
    }

    pub(crate) fn record(&self, id: &str) -> Option<&'a TargetRecord> {
        self.records.get(id).copied()
    }

    pub(crate) fn login(&self, id: &str) -> Option<&'a TargetLogin> {
        self.logins.get(id).copied()
    }

    pub(crate) fn records_stamped(&self, okta_id: &str) -> &[&'a TargetRecord] {
        self.matching()
            .records_by_stamp
            .get(okta_id)
            .map_or(&[], Few::as_slice)
    }

    pub(crate) fn records_with_identity(&self, identity: &str) -> &[&'a TargetRecord] {
        self.matching()
            .records_by_identity
            .get(identity)
            .map_or(&[], Few::as_slice)
    }

    pub(crate) fn logins_with_identity(&self, identity: &str) -> &[&'a TargetLogin] {
        self.matching()
            .logins_by_identity
            .get(identity)
            .map_or(&[], Few::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::UserStatus;
    use crate::state::{Link, Origin, UserState};

    fn user(identity: &str) -> UserState {
        UserState {
            status: UserStatus::Active,
            identity: Some(identity.to_string()),
            last_updated: Some(chrono::Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()),
            department: None,
        }
    }

    fn link(target: &str) -> Link {
        Link {
            target_id: target.to_string(),
            origin: Origin::Created,
            active: true,
            role: None,
            fingerprint: 7,
        }
    }

    #[test]
    fn incremental_apply_equals_a_rebuild() {
        let mut state = SyncState::default();
        state.users.insert("u1".into(), user("a@example.com"));
        state.users.insert("u2".into(), user("b@example.com"));
        state.users.insert("u3".into(), user("a@example.com"));
        let links = state.links.entry("people".into()).or_default();
        links.insert("u1".into(), link("r1"));
        links.insert("u2".into(), link("r2"));
        let mut index = StateIndex::new(&state);
        assert_eq!(index.holders("a@example.com"), ["u1", "u3"]);
        assert_eq!(index.owner("people", "r2"), Some("u2"));

        let mut changes = StateChanges::default();
        // u1 changes email, u2 is deleted, u4 is new; u3's link is created, u1's moves.
        changes.users.insert("u1".into(), user("c@example.com"));
        changes.users.insert("u4".into(), user("b@example.com"));
        changes.removed_users = vec!["u2".into(), "u2".into(), "nobody".into()];
        changes
            .links
            .insert(("people".into(), "u3".into()), Some(link("r3")));
        changes
            .links
            .insert(("people".into(), "u1".into()), Some(link("r9")));
        changes.links.insert(("people".into(), "u2".into()), None);
        changes
            .links
            .insert(("admins".into(), "u4".into()), Some(link("l4")));

        index.apply(&state, &changes);
        state.apply(&changes);
        assert_eq!(index, StateIndex::new(&state));
        assert!(index.matches(&state));
        assert_eq!(index.holders("a@example.com"), ["u3"]);
        assert_eq!(index.holders("b@example.com"), ["u4"]);
        assert_eq!(index.owner("people", "r1"), None);
        assert_eq!(index.owner("people", "r9"), Some("u1"));
    }

    #[test]
    fn a_stale_index_is_detected() {
        let mut state = SyncState::default();
        state.users.insert("u1".into(), user("a@example.com"));
        let index = StateIndex::new(&state);
        state.users.insert("u2".into(), user("b@example.com"));
        assert!(!index.matches(&state));
    }
}
