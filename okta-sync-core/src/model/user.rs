//! Okta users.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::time;
use crate::{Error, Result};

/// An Okta user status. A status Okta adds later is kept as text, never a decode failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserStatus {
    /// Created but not activated.
    Staged,
    /// Activated, activation not finished by the user.
    Provisioned,
    /// Can sign in.
    Active,
    /// Password reset in progress.
    Recovery,
    /// Password expired.
    PasswordExpired,
    /// Too many failed sign-ins.
    LockedOut,
    /// Suspended by an admin; keeps groups and app assignments.
    Suspended,
    /// Deactivated in Okta.
    Deprovisioned,
    /// A status this version does not know, kept verbatim.
    Other(String),
}

impl UserStatus {
    /// The eight statuses Okta documents, in lifecycle order.
    pub const KNOWN: [UserStatus; 8] = [
        UserStatus::Staged,
        UserStatus::Provisioned,
        UserStatus::Active,
        UserStatus::Recovery,
        UserStatus::PasswordExpired,
        UserStatus::LockedOut,
        UserStatus::Suspended,
        UserStatus::Deprovisioned,
    ];

    /// Okta's spelling of the status.
    pub fn as_str(&self) -> &str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
            UserStatus::Other(s) => s,
        }
    }

    /// Parses Okta's spelling; anything unknown becomes [`UserStatus::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "STAGED" => UserStatus::Staged,
            "PROVISIONED" => UserStatus::Provisioned,
            "ACTIVE" => UserStatus::Active,
            "RECOVERY" => UserStatus::Recovery,
            "PASSWORD_EXPIRED" => UserStatus::PasswordExpired,
            "LOCKED_OUT" => UserStatus::LockedOut,
            "SUSPENDED" => UserStatus::Suspended,
            "DEPROVISIONED" => UserStatus::Deprovisioned,
            other => UserStatus::Other(other.to_string()),
        }
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for UserStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UserStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(UserStatus::parse(&s))
    }
}

impl schemars::JsonSchema for UserStatus {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UserStatus".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": ["STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED",
                     "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"]
        })
    }
}

/// `credentials.provider`: where the user's credentials live (OKTA, FEDERATION, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CredentialsProvider {
    /// Provider type, for example `OKTA` or `ACTIVE_DIRECTORY`.
    #[serde(rename = "type", default)]
    pub provider_type: Option<String>,
    /// Provider name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A user as Okta returns it from the users and group-members endpoints.
///
/// `profile` is an open map: custom attributes and their JSON types are kept as given.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryUser {
    /// Okta user id (`00u...`), compared exactly.
    pub id: String,
    /// Lifecycle status.
    pub status: UserStatus,
    /// Target of an asynchronous transition in flight, if any.
    pub transitioning_to_status: Option<String>,
    /// When the user was created.
    pub created: Option<DateTime<Utc>>,
    /// When the user was activated (null even on some ACTIVE users).
    pub activated: Option<DateTime<Utc>>,
    /// When the status last changed.
    pub status_changed: Option<DateTime<Utc>>,
    /// Last sign-in.
    pub last_login: Option<DateTime<Utc>>,
    /// Last change to profile or status; the delta watermark is built on it.
    pub last_updated: Option<DateTime<Utc>>,
    /// Last password change.
    pub password_changed: Option<DateTime<Utc>>,
    /// `type.id`, the user type.
    pub user_type: Option<String>,
    /// The profile, base and custom attributes alike.
    pub profile: Map<String, Value>,
    /// `credentials.provider`.
    pub provider: Option<CredentialsProvider>,
}

impl DirectoryUser {
    /// A profile attribute as a string, if it is a non-empty string.
    pub fn profile_str(&self, key: &str) -> Option<&str> {
        self.profile.get(key).and_then(Value::as_str)
    }

    /// The user's primary email (`profile.email`).
    pub fn email(&self) -> Option<&str> {
        self.profile_str("email")
    }
}

/// Wire shape, decoded leniently then checked for the fields a sync cannot do without.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireUser {
    id: Option<String>,
    status: Option<UserStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transitioning_to_status: Option<String>,
    #[serde(default, with = "time::optional")]
    created: Option<DateTime<Utc>>,
    #[serde(default, with = "time::optional")]
    activated: Option<DateTime<Utc>>,
    #[serde(default, with = "time::optional")]
    status_changed: Option<DateTime<Utc>>,
    #[serde(default, with = "time::optional")]
    last_login: Option<DateTime<Utc>>,
    #[serde(default, with = "time::optional")]
    last_updated: Option<DateTime<Utc>>,
    #[serde(default, with = "time::optional")]
    password_changed: Option<DateTime<Utc>>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    user_type: Option<WireType>,
    #[serde(default, deserialize_with = "null_as_empty_map")]
    profile: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credentials: Option<WireCredentials>,
}

#[derive(Serialize, Deserialize)]
struct WireType {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WireCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<CredentialsProvider>,
}

fn null_as_empty_map<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    Ok(Option::<Map<String, Value>>::deserialize(d)?.unwrap_or_default())
}

impl Serialize for DirectoryUser {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WireUser {
            id: Some(self.id.clone()),
            status: Some(self.status.clone()),
            transitioning_to_status: self.transitioning_to_status.clone(),
            created: self.created,
            activated: self.activated,
            status_changed: self.status_changed,
            last_login: self.last_login,
            last_updated: self.last_updated,
            password_changed: self.password_changed,
            user_type: self.user_type.clone().map(|id| WireType { id: Some(id) }),
            profile: self.profile.clone(),
            credentials: self
                .provider
                .clone()
                .map(|p| WireCredentials { provider: Some(p) }),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for DirectoryUser {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let wire = WireUser::deserialize(d)?;
        let id = wire
            .id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| D::Error::custom("user has no `id`"))?;
        let status = wire
            .status
            .ok_or_else(|| D::Error::custom(format!("user {id} has no `status`")))?;
        Ok(DirectoryUser {
            id,
            status,
            transitioning_to_status: wire.transitioning_to_status,
            created: wire.created,
            activated: wire.activated,
            status_changed: wire.status_changed,
            last_login: wire.last_login,
            last_updated: wire.last_updated,
            password_changed: wire.password_changed,
            user_type: wire.user_type.and_then(|t| t.id),
            profile: wire.profile,
            provider: wire.credentials.and_then(|c| c.provider),
        })
    }
}

/// Decodes a JSON array of users (a users page or a group-members page).
pub fn decode_users(bytes: &[u8], what: &str) -> Result<Vec<DirectoryUser>> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| Error::decode(what, e))
}

/// Decodes one user object.
pub fn decode_user(bytes: &[u8], what: &str) -> Result<DirectoryUser> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| Error::decode(what, e))
}
