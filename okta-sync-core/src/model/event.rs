//! System Log events that matter for sync.
//!
//! Only lifecycle and group-membership events with outcome `SUCCESS` are kept. Targets are
//! picked by their `type` (`User`, `UserGroup`), never by position in the array.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::time;
use crate::{Error, Result};

/// What happened to a user, as far as sync is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// `user.lifecycle.delete.initiated`.
    DeleteInitiated,
    /// `user.lifecycle.delete.completed`.
    DeleteCompleted,
    /// `user.lifecycle.deactivate`.
    Deactivated,
    /// `user.lifecycle.suspend`.
    Suspended,
    /// `user.lifecycle.unsuspend`.
    Unsuspended,
    /// `user.lifecycle.reactivate` or `user.lifecycle.activate`.
    Reactivated,
    /// `group.user_membership.add`.
    MembershipAdded,
    /// `group.user_membership.remove`.
    MembershipRemoved,
}

impl EventKind {
    /// Maps an Okta `eventType` to a kind, or `None` for events sync ignores.
    pub fn from_event_type(event_type: &str) -> Option<Self> {
        Some(match event_type {
            "user.lifecycle.delete.initiated" => EventKind::DeleteInitiated,
            "user.lifecycle.delete.completed" => EventKind::DeleteCompleted,
            "user.lifecycle.deactivate" => EventKind::Deactivated,
            "user.lifecycle.suspend" => EventKind::Suspended,
            "user.lifecycle.unsuspend" => EventKind::Unsuspended,
            "user.lifecycle.reactivate" | "user.lifecycle.activate" => EventKind::Reactivated,
            "group.user_membership.add" => EventKind::MembershipAdded,
            "group.user_membership.remove" => EventKind::MembershipRemoved,
            _ => return None,
        })
    }

    /// The `eventType` values sync asks the System Log for, for building a `filter`.
    pub const EVENT_TYPES: [&'static str; 9] = [
        "user.lifecycle.delete.initiated",
        "user.lifecycle.delete.completed",
        "user.lifecycle.deactivate",
        "user.lifecycle.suspend",
        "user.lifecycle.unsuspend",
        "user.lifecycle.reactivate",
        "user.lifecycle.activate",
        "group.user_membership.add",
        "group.user_membership.remove",
    ];

    /// Whether the event means the user no longer exists in Okta.
    pub fn is_deletion(self) -> bool {
        matches!(
            self,
            EventKind::DeleteInitiated | EventKind::DeleteCompleted
        )
    }
}

/// A System Log event reduced to what sync needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    /// The event's `uuid`, quoted in plans as evidence.
    pub uuid: String,
    /// When Okta published it.
    #[serde(with = "time::required")]
    pub published: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
    /// The `User` target's id.
    pub user_id: String,
    /// The `User` target's `alternateId` (the login).
    pub user_login: Option<String>,
    /// The `UserGroup` target's id, for membership events.
    pub group_id: Option<String>,
    /// The `UserGroup` target's display name, for membership events.
    pub group_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    published: Option<DateTime<Utc>>,
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    outcome: Option<WireOutcome>,
    #[serde(default)]
    target: Option<Vec<WireTarget>>,
}

#[derive(Deserialize)]
struct WireOutcome {
    #[serde(default)]
    result: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTarget {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type", default)]
    target_type: Option<String>,
    #[serde(default)]
    alternate_id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

/// Decodes a System Log page and keeps the successful events that matter for sync.
///
/// The returned count is the number of events on the page, kept or not, so a caller can
/// report how much of the log it read.
pub fn decode_events(bytes: &[u8], what: &str) -> Result<(Vec<LifecycleEvent>, usize)> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let raw: Vec<Value> =
        serde_path_to_error::deserialize(de).map_err(|e| Error::decode(what, e))?;
    let total = raw.len();
    let mut kept = Vec::new();
    for (index, value) in raw.into_iter().enumerate() {
        let wire: WireEvent =
            serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
                what: what.to_string(),
                path: match e.path().to_string().as_str() {
                    "." => format!("[{index}]"),
                    inner => format!("[{index}].{inner}"),
                },
                message: e.into_inner().to_string(),
            })?;
        if let Some(event) = reduce(wire, what, index)? {
            kept.push(event);
        }
    }
    Ok((kept, total))
}

fn reduce(wire: WireEvent, what: &str, index: usize) -> Result<Option<LifecycleEvent>> {
    let Some(kind) = wire
        .event_type
        .as_deref()
        .and_then(EventKind::from_event_type)
    else {
        return Ok(None);
    };
    let succeeded = wire
        .outcome
        .as_ref()
        .and_then(|o| o.result.as_deref())
        .is_some_and(|r| r == "SUCCESS");
    if !succeeded {
        return Ok(None);
    }
    let missing = |field: &str| Error::Decode {
        what: what.to_string(),
        path: format!("[{index}].{field}"),
        message: format!(
            "a {} event needs this field",
            wire.event_type.as_deref().unwrap_or("")
        ),
    };
    let targets = wire.target.unwrap_or_default();
    let user = targets
        .iter()
        .find(|t| t.target_type.as_deref() == Some("User"))
        .ok_or_else(|| missing("target[type=User]"))?;
    let group = targets
        .iter()
        .find(|t| t.target_type.as_deref() == Some("UserGroup"));
    if matches!(
        kind,
        EventKind::MembershipAdded | EventKind::MembershipRemoved
    ) && group.is_none()
    {
        return Err(missing("target[type=UserGroup]"));
    }
    Ok(Some(LifecycleEvent {
        uuid: wire.uuid.ok_or_else(|| missing("uuid"))?,
        published: wire.published.ok_or_else(|| missing("published"))?,
        kind,
        user_id: user
            .id
            .clone()
            .ok_or_else(|| missing("target[type=User].id"))?,
        user_login: user.alternate_id.clone(),
        group_id: group.and_then(|g| g.id.clone()),
        group_name: group.and_then(|g| g.display_name.clone()),
    }))
}
