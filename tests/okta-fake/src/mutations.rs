//! Admin changes to the org, each moving the timestamps Okta moves and writing the System
//! Log events Okta writes (see the notes at the top of `org.rs`).

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};

use crate::clock::truncate_to_seconds;
use crate::logs::{EventTarget, FakeEvent};
use crate::org::{FakeError, FakeGroup, FakeOrg, FakeUser, GroupType, UserStatus};

impl FakeOrg {
    fn user_mut(&mut self, id: &str) -> Result<&mut FakeUser, FakeError> {
        self.users
            .get_mut(id)
            .map(|u| &mut **u)
            .ok_or_else(|| FakeError::NotFound(id.to_string()))
    }

    fn user_target(&self, id: &str) -> Option<EventTarget> {
        let user = self.users.get(id)?;
        let login = self
            .profile_value(user, "login")
            .and_then(|v| v.as_str().map(str::to_string));
        let first = self.profile_value(user, "firstName");
        let last = self.profile_value(user, "lastName");
        let name = [first, last]
            .iter()
            .filter_map(|v| v.as_ref().and_then(|v| v.as_str()))
            .collect::<Vec<_>>()
            .join(" ");
        Some(EventTarget {
            id: id.to_string(),
            target_type: "User".into(),
            alternate_id: login,
            display_name: Some(name),
        })
    }

    fn group_target(&self, id: &str) -> Option<EventTarget> {
        let group = self.groups.get(id)?;
        Some(EventTarget {
            id: id.to_string(),
            target_type: "UserGroup".into(),
            alternate_id: Some("unknown".into()),
            display_name: Some(group.name.clone()),
        })
    }

    /// Appends an event to the System Log. `published` keeps its milliseconds.
    pub fn append_event(
        &mut self,
        published: DateTime<Utc>,
        event_type: &str,
        outcome: &str,
        targets: Vec<EventTarget>,
    ) -> &FakeEvent {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.log.push(FakeEvent::new(
            seq, self.seed, published, event_type, outcome, targets,
        ));
        self.log.last().expect("just pushed")
    }

    fn log_user_event(&mut self, now: DateTime<Utc>, event_type: &str, user_id: &str) {
        let targets = self.user_target(user_id).into_iter().collect();
        self.append_event(now, event_type, "SUCCESS", targets);
    }

    /// Creates a user from a profile that has at least `login` and `email`. Active when
    /// `activate`, otherwise STAGED. Writes `user.lifecycle.create` (and `.activate`).
    pub fn create_user(
        &mut self,
        profile: Map<String, Value>,
        activate: bool,
        now: DateTime<Utc>,
    ) -> Result<String, FakeError> {
        let login = match profile.get("login") {
            Some(Value::String(s)) if !s.is_empty() => s.to_lowercase(),
            _ => return Err(FakeError::Invalid("profile.login is required".into())),
        };
        if !matches!(profile.get("email"), Some(Value::String(s)) if !s.is_empty()) {
            return Err(FakeError::Invalid("profile.email is required".into()));
        }
        let taken = self.users.values().any(|u| {
            self.profile_value(u, "login")
                .and_then(|v| v.as_str().map(str::to_lowercase))
                .is_some_and(|l| l == login)
        });
        if taken {
            return Err(FakeError::Invalid(format!("login {login} already exists")));
        }
        let at = truncate_to_seconds(now);
        let id = self.new_id("00u");
        self.users.insert(
            id.clone(),
            Box::new(FakeUser {
                id: id.clone(),
                status: if activate {
                    UserStatus::Active
                } else {
                    UserStatus::Staged
                },
                created: at,
                activated: activate.then_some(at),
                status_changed: activate.then_some(at),
                last_login: None,
                last_updated: at,
                password_changed: activate.then_some(at),
                provider: "OKTA",
                generated: None,
                profile,
            }),
        );
        self.log_user_event(now, "user.lifecycle.create", &id);
        if activate {
            self.log_user_event(now, "user.lifecycle.activate", &id);
        }
        Ok(id)
    }

    /// Merges `patch` into the profile (a `null` value clears an attribute, as in Okta)
    /// and writes `user.account.update_profile`.
    pub fn update_profile(
        &mut self,
        id: &str,
        patch: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        let user = self.user_mut(id)?;
        for (k, v) in patch {
            user.profile.insert(k, v);
        }
        user.last_updated = truncate_to_seconds(now);
        self.log_user_event(now, "user.account.update_profile", id);
        Ok(())
    }

    fn transition(
        &mut self,
        id: &str,
        action: &'static str,
        allowed: &[UserStatus],
        to: UserStatus,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        let user = self.user_mut(id)?;
        if !allowed.contains(&user.status) {
            return Err(FakeError::InvalidState {
                id: id.to_string(),
                status: user.status.as_str(),
                action,
            });
        }
        let at = truncate_to_seconds(now);
        user.status = to;
        user.status_changed = Some(at);
        user.last_updated = at;
        if to == UserStatus::Active && action == "activate" {
            user.activated = Some(at);
        }
        Ok(())
    }

