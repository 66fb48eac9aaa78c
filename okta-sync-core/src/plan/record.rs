//! Planning one user in a record mapping: create, adopt, update, mark inactive, reactivate.
//!
//! Records are reference entries (people to check assets out to). A record is only ever
//! changed when the sync state links it to the user (this integration created or adopted
//! it); a record made by hand is only ever adopted, and only when exactly one matches.

use serde_json::Value;

use super::context::{LinkChange, MappingShared, Outcome, Subject};
use super::diff::{changed_names, diff_fields};
use super::identity_match::record_candidates;
use super::scope::Desired;
use super::types::{ActionKind, Cause, Conflict, FieldChange, WarningCode};
use crate::config::RecordMapping;
use crate::filter::FilterEvaluator;
use crate::mapping::FieldProblem;
use crate::state::{Link, Origin};
use crate::target::{Fields, TargetRecord};

/// A record mapping, compiled for planning.
#[derive(Debug)]
pub(crate) struct RecordPlanner<'a> {
    pub(crate) shared: MappingShared<'a>,
    pub(crate) mapping: &'a RecordMapping,
    pub(crate) filter: FilterEvaluator,
}

impl RecordPlanner<'_> {
    fn collection(&self) -> String {
        self.mapping.collection.clone()
    }

    /// Every field a record of this mapping should have, and the fingerprint of the ones
    /// kept up to date.
    fn desired_fields(&self, okta_id: &str, mut fields: Fields) -> (Fields, u64) {
        let fp = self.shared.fingerprint(&fields);
        fields.insert(
            self.mapping.okta_id_field.clone(),
            Value::String(okta_id.to_string()),
        );
        if let Some(marker) = &self.mapping.inactive {
            fields.insert(
                marker.field.clone(),
                Value::String(marker.active_value.clone()),
            );
        }
        (fields, fp)
    }

    /// True when a settled user's linked record still holds exactly what was last written
    /// (same managed values, stamp and active status): nothing to map or compare.
    fn untouched_since_written(&self, s: &Subject<'_>, link: &Link, record: &TargetRecord) -> bool {
        s.settled
            && link.active
            && !self.marked_inactive(record)
            && self.mapping.inactive.as_ref().is_none_or(|m| {
                record.fields.get(&m.field).and_then(Value::as_str) == Some(m.active_value.as_str())
            })
            && record
                .fields
                .get(&self.mapping.okta_id_field)
                .and_then(Value::as_str)
                == Some(s.id)
            && self.shared.fingerprint(&record.fields) == link.fingerprint
    }

    /// The fields compared on update and adoption: managed, stamp, status marker.
    fn compared_fields(&self) -> impl Iterator<Item = &str> {
        self.shared
            .managed
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(self.mapping.okta_id_field.as_str()))
            .chain(self.mapping.inactive.as_ref().map(|m| m.field.as_str()))
    }

    fn marked_inactive(&self, record: &TargetRecord) -> bool {
        self.mapping.inactive.as_ref().is_some_and(|m| {
            record
                .fields
                .get(&m.field)
                .and_then(Value::as_str)
                .is_some_and(|v| v == m.inactive_value)
        })
    }

    /// Plans `subject` for this mapping given what it should hold.
    pub(crate) fn plan(
        &self,
        s: &Subject<'_>,
        desired: &Desired<'_>,
        link: Option<&Link>,
    ) -> Outcome {
        match desired {
            Desired::Active { .. } => self.plan_active(s, link),
            Desired::Inactive(cause) => self.plan_inactive(link, cause),
            Desired::Untouched => Outcome::nothing(),
        }
    }

    fn plan_active(&self, s: &Subject<'_>, link: Option<&Link>) -> Outcome {
        let Some(user) = s.user else {
            return self.plan_active_without_profile(link);
        };
        if s.duplicates.is_none() {
            let record = link.and_then(|l| self.shared.target.record(&l.target_id).map(|r| (l, r)));
            if let Some((link, record)) = record {
                if self.untouched_since_written(s, link, record) {
                    return Outcome::unchanged(LinkChange::Keep);
                }
            }
        }
        if let Some(okta_ids) = s.duplicates {
            return Outcome::conflict(
                Conflict::DuplicateIdentity {
                    okta_ids: okta_ids.to_vec(),
                },
                "several Okta users share this unique identifier; none is written until it is unique",
            );
        }
        let mapped = self.shared.compiled.map(user);
        if !mapped.problems.is_empty() {
            return Outcome::conflict(
                Conflict::RequiredFieldMissing {
                    problems: mapped.problems,
                },
                "required values are missing; nothing is written for this user",
            );
        }
        let (fields, fp) = self.desired_fields(s.id, mapped.fields);

        let mut dead_link = None;
        if let Some(link) = link {
            match self.shared.target.record(&link.target_id) {
                Some(record) => return self.update_linked(link, record, &fields, fp),
                None if self.shared.target_complete => dead_link = Some(link.target_id.as_str()),
                None => return self.update_unread(link, &fields, fp),
            }
        }
        let outcome = self.create_or_adopt(s, fields, fp, dead_link);
        match dead_link {
            Some(id) => {
                let outcome = outcome.warn(
                    WarningCode::LinkedEntryMissing,
                    format!(
                        "record {id} that this integration managed no longer exists in {}; it is replaced",
                        self.mapping.collection
                    ),
                );
                match outcome.link {
                    LinkChange::Keep => Outcome {
                        link: LinkChange::Drop,
                        ..outcome
                    },
                    _ => outcome,
                }
            }
            None => outcome,
        }
    }

    /// A linked user whose scope changed but whose profile Okta did not return.
    fn plan_active_without_profile(&self, link: Option<&Link>) -> Outcome {
        match (link, &self.mapping.inactive) {
            (Some(link), Some(marker)) if !link.active => {
                let changes = vec![FieldChange {
                    field: marker.field.clone(),
                    before: Value::Null,
                    before_unknown: true,
                    after: Value::String(marker.active_value.clone()),
                }];
                Outcome {
                    actions: vec![(
                        ActionKind::ReactivateRecord {
                            collection: self.collection(),
                            record_id: link.target_id.clone(),
                            changes,
                        },
                        "back in scope".to_string(),
                    )],
                    link: LinkChange::Set(Link {
                        active: true,
                        ..link.clone()
                    }),
                    ..Outcome::nothing()
                }
            }
            (Some(_), _) => Outcome::unchanged(LinkChange::Keep),
            (None, _) => Outcome {
                retry: true,
                ..Outcome::nothing()
            }
            .warn(
                WarningCode::ProfileUnavailable,
                "now in scope, but Okta returned no profile to create the record from; \
                 the user is fetched again at the next run",
            ),
        }
    }

    fn update_linked(
        &self,
        link: &Link,
        record: &TargetRecord,
        fields: &Fields,
        fp: u64,
    ) -> Outcome {
        let changes = diff_fields(fields, Some(&record.fields), self.compared_fields());
        let reactivate = !link.active || self.marked_inactive(record);
        let new_link = Link {
            active: true,
            fingerprint: fp,
            ..link.clone()
        };
        if reactivate && self.mapping.inactive.is_some() {
            return Outcome {
                actions: vec![(
                    ActionKind::ReactivateRecord {
                        collection: self.collection(),
                        record_id: record.id.clone(),
                        changes,
                    },
                    "in scope again; the record is marked active".to_string(),
                )],
                link: LinkChange::Set(new_link),
                ..Outcome::nothing()
            };
        }
        if changes.is_empty() {
            let link_change = if new_link == *link {
                LinkChange::Keep
            } else {
                LinkChange::Set(new_link)
            };
            return Outcome::unchanged(link_change);
        }
        let reason = format!("changed in Okta: {}", changed_names(&changes));
        Outcome {
            actions: vec![(
                ActionKind::UpdateRecord {
                    collection: self.collection(),
                    record_id: record.id.clone(),
                    changes,
                },
                reason,
            )],
            link: LinkChange::Set(new_link),
            ..Outcome::nothing()
        }
    }

    /// A linked record the target was not read for (a delta): the fingerprint tells
    /// whether the mapped values changed since they were last written.
    fn update_unread(&self, link: &Link, fields: &Fields, fp: u64) -> Outcome {
        let reactivate = !link.active && self.mapping.inactive.is_some();
        if !reactivate && link.fingerprint == fp {
            return Outcome::unchanged(LinkChange::Keep);
        }
        let compared: Vec<&str> = if link.fingerprint == fp {
            self.mapping
                .inactive
                .as_ref()
                .map(|m| m.field.as_str())
                .into_iter()
                .collect()
        } else {
            self.compared_fields().collect()
        };
        let changes = diff_fields(fields, None, compared);
        let new_link = Link {
            active: true,
            fingerprint: fp,
            ..link.clone()
        };
        let (kind, reason) = if reactivate {
            (
                ActionKind::ReactivateRecord {
                    collection: self.collection(),
                    record_id: link.target_id.clone(),
                    changes,
                },
                "in scope again; the record is marked active".to_string(),
            )
        } else {
            (
                ActionKind::UpdateRecord {
                    collection: self.collection(),
                    record_id: link.target_id.clone(),
                    changes,
                },
                "changed in Okta since the last sync (record not read; all mapped fields are written)"
                    .to_string(),
            )
        };
        Outcome {
            actions: vec![(kind, reason)],
            link: LinkChange::Set(new_link),
            ..Outcome::nothing()
        }
    }

    fn create_or_adopt(
        &self,
        s: &Subject<'_>,
        fields: Fields,
        fp: u64,
        dead_link: Option<&str>,
    ) -> Outcome {
        let candidates = record_candidates(&self.shared, s, &self.mapping.okta_id_field, dead_link);
        if s.identity.is_none() && candidates.is_empty() {
            let field = self
                .shared
                .identifier_field
                .clone()
                .unwrap_or_else(|| self.mapping.okta_id_field.clone());
            return Outcome::conflict(
                Conflict::RequiredFieldMissing {
                    problems: vec![FieldProblem {
                        field,
                        message: "the user has no unique identifier to match existing records on"
                            .into(),
                    }],
                },
                "cannot match or create without a unique identifier",
            );
        }
        match candidates.as_slice() {
            [] => Outcome {
                actions: vec![(
                    ActionKind::CreateRecord {
                        collection: self.collection(),
                        fields,
                    },
                    format!("in scope; no record in {} matches", self.mapping.collection),
                )],
                link: LinkChange::Set(Link {
                    target_id: String::new(),
                    origin: Origin::Created,
                    active: true,
                    role: None,
                    fingerprint: fp,
                }),
                ..Outcome::nothing()
            },
            [record] => {
                let changes = diff_fields(&fields, Some(&record.fields), self.compared_fields());
                let stamped = record
                    .fields
                    .get(&self.mapping.okta_id_field)
                    .and_then(super::index::value_text)
                    .is_some_and(|v| v == s.id);
                let reason = if stamped {
                    "the record already carries this Okta id (written by an earlier run that did not finish)"
                        .to_string()
                } else {
                    format!(
                        "an existing record matches by {}; it was not created by this integration",
                        self.shared
                            .identifier_field
                            .as_deref()
                            .unwrap_or("unique identifier")
                    )
                };
                Outcome {
                    actions: vec![(
                        ActionKind::AdoptRecord {
                            collection: self.collection(),
                            record_id: record.id.clone(),
                            stamp_field: self.mapping.okta_id_field.clone(),
                            changes,
                        },
                        reason,
                    )],
                    link: LinkChange::Set(Link {
                        target_id: record.id.clone(),
                        origin: Origin::Adopted,
                        active: true,
                        role: None,
                        fingerprint: fp,
                    }),
                    ..Outcome::nothing()
                }
            }
            many => Outcome::conflict(
                Conflict::MultipleTargetMatches {
                    target_ids: many.iter().map(|r| r.id.clone()).collect(),
                },
                format!(
                    "{} records in {} match this user; none is picked",
                    many.len(),
                    self.mapping.collection
                ),
            ),
        }
    }

    fn plan_inactive(&self, link: Option<&Link>, cause: &Cause) -> Outcome {
        let Some(link) = link else {
            return Outcome::nothing();
        };
        let record = self.shared.target.record(&link.target_id);
        if record.is_none() && self.shared.target_complete {
            return Outcome {
                link: LinkChange::Drop,
                ..Outcome::nothing()
            }
            .warn(
                WarningCode::LinkedEntryMissing,
                format!(
                    "record {} that this integration managed no longer exists in {}",
                    link.target_id, self.mapping.collection
                ),
            );
        }
        let Some(marker) = &self.mapping.inactive else {
            // Without an inactive marker, records are left exactly as they are.
            return Outcome::nothing();
        };
        let already = record.map_or(!link.active, |r| self.marked_inactive(r));
        if already {
            return match link.active {
                true => Outcome {
                    link: LinkChange::Set(Link {
                        active: false,
                        ..link.clone()
                    }),
                    ..Outcome::nothing()
                },
                false => Outcome::nothing(),
            };
        }
        Outcome {
            actions: vec![(
                ActionKind::MarkRecordInactive {
                    collection: self.collection(),
                    record_id: link.target_id.clone(),
                    cause: cause.clone(),
                    field: marker.field.clone(),
                    value: marker.inactive_value.clone(),
                },
                cause.describe(),
            )],
            link: LinkChange::Set(Link {
                active: false,
                ..link.clone()
            }),
            ..Outcome::nothing()
        }
    }
}
