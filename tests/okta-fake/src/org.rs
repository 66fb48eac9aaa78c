//! The org's data (users, groups, memberships, System Log) and the mutations that change it
//! the way Okta does.
//!
//! Okta behaviours reproduced here, each one a mistake a sync could make:
//! - status changes move the user's `statusChanged` and `lastUpdated` (to the second);
//! - group membership changes move the **group's** `lastMembershipUpdated`, never the
//!   user's `lastUpdated`, and the built-in `Everyone` group's timestamp does not move;
//! - deactivation keeps group memberships; deletion needs a deactivated user first and
//!   removes the user entirely, leaving only System Log events behind;
//! - every change writes the System Log event Okta writes for it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use crate::clock::truncate_to_seconds;
use crate::generate::Generated;
use crate::logs::{EventTarget, FakeEvent};

/// Okta's user statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserStatus {
    /// Created, not activated.
    Staged,
    /// Activated, activation not finished.
    Provisioned,
    /// Normal.
    Active,
    /// Password reset in progress.
    Recovery,
    /// Password expired.
    PasswordExpired,
    /// Too many failed sign-ins.
    LockedOut,
    /// Suspended by an admin.
    Suspended,
    /// Deactivated.
    Deprovisioned,
}

impl UserStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [UserStatus; 8] = [
        UserStatus::Staged,
        UserStatus::Provisioned,
        UserStatus::Active,
        UserStatus::Recovery,
        UserStatus::PasswordExpired,
        UserStatus::LockedOut,
        UserStatus::Suspended,
        UserStatus::Deprovisioned,
    ];

    /// Okta's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
        }
    }

    /// Parses Okta's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        UserStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// One user. Generated users keep a compact profile that is expanded on output, so that a
/// million of them fit in memory; explicit attributes (created users, profile updates)
/// take precedence over generated ones.
#[derive(Debug, Clone)]
pub struct FakeUser {
    /// `00u...`, 20 characters.
    pub id: String,
    /// Lifecycle status.
    pub status: UserStatus,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Activation time; null for STAGED and for some ACTIVE users, as in real data.
    pub activated: Option<DateTime<Utc>>,
    /// Last status change.
    pub status_changed: Option<DateTime<Utc>>,
    /// Last sign-in; sign-ins do not move `lastUpdated`.
    pub last_login: Option<DateTime<Utc>>,
    /// Last profile or status change.
    pub last_updated: DateTime<Utc>,
    /// Last password change.
    pub password_changed: Option<DateTime<Utc>>,
    /// `credentials.provider.type`.
    pub provider: &'static str,
    pub(crate) generated: Option<Generated>,
    pub(crate) profile: Map<String, Value>,
}

/// Okta's group types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupType {
    /// Managed in Okta; the only type whose members the API changes.
    OktaGroup,
    /// Imported from a directory such as Active Directory.
    AppGroup,
    /// Managed by Okta (`Everyone`).
    BuiltIn,
}

impl GroupType {
    /// Okta's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::OktaGroup => "OKTA_GROUP",
            GroupType::AppGroup => "APP_GROUP",
            GroupType::BuiltIn => "BUILT_IN",
        }
    }
}

/// One group and its members.
#[derive(Debug, Clone)]
pub struct FakeGroup {
    /// `00g...`, 20 characters.
    pub id: String,
    /// Group type.
    pub group_type: GroupType,
    /// `profile.name`.
    pub name: String,
    /// `profile.description`.
    pub description: Option<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last profile change.
    pub last_updated: DateTime<Utc>,
    /// Last membership change.
    pub last_membership_updated: DateTime<Utc>,
    pub(crate) members: BTreeSet<String>,
    /// `Everyone`: every user is a member, without being listed in `members`.
    pub(crate) everyone: bool,
}

/// Why a mutation was refused, in Okta's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeError {
    /// No such user or group.
    NotFound(String),
    /// The operation is not allowed in the user's current status (Okta's E0000038).
    InvalidState {
        /// The user.
        id: String,
        /// Its status.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The group's members are not managed by the API (APP_GROUP, BUILT_IN).
    NotEditable(String),
    /// The request itself is wrong (missing login, duplicate login).
    Invalid(String),
}

impl fmt::Display for FakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FakeError::NotFound(id) => write!(f, "not found: {id}"),
            FakeError::InvalidState { id, status, action } => {
                write!(f, "cannot {action} user {id} in status {status}")
            }
            FakeError::NotEditable(g) => {
                write!(f, "members of group {g} are not managed by the API")
            }
            FakeError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for FakeError {}

/// A whole org.
#[derive(Debug, Clone)]
pub struct FakeOrg {
    pub(crate) users: BTreeMap<String, FakeUser>,
    pub(crate) groups: BTreeMap<String, FakeGroup>,
    pub(crate) log: Vec<FakeEvent>,
    pub(crate) departments: Vec<String>,
    pub(crate) dept_heads: Vec<Option<String>>,
    pub(crate) extra_attributes: Vec<String>,
    pub(crate) id_counter: u64,
    pub(crate) seed: u64,
    pub(crate) next_seq: u64,
}

impl Default for FakeOrg {
    fn default() -> Self {
        FakeOrg::empty(crate::default_start())
    }
}

impl FakeOrg {
    /// An org with no users and only the built-in `Everyone` group.
    pub fn empty(created: DateTime<Utc>) -> Self {
        let mut org = FakeOrg {
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            log: Vec::new(),
            departments: Vec::new(),
            dept_heads: Vec::new(),
            extra_attributes: Vec::new(),
            id_counter: 0,
            seed: 0,
            next_seq: 1,
        };
        let id = org.new_id("00g");
        org.groups.insert(
            id.clone(),
            FakeGroup {
                id,
                group_type: GroupType::BuiltIn,
                name: "Everyone".into(),
                description: Some("All users in your organization".into()),
                created,
                last_updated: created,
                last_membership_updated: created,
                members: BTreeSet::new(),
                everyone: true,
            },
        );
        org
    }

