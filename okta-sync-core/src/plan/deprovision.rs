//! Evidence that a user is gone from Okta, and how absence is read.
//!
//! Deletion is only ever concluded from positive evidence: a successful
//! `user.lifecycle.delete.*` event in the System Log, or a 404 when the engine fetched the
//! user by id. Absence from a delta means "unchanged". Absence from a complete, unfiltered
//! full listing with no event is "missing", handled by
//! `deprovisioning.missing_without_event` (by default a review entry, not a write).

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

use super::types::Cause;
use crate::model::{DirectoryUser, EventKind, LifecycleEvent};

/// Deletion evidence per Okta id.
///
/// Of several events for one user, `delete.completed` is preferred to `delete.initiated`,
/// then the earliest, then the smallest uuid, so the cited evidence does not depend on the
/// order the log was read in. A 404 is used only when the log has nothing.
pub(crate) fn deletion_evidence<'a>(
    events: &'a [LifecycleEvent],
    not_found: &'a [String],
    now: DateTime<Utc>,
) -> FxHashMap<&'a str, Cause> {
    let mut best: FxHashMap<&str, &LifecycleEvent> = FxHashMap::default();
    for event in events.iter().filter(|e| e.kind.is_deletion()) {
        let key = |e: &LifecycleEvent| {
            (
                e.kind != EventKind::DeleteCompleted,
                e.published,
                e.uuid.clone(),
            )
        };
        best.entry(event.user_id.as_str())
            .and_modify(|held| {
                if key(event) < key(held) {
                    *held = event;
                }
            })
            .or_insert(event);
    }
    let mut evidence: FxHashMap<&str, Cause> = best
        .into_iter()
        .map(|(id, e)| {
            let event_type = match e.kind {
                EventKind::DeleteCompleted => "user.lifecycle.delete.completed",
                _ => "user.lifecycle.delete.initiated",
            };
            (
                id,
                Cause::DeletedInOkta {
                    event_uuid: e.uuid.clone(),
                    event_type: event_type.to_string(),
                    published: e.published,
                },
            )
        })
        .collect();
    for id in not_found {
        evidence
            .entry(id.as_str())
            .or_insert(Cause::NotFoundInOkta { checked_at: now });
    }
    evidence
}

/// What this run knows about a user it plans.
#[derive(Debug)]
pub(crate) enum Presence<'a> {
    /// Read in this run, with a profile.
    Listed(&'a DirectoryUser),
    /// Not read; rebuilt from the state because their group membership changed.
    Remembered(Box<DirectoryUser>),
    /// Gone from Okta.
    Deleted(Cause),
    /// Missing from a complete full listing, with no evidence of deletion.
    Missing,
}

/// Keeps one entry per user id: the one Okta updated last (a user can appear twice in a
/// delta, as a changed user and as a member of a changed group).
pub(crate) fn dedupe_users(
    users: &[DirectoryUser],
) -> (Vec<&DirectoryUser>, FxHashMap<&str, usize>) {
    let mut order: Vec<&DirectoryUser> = Vec::with_capacity(users.len());
    let mut at: FxHashMap<&str, usize> = FxHashMap::default();
    at.reserve(users.len());
    for user in users {
        match at.get(user.id.as_str()) {
            Some(&i) => {
                if user.last_updated > order[i].last_updated {
                    order[i] = user;
                }
            }
            None => {
                at.insert(user.id.as_str(), order.len());
                order.push(user);
            }
        }
    }
    (order, at)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn event(uuid: &str, kind: EventKind, minute: u32) -> LifecycleEvent {
        LifecycleEvent {
            uuid: uuid.into(),
            published: Utc.with_ymd_and_hms(2026, 5, 28, 11, minute, 0).unwrap(),
            kind,
            user_id: "u1".into(),
            user_login: None,
            group_id: None,
            group_name: None,
        }
    }

    #[test]
    fn completed_is_cited_over_initiated_whatever_the_order() {
        let now = Utc.with_ymd_and_hms(2026, 5, 29, 0, 0, 0).unwrap();
        let events = vec![
            event("b", EventKind::DeleteCompleted, 2),
            event("a", EventKind::DeleteInitiated, 1),
            event("c", EventKind::Deactivated, 0),
        ];
        let mut reversed = events.clone();
        reversed.reverse();
        for list in [events, reversed] {
            let evidence = deletion_evidence(&list, &[], now);
            assert_eq!(
                evidence["u1"],
                Cause::DeletedInOkta {
                    event_uuid: "b".into(),
                    event_type: "user.lifecycle.delete.completed".into(),
                    published: Utc.with_ymd_and_hms(2026, 5, 28, 11, 2, 0).unwrap(),
                }
            );
        }
    }

    #[test]
    fn a_404_is_evidence_only_without_an_event() {
        let now = Utc.with_ymd_and_hms(2026, 5, 29, 0, 0, 0).unwrap();
        let events = vec![event("a", EventKind::DeleteInitiated, 1)];
        let not_found = vec!["u1".to_string(), "u2".to_string()];
        let evidence = deletion_evidence(&events, &not_found, now);
        assert!(matches!(evidence["u1"], Cause::DeletedInOkta { .. }));
        assert_eq!(evidence["u2"], Cause::NotFoundInOkta { checked_at: now });
        assert!(!evidence.contains_key("u3"));
    }
}
