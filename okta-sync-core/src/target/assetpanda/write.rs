//! Writes: grouping a batch by collection and kind, refusing what the API cannot do
//! before sending anything, and turning request failures into per-write outcomes without
//! ever reporting a write done that Asset Panda did not confirm.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::records::{self, Scope};
use super::{AssetPandaTarget, BATCH_LIMIT, discovery, users};
use crate::target::{TargetWrite, WriteOutcome};
use crate::{Error, Result};

/// Whether an error leaves nothing in a batch done and stops the rest too, so the whole
/// batch fails rather than each write.
fn batch_wide(err: &Error) -> bool {
    match err {
        Error::Transport { .. } => true,
        Error::Target {
            status: Some(s), ..
        } => matches!(s, 401 | 403 | 429) || *s >= 500,
        _ => false,
    }
}

/// Whether trying the same write again later may succeed.
fn transient(err: &Error) -> bool {
    match err {
        Error::Transport { .. } => true,
        Error::Target {
            status: Some(s), ..
        } => *s == 429 || *s >= 500,
        _ => false,
    }
}

/// Writes to one place, sent together.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Group {
    Create(String),
    Update(String),
    Invite,
}

impl AssetPandaTarget {
    /// See [`AssetTarget::write`](crate::target::AssetTarget::write).
    pub(super) async fn write_batch(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>> {
        let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; batch.len()];
        let mut groups: Vec<(Group, Vec<(usize, &TargetWrite)>)> = Vec::new();
        for (i, write) in batch.iter().enumerate() {
            let group = match write {
                TargetWrite::CreateRecord { collection, .. } => Group::Create(collection.clone()),
                TargetWrite::UpdateRecord { collection, .. } => Group::Update(collection.clone()),
                TargetWrite::CreateLogin { .. } => Group::Invite,
                other => {
                    outcomes[i] = Some(WriteOutcome::Failed {
                        reason: users::unsupported(other.kind()),
                        retryable: false,
                    });
                    continue;
                }
            };
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, members)) => members.push((i, write)),
                None => groups.push((group, vec![(i, write)])),
            }
        }
        let mut claimed = HashSet::new();
        let mut any_done = false;
        for (group, members) in &groups {
            for chunk in members.chunks(BATCH_LIMIT) {
                match self.send_group(group, chunk, &mut claimed).await {
                    Ok(results) => {
                        for (i, outcome) in results {
                            any_done |= matches!(outcome, WriteOutcome::Done { .. });
                            outcomes[i] = Some(outcome);
                        }
                    }
                    Err(e) if batch_wide(&e) && !any_done => return Err(e),
                    Err(e) => {
                        let retryable = transient(&e);
                        for (i, _) in chunk {
                            outcomes[*i] = Some(WriteOutcome::Failed {
                                reason: e.to_string(),
                                retryable,
                            });
                        }
                    }
                }
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or(WriteOutcome::Failed {
                    reason: "not attempted".into(),
                    retryable: true,
                })
            })
            .collect())
    }

    /// Sends one group's writes (at most [`BATCH_LIMIT`]) and returns their outcomes.
    async fn send_group(
        &self,
        group: &Group,
        writes: &[(usize, &TargetWrite)],
        claimed: &mut HashSet<String>,
    ) -> Result<Vec<(usize, WriteOutcome)>> {
        let refuse = |reason: String| WriteOutcome::Failed {
            reason,
            retryable: false,
        };
        let mut outcomes = Vec::new();
        match group {
            Group::Create(name) | Group::Update(name) => {
                let (tenant, collection, columns) = self.collection(name).await?;
                let scope = Scope {
                    tenant,
                    collection: &collection,
                    columns: &columns,
                };
                let mut sendable: Vec<(usize, Option<String>, Map<String, Value>)> = Vec::new();
                for (i, write) in writes {
                    let (record_id, fields) = match write {
                        TargetWrite::CreateRecord { fields, .. } => (None, fields),
                        TargetWrite::UpdateRecord {
                            record_id, fields, ..
                        } => (Some(record_id.clone()), fields),
                        _ => continue,
                    };
                    match records::encode(&columns, fields) {
                        Ok(encoded) => sendable.push((*i, record_id, encoded)),
                        Err(why) => outcomes.push((*i, refuse(why))),
                    }
                }
                if sendable.is_empty() {
                    return Ok(outcomes);
                }
                let indexes: Vec<usize> = sendable.iter().map(|(i, _, _)| *i).collect();
                let results = if matches!(group, Group::Create(_)) {
                    let encoded = sendable.into_iter().map(|(_, _, e)| e).collect();
                    records::create(
                        &self.client,
                        scope,
                        encoded,
                        claimed,
                        self.options.page_size,
                    )
                    .await?
                } else {
                    let updates = sendable
                        .into_iter()
                        .map(|(_, id, e)| (id.unwrap_or_default(), e))
                        .collect();
                    records::update(&self.client, scope, updates).await?
                };
                outcomes.extend(indexes.into_iter().zip(results));
            }
            Group::Invite => {
                let mut sendable = Vec::new();
                for (i, write) in writes {
                    let TargetWrite::CreateLogin { email, role, .. } = write else {
                        continue;
                    };
                    if email.trim().is_empty() {
                        outcomes.push((*i, refuse("the email is empty".into())));
                    } else if users::is_ungrantable(role) {
                        outcomes.push((
                            *i,
                            refuse(format!(
                                "role {role:?} cannot be granted through Asset Panda's API; \
                                 grant it by hand in Asset Panda"
                            )),
                        ));
                    } else {
                        let tenant = self.tenant().await?;
                        let roles = self.role_list().await?;
                        if roles.iter().any(|r| r == role.trim()) {
                            sendable
                                .push((*i, (email.trim().to_string(), role.trim().to_string())));
                        } else {
                            outcomes.push((
                                *i,
                                refuse(format!(
                                    "role {role:?} does not exist in module {:?}; roles: {}",
                                    tenant.module_name,
                                    discovery::listing(roles.iter().map(String::as_str))
                                )),
                            ));
                        }
                    }
                }
                if sendable.is_empty() {
                    return Ok(outcomes);
                }
                let tenant = self.tenant().await?;
                let invites: Vec<(String, String)> =
                    sendable.iter().map(|(_, inv)| inv.clone()).collect();
                let results = users::invite(&self.client, tenant, &invites).await?;
                outcomes.extend(sendable.iter().map(|(i, _)| *i).zip(results));
            }
        }
        Ok(outcomes)
    }
}