    /// A new id with Okta's shape: a 3-character prefix and 17 base-62 characters.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        loop {
            self.id_counter += 1;
            let id = crate::generate::id_from(prefix, self.seed, self.id_counter);
            if !self.users.contains_key(&id) && !self.groups.contains_key(&id) {
                return id;
            }
        }
    }

    /// Number of users (deleted users are gone).
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Every user id, in listing order.
    pub fn user_ids(&self) -> Vec<String> {
        self.users.keys().cloned().collect()
    }

    /// A user, if Okta still has it.
    pub fn user(&self, id: &str) -> Option<&FakeUser> {
        self.users.get(id)
    }

    /// Ids of the users with `status`, in listing order.
    pub fn users_with_status(&self, status: UserStatus) -> Vec<String> {
        self.users
            .values()
            .filter(|u| u.status == status)
            .map(|u| u.id.clone())
            .collect()
    }

    /// Every group.
    pub fn groups(&self) -> impl Iterator<Item = &FakeGroup> {
        self.groups.values()
    }

    /// A group by id.
    pub fn group(&self, id: &str) -> Option<&FakeGroup> {
        self.groups.get(id)
    }

    /// The id of the group named exactly `name`.
    pub fn group_id(&self, name: &str) -> Option<String> {
        self.groups
            .values()
            .find(|g| g.name == name)
            .map(|g| g.id.clone())
    }

    /// Member ids of a group, sorted.
    pub fn member_ids(&self, group_id: &str) -> Vec<String> {
        match self.groups.get(group_id) {
            Some(g) if g.everyone => self.users.keys().cloned().collect(),
            Some(g) => g.members.iter().cloned().collect(),
            None => Vec::new(),
        }
    }

    /// Whether `user_id` is a member of `group_id`.
    pub fn is_member(&self, group_id: &str, user_id: &str) -> bool {
        match self.groups.get(group_id) {
            Some(g) if g.everyone => self.users.contains_key(user_id),
            Some(g) => g.members.contains(user_id),
            None => false,
        }
    }

    /// The departments the generator used.
    pub fn departments(&self) -> &[String] {
        &self.departments
    }

    /// The System Log, in persistence order.
    pub fn log(&self) -> &[FakeEvent] {
        &self.log
    }

    /// A user's profile as Okta returns it.
    pub fn profile(&self, user: &FakeUser) -> Map<String, Value> {
        let mut profile = match &user.generated {
            Some(g) => g.profile(self),
            None => Map::new(),
        };
        for (k, v) in &user.profile {
            profile.insert(k.clone(), v.clone());
        }
        profile
    }

    /// One profile attribute, without building the whole profile.
    pub fn profile_value(&self, user: &FakeUser, key: &str) -> Option<Value> {
        if let Some(v) = user.profile.get(key) {
            return Some(v.clone());
        }
        user.generated.as_ref().and_then(|g| g.field(self, key))
    }

    /// A user as the users and group-members endpoints return it.
    pub fn user_json(&self, user: &FakeUser, base_url: &str) -> Value {
        let profile = self.profile(user);
        let email = profile.get("email").cloned().unwrap_or(Value::Null);
        let provider = user.provider;
        let mut v = json!({
            "id": user.id,
            "status": user.status.as_str(),
            "created": ts(user.created),
            "activated": user.activated.map(ts),
            "statusChanged": user.status_changed.map(ts),
            "lastLogin": user.last_login.map(ts),
            "lastUpdated": ts(user.last_updated),
            "passwordChanged": user.password_changed.map(ts),
            "type": { "id": "oty1fakeusertype0001" },
            "profile": profile,
            "credentials": {
                "password": {},
                "emails": [{ "value": email, "status": "VERIFIED", "type": "PRIMARY" }],
                "provider": { "type": provider, "name": if provider == "OKTA" { "OKTA" } else { "example.local" } }
            },
            "_links": { "self": { "href": format!("{base_url}/api/v1/users/{}", user.id) } }
        });
        if user.status == UserStatus::Deprovisioned {
            // Okta drops the credentials of deactivated users from responses.
            if let Some(obj) = v.as_object_mut() {
                obj.remove("credentials");
            }
        }
        v
    }

    /// A group as the groups endpoints return it.
    pub fn group_json(&self, group: &FakeGroup, base_url: &str) -> Value {
        let object_class = if group.group_type == GroupType::AppGroup {
            "okta:windows_security_principal"
        } else {
            "okta:user_group"
        };
        json!({
            "id": group.id,
            "created": ts(group.created),
            "lastUpdated": ts(group.last_updated),
            "lastMembershipUpdated": ts(group.last_membership_updated),
            "objectClass": [object_class],
            "type": group.group_type.as_str(),
            "profile": { "name": group.name, "description": group.description },
            "_links": {
                "logo": [
                    { "name": "medium", "href": format!("{base_url}/assets/img/logos/groups/okta-medium.png"), "type": "image/png" },
                    { "name": "large", "href": format!("{base_url}/assets/img/logos/groups/okta-large.png"), "type": "image/png" }
                ],
                "users": { "href": format!("{base_url}/api/v1/groups/{}/users", group.id) },
                "apps": { "href": format!("{base_url}/api/v1/groups/{}/apps", group.id) }
            }
        })
    }

    fn user_mut(&mut self, id: &str) -> Result<&mut FakeUser, FakeError> {
        self.users
            .get_mut(id)
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
            FakeUser {
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
            },
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

/// Okta's timestamp format.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

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