    /// ACTIVE → SUSPENDED; memberships are kept. Writes `user.lifecycle.suspend`.
    pub fn suspend(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), FakeError> {
        self.transition(
            id,
            "suspend",
            &[UserStatus::Active],
            UserStatus::Suspended,
            now,
        )?;
        self.log_user_event(now, "user.lifecycle.suspend", id);
        Ok(())
    }

    /// SUSPENDED → ACTIVE. Writes `user.lifecycle.unsuspend`.
    pub fn unsuspend(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), FakeError> {
        self.transition(
            id,
            "unsuspend",
            &[UserStatus::Suspended],
            UserStatus::Active,
            now,
        )?;
        self.log_user_event(now, "user.lifecycle.unsuspend", id);
        Ok(())
    }

    /// Any status but DEPROVISIONED → DEPROVISIONED. Group memberships are kept (Okta does
    /// not remove deactivated users from groups). Writes `user.lifecycle.deactivate`.
    pub fn deactivate(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), FakeError> {
        let from: Vec<UserStatus> = UserStatus::ALL
            .into_iter()
            .filter(|s| *s != UserStatus::Deprovisioned)
            .collect();
        self.transition(id, "deactivate", &from, UserStatus::Deprovisioned, now)?;
        self.log_user_event(now, "user.lifecycle.deactivate", id);
        Ok(())
    }

    /// STAGED, PROVISIONED or DEPROVISIONED → ACTIVE (an admin activating the user with a
    /// password set). Writes `user.lifecycle.activate`.
    pub fn activate(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), FakeError> {
        let from = [
            UserStatus::Staged,
            UserStatus::Provisioned,
            UserStatus::Deprovisioned,
        ];
        self.transition(id, "activate", &from, UserStatus::Active, now)?;
        self.log_user_event(now, "user.lifecycle.activate", id);
        Ok(())
    }

    /// Sets a status directly (lock-out, password expiry, recovery), moving the
    /// timestamps as Okta does but writing no event.
    pub fn set_status(
        &mut self,
        id: &str,
        status: UserStatus,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        let all = UserStatus::ALL;
        self.transition(id, "change status of", &all, status, now)
    }

    /// Deletes a DEPROVISIONED user: it disappears from every listing and group (moving
    /// those groups' `lastMembershipUpdated`), and only the log remembers it, with
    /// `user.lifecycle.delete.initiated` followed by `.completed`.
    pub fn delete_user(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), FakeError> {
        let user = self
            .users
            .get(id)
            .ok_or_else(|| FakeError::NotFound(id.to_string()))?;
        if user.status != UserStatus::Deprovisioned {
            return Err(FakeError::InvalidState {
                id: id.to_string(),
                status: user.status.as_str(),
                action: "delete",
            });
        }
        let target = self.user_target(id);
        self.append_event(
            now,
            "user.lifecycle.delete.initiated",
            "SUCCESS",
            target.clone().into_iter().collect(),
        );
        self.users.remove(id);
        let at = truncate_to_seconds(now);
        for group in self.groups.values_mut() {
            if group.members.remove(id) {
                group.last_membership_updated = at;
            }
        }
        self.append_event(
            now + TimeDelta::milliseconds(1),
            "user.lifecycle.delete.completed",
            "SUCCESS",
            target.into_iter().collect(),
        );
        Ok(())
    }

    fn editable_group(&mut self, group_id: &str) -> Result<&mut FakeGroup, FakeError> {
        let group = self
            .groups
            .get_mut(group_id)
            .ok_or_else(|| FakeError::NotFound(group_id.to_string()))?;
        if group.group_type != GroupType::OktaGroup {
            return Err(FakeError::NotEditable(group.name.clone()));
        }
        Ok(group)
    }

    /// Adds a user to an OKTA_GROUP: the group's `lastMembershipUpdated` moves, the user's
    /// `lastUpdated` does not. Writes `group.user_membership.add`. Adding a member twice
    /// changes nothing.
    pub fn add_member(
        &mut self,
        group_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        if !self.users.contains_key(user_id) {
            return Err(FakeError::NotFound(user_id.to_string()));
        }
        let group = self.editable_group(group_id)?;
        if !group.members.insert(user_id.to_string()) {
            return Ok(());
        }
        group.last_membership_updated = truncate_to_seconds(now);
        self.log_membership(now, "group.user_membership.add", group_id, user_id);
        Ok(())
    }

    /// Removes a user from an OKTA_GROUP, like [`FakeOrg::add_member`]. Writes
    /// `group.user_membership.remove`.
    pub fn remove_member(
        &mut self,
        group_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        let group = self.editable_group(group_id)?;
        if !group.members.remove(user_id) {
            return Ok(());
        }
        group.last_membership_updated = truncate_to_seconds(now);
        self.log_membership(now, "group.user_membership.remove", group_id, user_id);
        Ok(())
    }

