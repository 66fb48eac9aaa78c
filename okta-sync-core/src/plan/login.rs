//! Planning one user in a login mapping: invite, adopt, change role, update, deactivate,
//! reactivate. Whatever the target cannot do through its API becomes a manual action
//! instead of a write.

use serde_json::Value;

use super::context::{LinkChange, MappingShared, Outcome, Subject};
use super::diff::{changed_names, diff_fields};
use super::identity_match::login_candidates;
use super::scope::{Desired, role_rank};
use super::types::{ActionKind, Cause, Conflict, WarningCode};
use crate::config::LoginMapping;
use crate::filter::FilterEvaluator;
use crate::mapping::FieldProblem;
use crate::state::{Link, Origin};
use crate::target::{Capabilities, Fields, TargetLogin};

/// A login mapping, compiled for planning.
#[derive(Debug)]
pub(crate) struct LoginPlanner<'a> {
    pub(crate) shared: MappingShared<'a>,
    pub(crate) mapping: &'a LoginMapping,
    /// Extra filters, when the mapping has any (groups are the main filter).
    pub(crate) filter: Option<FilterEvaluator>,
    /// The target field mapped from `profile.email`, if any.
    pub(crate) email_field: Option<String>,
    pub(crate) capabilities: &'a Capabilities,
}

/// The planned actions for one login, built up in order.
struct Steps {
    actions: Vec<(ActionKind, String)>,
}

impl Steps {
    /// Adds `kind` as a write when the target `can`, else as a manual action. Returns
    /// whether it is a write (so the link may record its effect).
    fn push(&mut self, can: bool, capability: &str, kind: ActionKind, reason: String) -> bool {
        if can {
            self.actions.push((kind, reason));
        } else {
            self.actions.push((
                ActionKind::Manual {
                    capability: capability.to_string(),
                    intended: Box::new(kind),
                },
                format!("{reason}; the target cannot do this through its API"),
            ));
        }
        can
    }
}

