//! Okta groups.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::time;
use crate::{Error, Result};

/// Okta group type. Unknown future types are kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupType {
    /// Managed in Okta (statically or by group rules).
    OktaGroup,
    /// Imported from an app or directory such as Active Directory.
    AppGroup,
    /// Managed by Okta itself, for example `Everyone`.
    BuiltIn,
    /// A type this version does not know.
    Other(String),
}

impl GroupType {
    /// Okta's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            GroupType::OktaGroup => "OKTA_GROUP",
            GroupType::AppGroup => "APP_GROUP",
            GroupType::BuiltIn => "BUILT_IN",
            GroupType::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "OKTA_GROUP" => GroupType::OktaGroup,
            "APP_GROUP" => GroupType::AppGroup,
            "BUILT_IN" => GroupType::BuiltIn,
            other => GroupType::Other(other.to_string()),
        }
    }
}

/// An Okta group: identity, type, name and the two timestamps that matter for delta sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Okta group id (`00g...`).
    pub id: String,
    /// Group type.
    pub group_type: GroupType,
    /// `profile.name`.
    pub name: String,
    /// `profile.description`, often null.
    pub description: Option<String>,
    /// Last profile change (not membership).
    pub last_updated: Option<DateTime<Utc>>,
    /// Last membership change; how delta sync notices adds and removes.
    pub last_membership_updated: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireGroup {
    id: Option<String>,
    #[serde(rename = "type", default)]
    group_type: Option<String>,
    #[serde(default)]
    profile: Option<WireGroupProfile>,
    #[serde(default, with = "time::optional")]
    last_updated: Option<DateTime<Utc>>,
    #[serde(default, with = "time::optional")]
    last_membership_updated: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
struct WireGroupProfile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

impl Serialize for Group {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WireGroup {
            id: Some(self.id.clone()),
            group_type: Some(self.group_type.as_str().to_string()),
            profile: Some(WireGroupProfile {
                name: Some(self.name.clone()),
                description: self.description.clone(),
            }),
            last_updated: self.last_updated,
            last_membership_updated: self.last_membership_updated,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Group {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let wire = WireGroup::deserialize(d)?;
        let id = wire
            .id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| D::Error::custom("group has no `id`"))?;
        let profile = wire.profile.unwrap_or(WireGroupProfile {
            name: None,
            description: None,
        });
        Ok(Group {
            name: profile
                .name
                .ok_or_else(|| D::Error::custom(format!("group {id} has no `profile.name`")))?,
            id,
            group_type: GroupType::parse(wire.group_type.as_deref().unwrap_or("OKTA_GROUP")),
            description: profile.description,
            last_updated: wire.last_updated,
            last_membership_updated: wire.last_membership_updated,
        })
    }
}

/// Decodes a JSON array of groups.
pub fn decode_groups(bytes: &[u8], what: &str) -> Result<Vec<Group>> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| Error::decode(what, e))
}