    fn log_membership(
        &mut self,
        now: DateTime<Utc>,
        event_type: &str,
        group_id: &str,
        user_id: &str,
    ) {
        let targets = self
            .user_target(user_id)
            .into_iter()
            .chain(self.group_target(group_id))
            .collect();
        self.append_event(now, event_type, "SUCCESS", targets);
    }

    /// Renames a group: its `lastUpdated` moves (a profile change), its id stays.
    /// Writes `group.profile.update`.
    pub fn rename_group(
        &mut self,
        group_id: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        let group = self
            .groups
            .get_mut(group_id)
            .ok_or_else(|| FakeError::NotFound(group_id.to_string()))?;
        group.name = name.to_string();
        group.last_updated = truncate_to_seconds(now);
        let target = self.group_target(group_id).into_iter().collect();
        self.append_event(now, "group.profile.update", "SUCCESS", target);
        Ok(())
    }

    /// Creates an empty OKTA_GROUP. Writes `group.lifecycle.create`.
    pub fn create_group(
        &mut self,
        name: &str,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> String {
        let at = truncate_to_seconds(now);
        let id = self.new_id("00g");
        self.groups.insert(
            id.clone(),
            FakeGroup {
                id: id.clone(),
                group_type: GroupType::OktaGroup,
                name: name.to_string(),
                description: description.map(str::to_string),
                created: at,
                last_updated: at,
                last_membership_updated: at,
                members: BTreeSet::new(),
                everyone: false,
            },
        );
        let target = self.group_target(&id).into_iter().collect();
        self.append_event(now, "group.lifecycle.create", "SUCCESS", target);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn org_with_user() -> (FakeOrg, String, String) {
        let mut org = FakeOrg::empty(t("2026-01-01T00:00:00Z"));
        let profile = json!({"login": "a.b@example.com", "email": "a.b@example.com", "firstName": "A", "lastName": "B"});
        let id = org
            .create_user(
                profile.as_object().unwrap().clone(),
                true,
                t("2026-01-02T00:00:00.400Z"),
            )
            .unwrap();
        let gid = org.create_group("Asset Managers", None, t("2026-01-02T00:00:00Z"));
        (org, id, gid)
    }

    #[test]
    fn membership_moves_the_group_not_the_user() {
        let (mut org, id, gid) = org_with_user();
        org.add_member(&gid, &id, t("2026-01-03T10:00:00.900Z"))
            .unwrap();
        assert_eq!(
            org.user(&id).unwrap().last_updated,
            t("2026-01-02T00:00:00Z")
        );
        assert_eq!(
            org.group(&gid).unwrap().last_membership_updated,
            t("2026-01-03T10:00:00Z")
        );
        let last = org.log().last().unwrap();
        assert_eq!(last.event_type, "group.user_membership.add");
        assert_eq!(last.targets.len(), 2);
    }

    #[test]
    fn delete_requires_deprovisioned_and_leaves_two_events() {
        let (mut org, id, gid) = org_with_user();
        org.add_member(&gid, &id, t("2026-01-03T00:00:00Z"))
            .unwrap();
        let err = org.delete_user(&id, t("2026-01-04T00:00:00Z")).unwrap_err();
        assert!(matches!(
            err,
            FakeError::InvalidState {
                action: "delete",
                ..
            }
        ));
        org.deactivate(&id, t("2026-01-04T00:00:00Z")).unwrap();
        assert!(org.is_member(&gid, &id), "deactivation keeps memberships");
        org.delete_user(&id, t("2026-01-05T00:00:00Z")).unwrap();
        assert!(org.user(&id).is_none());
        assert!(!org.is_member(&gid, &id));
        let types: Vec<&str> = org
            .log()
            .iter()
            .rev()
            .take(2)
            .map(|e| e.event_type.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "user.lifecycle.delete.completed",
                "user.lifecycle.delete.initiated"
            ]
        );
    }

    #[test]
    fn suspend_only_from_active() {
        let (mut org, id, _) = org_with_user();
        org.suspend(&id, t("2026-01-03T00:00:00Z")).unwrap();
        assert!(org.suspend(&id, t("2026-01-03T00:00:01Z")).is_err());
        let user = org.user(&id).unwrap();
        assert_eq!(user.status, UserStatus::Suspended);
        assert_eq!(user.status_changed, Some(user.last_updated));
    }

    #[test]
    fn everyone_is_not_editable() {
        let (mut org, id, _) = org_with_user();
        let everyone = org.group_id("Everyone").unwrap();
        assert!(org.is_member(&everyone, &id));
        assert!(matches!(
            org.remove_member(&everyone, &id, t("2026-01-03T00:00:00Z")),
            Err(FakeError::NotEditable(_))
        ));
    }
}