impl LoginPlanner<'_> {
    fn is_ungrantable(&self, role: &str) -> bool {
        self.capabilities
            .ungrantable_roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(role))
    }

    /// True when moving from `from` to `to` lowers access: `to` ranks below `from` in the
    /// mapping's group order, or `from` is not a role this mapping grants (or unknown).
    fn is_downgrade(&self, from: Option<&str>, to: &str) -> bool {
        match (
            from.and_then(|f| role_rank(self.mapping, f)),
            role_rank(self.mapping, to),
        ) {
            (Some(from), Some(to)) => to > from,
            _ => true,
        }
    }

    /// The login's current fields, with the login email standing in for the email field
    /// when the target keeps it apart.
    fn current_fields(&self, login: &TargetLogin) -> Fields {
        let mut fields = login.fields.clone();
        if let Some(email_field) = &self.email_field {
            fields
                .entry(email_field.clone())
                .or_insert_with(|| Value::String(login.email.clone()));
        }
        fields
    }

    /// Plans `subject` for this mapping given what it should hold.
    pub(crate) fn plan(
        &self,
        s: &Subject<'_>,
        desired: &Desired<'_>,
        link: Option<&Link>,
    ) -> Outcome {
        match desired {
            Desired::Active { grant } => {
                let (role, group) = grant.map_or(("", ""), |g| (g.role.as_str(), g.group.as_str()));
                self.plan_active(s, link, role, group)
            }
            Desired::Inactive(cause) => self.plan_inactive(link, cause),
            Desired::Untouched => Outcome::nothing(),
        }
    }

    fn plan_active(
        &self,
        s: &Subject<'_>,
        link: Option<&Link>,
        role: &str,
        group: &str,
    ) -> Outcome {
        let mut dead_link = None;
        if let Some(link) = link {
            match self.shared.target.login(&link.target_id) {
                Some(login) => return self.update_linked(s, link, Some(login), role, group),
                None if self.shared.target_complete => dead_link = Some(link.target_id.as_str()),
                None => return self.update_linked(s, link, None, role, group),
            }
        }
        let outcome = self.create_or_adopt(s, role, group, dead_link);
        match dead_link {
            Some(id) => {
                let outcome = outcome.warn(
                    WarningCode::LinkedEntryMissing,
                    format!(
                        "login {id} that this integration managed no longer exists; it is replaced"
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

    /// The mapped fields and their fingerprint, or the conflict that stops any write.
    fn mapped(&self, s: &Subject<'_>) -> Result<Option<(Fields, u64)>, Outcome> {
        if let Some(okta_ids) = s.duplicates {
            return Err(Outcome::conflict(
                Conflict::DuplicateIdentity {
                    okta_ids: okta_ids.to_vec(),
                },
                "several Okta users share this unique identifier; none is written until it is unique",
            ));
        }
        let Some(user) = s.user else {
            return Ok(None);
        };
        let mapped = self.shared.compiled.map(user);
        if !mapped.problems.is_empty() {
            return Err(Outcome::conflict(
                Conflict::RequiredFieldMissing {
                    problems: mapped.problems,
                },
                "required values are missing; nothing is written for this user",
            ));
        }
        let fp = self.shared.fingerprint(&mapped.fields);
        Ok(Some((mapped.fields, fp)))
    }

    fn ungrantable(&self, role: &str) -> Outcome {
        Outcome::conflict(
            Conflict::UngrantableRole {
                role: role.to_string(),
            },
            format!(
                "role {role} cannot be granted through the target's API; grant it by hand or map the group to another role"
            ),
        )
    }

    fn update_linked(
        &self,
        s: &Subject<'_>,
        link: &Link,
        login: Option<&TargetLogin>,
        role: &str,
        group: &str,
    ) -> Outcome {
        if let Some(login) = login {
            // A settled user whose login still holds what was last written: nothing to do.
            let untouched = s.settled
                && s.duplicates.is_none()
                && link.active
                && login.active
                && login.role.as_deref() == Some(role)
                && link.role.as_deref() == Some(role)
                && self.shared.fingerprint(&self.current_fields(login)) == link.fingerprint;
            if untouched {
                return Outcome::unchanged(LinkChange::Keep);
            }
        }
        let mapped = match self.mapped(s) {
            Ok(m) => m,
            Err(conflict) => return conflict,
        };
        let active = login.map_or(link.active, |l| l.active);
        let current_role = login
            .and_then(|l| l.role.clone())
            .or_else(|| link.role.clone());
        let role_changes = current_role.as_deref() != Some(role);
        if role_changes && self.is_ungrantable(role) {
            return self.ungrantable(role);
        }
        let login_id = link.target_id.clone();
        let mut steps = Steps {
            actions: Vec::new(),
        };
        let mut new_link = link.clone();

        if !active {
            let done = steps.push(
                self.capabilities.reactivate_login,
                "reactivate_login",
                ActionKind::ReactivateLogin {
                    login_id: login_id.clone(),
                },
                format!("back in scope (member of {group})"),
            );
            if done {
                new_link.active = true;
            }
        } else if !link.active {
            new_link.active = true;
        }
        if role_changes {
            let downgrade = self.is_downgrade(current_role.as_deref(), role);
            let done = steps.push(
                self.capabilities.change_role,
                "change_role",
                ActionKind::ChangeRole {
                    login_id: login_id.clone(),
                    from: current_role.clone(),
                    to: role.to_string(),
                    downgrade,
                },
                format!("the first mapped group the user is in is now {group}"),
            );
            if done {
                new_link.role = Some(role.to_string());
            }
        } else if link.role.as_deref() != Some(role) {
            new_link.role = Some(role.to_string());
        }
        if let Some((fields, fp)) = mapped {
            let current = login.map(|l| self.current_fields(l));
            let compare = link.fingerprint != fp || current.is_some();
            let changes = if compare {
                diff_fields(
                    &fields,
                    current.as_ref(),
                    self.shared.managed.iter().map(String::as_str),
                )
            } else {
                Vec::new()
            };
            if changes.is_empty() {
                new_link.fingerprint = fp;
            } else {
                let reason = match current {
                    Some(_) => format!("changed in Okta: {}", changed_names(&changes)),
                    None => "changed in Okta since the last sync (login not read; all mapped fields are written)"
                        .to_string(),
                };
                let done = steps.push(
                    self.capabilities.update_login,
                    "update_login",
                    ActionKind::UpdateLogin {
                        login_id: login_id.clone(),
                        changes,
                    },
                    reason,
                );
                if done {
                    new_link.fingerprint = fp;
                }
            }
        }
        let link_change = if new_link == *link {
            LinkChange::Keep
        } else {
            LinkChange::Set(new_link)
        };
        if steps.actions.is_empty() {
            return Outcome::unchanged(link_change);
        }
        Outcome {
            actions: steps.actions,
            link: link_change,
            ..Outcome::nothing()
        }
    }

    fn create_or_adopt(
        &self,
        s: &Subject<'_>,
        role: &str,
        group: &str,
        dead_link: Option<&str>,
    ) -> Outcome {
        let mapped = match self.mapped(s) {
            Ok(Some(m)) => m,
            Ok(None) => {
                return Outcome {
                    retry: true,
                    ..Outcome::nothing()
                }
                .warn(
                    WarningCode::ProfileUnavailable,
                    "now in scope, but Okta returned no profile to create the login from; \
                     the user is fetched again at the next run",
                );
            }
            Err(conflict) => return conflict,
        };
        let (fields, fp) = mapped;
        let email = self
            .email_field
            .as_ref()
            .and_then(|f| fields.get(f))
            .and_then(Value::as_str)
            .or_else(|| s.user.and_then(|u| u.email()))
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty());
        if s.identity.is_none() || email.is_none() {
            return Outcome::conflict(
                Conflict::RequiredFieldMissing {
                    problems: vec![FieldProblem {
                        field: self
                            .email_field
                            .clone()
                            .unwrap_or_else(|| "email".to_string()),
                        message:
                            "the user has no email (or no unique identifier) to match or invite"
                                .into(),
                    }],
                },
                "cannot match or invite without an email and a unique identifier",
            );
        }
        let email = email.unwrap_or_default();
        let candidates = login_candidates(&self.shared, s, dead_link);
        match candidates.as_slice() {
            [] => {
                if self.is_ungrantable(role) {
                    return self.ungrantable(role);
                }
                let mut steps = Steps {
                    actions: Vec::new(),
                };
                let done = steps.push(
                    self.capabilities.create_login,
                    "create_login",
                    ActionKind::CreateLogin {
                        email,
                        role: role.to_string(),
                        fields,
                    },
                    format!("member of {group}; no login matches"),
                );
                Outcome {
                    actions: steps.actions,
                    link: if done {
                        LinkChange::Set(Link {
                            target_id: String::new(),
                            origin: Origin::Created,
                            active: true,
                            role: Some(role.to_string()),
                            fingerprint: fp,
                        })
                    } else {
                        LinkChange::Keep
                    },
                    ..Outcome::nothing()
                }
            }
            [login] => {
                let adopted = Link {
                    target_id: login.id.clone(),
                    origin: Origin::Adopted,
                    active: login.active,
                    role: login.role.clone(),
                    // Unknown until the fields are compared below.
                    fingerprint: 0,
                };
                let mut outcome = self.update_linked(s, &adopted, Some(login), role, group);
                if outcome
                    .actions
                    .iter()
                    .any(|(k, _)| matches!(k, ActionKind::Conflict { .. }))
                {
                    return outcome;
                }
                let new_link = match outcome.link {
                    LinkChange::Set(link) => link,
                    _ => adopted,
                };
                outcome.actions.insert(
                    0,
                    (
                        ActionKind::AdoptLogin {
                            login_id: login.id.clone(),
                        },
                        "an existing login matches by email; it was not created by this integration"
                            .to_string(),
                    ),
                );
                outcome.unchanged = false;
                outcome.link = LinkChange::Set(new_link);
                outcome
            }
            many => Outcome::conflict(
                Conflict::MultipleTargetMatches {
                    target_ids: many.iter().map(|l| l.id.clone()).collect(),
                },
                format!("{} logins match this user; none is picked", many.len()),
            ),
        }
    }

    fn plan_inactive(&self, link: Option<&Link>, cause: &Cause) -> Outcome {
        let Some(link) = link else {
            return Outcome::nothing();
        };
        let login = self.shared.target.login(&link.target_id);
        if login.is_none() && self.shared.target_complete {
            return Outcome {
                link: LinkChange::Drop,
                ..Outcome::nothing()
            }
            .warn(
                WarningCode::LinkedEntryMissing,
                format!(
                    "login {} that this integration managed no longer exists",
                    link.target_id
                ),
            );
        }
        let active = login.map_or(link.active, |l| l.active);
        if !active {
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
        let mut steps = Steps {
            actions: Vec::new(),
        };
        let done = steps.push(
            self.capabilities.deactivate_login,
            "deactivate_login",
            ActionKind::DeactivateLogin {
                login_id: link.target_id.clone(),
                cause: cause.clone(),
            },
            cause.describe(),
        );
        Outcome {
            actions: steps.actions,
            link: if done {
                LinkChange::Set(Link {
                    active: false,
                    ..link.clone()
                })
            } else {
                LinkChange::Keep
            },
            ..Outcome::nothing()
        }
    }
}
