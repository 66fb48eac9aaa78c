//! The org's data (users, groups, memberships, System Log) and how it renders; the mutations
//! (in `mutations.rs`) change it the way Okta does.
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

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::generate::Generated;
use crate::logs::FakeEvent;

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
    pub(crate) users: BTreeMap<String, Box<FakeUser>>,
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
        self.users.get(id).map(|u| &**u)
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

    /// Number of members of a group.
    pub fn member_count(&self, group_id: &str) -> usize {
        match self.groups.get(group_id) {
            Some(g) if g.everyone => self.users.len(),
            Some(g) => g.members.len(),
            None => 0,
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
}

/// Okta's timestamp format.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
