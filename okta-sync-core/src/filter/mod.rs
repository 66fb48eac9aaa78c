//! The filter evaluator: who is in scope for a mapping.
//!
//! Three kinds of filter, ANDed together; the values within one kind are ORed:
//!
//! - **department**: `profile.department` is one of the listed values, compared trimmed,
//!   NFC-normalised and case-insensitively unless `department_case_sensitive` is set;
//! - **groups**: member of any listed group, named by name or id as in the configuration;
//! - **status**: the user's Okta status is one of the listed ones.
//!
//! An empty kind admits everyone. [`FilterEvaluator::explain`] says which kind admitted or
//! excluded a user and why; [`FilterEvaluator::pushdown`] gives the part Okta can evaluate
//! server-side (only ever looser than local evaluation; `filter/pushdown.rs` says why).

mod department;
mod pushdown;

use serde::{Deserialize, Serialize};

use crate::config::{Filters, Mapping};
use crate::model::{DirectoryUser, UserStatus};

use department::DepartmentSet;

/// Group membership as the planner knows it (from the directory read and the sync state).
pub trait Memberships {
    /// True when `user_id` is a member of the group configured as `group_ref` (a name or
    /// an id, exactly as written in the configuration).
    fn is_member(&self, user_id: &str, group_ref: &str) -> bool;
}

/// The part of a filter Okta can evaluate server-side.
///
/// Every field only ever narrows a listing to a **superset** of the filter's scope; local
/// evaluation still decides. A consequence for whoever uses it: a listing narrowed by a
/// pushdown is complete only for the users it can return, so a managed user missing from
/// it may be out of scope rather than deleted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pushdown {
    /// A users `filter` expression on status (`status eq "ACTIVE" or ...`), or `None` when
    /// there is no status filter or it cannot be pushed.
    pub filter: Option<String>,
    /// A users `search` expression on department, already ANDed with the status condition
    /// when there is one, so that a source uses either `search` (when present) or `filter`,
    /// never both. `None` when department matching cannot be pushed: Okta's `search` ignores
    /// case but does not trim, so only `department_case_sensitive` filters are pushed.
    pub search: Option<String>,
    /// Groups (as configured) whose member listings hold everyone in scope; empty when
    /// there is no group filter.
    pub groups: Vec<String>,
}

impl Pushdown {
    /// True when nothing can be pushed down.
    pub fn is_empty(&self) -> bool {
        self.filter.is_none() && self.search.is_none() && self.groups.is_empty()
    }
}

/// Why a user was admitted or excluded, kind by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The overall verdict.
    pub admitted: bool,
    /// One line per filter kind that was evaluated.
    pub checks: Vec<FilterCheck>,
}

/// One filter kind's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterCheck {
    /// `department`, `groups` or `status`.
    pub filter: String,
    /// Whether this kind admitted the user.
    pub passed: bool,
    /// Why, in words an admin understands.
    pub reason: String,
}

/// A compiled filter set for one mapping.
#[derive(Debug, Clone)]
pub struct FilterEvaluator {
    departments: Option<DepartmentSet>,
    /// The departments as configured, for messages and pushdown.
    department_text: Vec<String>,
    case_sensitive: bool,
    /// Each inner list is ORed, the lists are ANDed. A record mapping has at most one; a
    /// login mapping has its role groups and, optionally, its `filters.groups`.
    groups: Vec<GroupRequirement>,
    status: Vec<UserStatus>,
}

#[derive(Debug, Clone)]
struct GroupRequirement {
    /// `groups` for a filter, `role groups` for a login mapping's role list.
    label: &'static str,
    refs: Vec<String>,
}

impl FilterEvaluator {
    /// Compiles `filters` (normalising departments once, not per user).
    pub fn new(filters: &Filters) -> Self {
        let departments = (!filters.department.is_empty())
            .then(|| DepartmentSet::new(&filters.department, filters.department_case_sensitive));
        let groups = (!filters.groups.is_empty())
            .then(|| GroupRequirement {
                label: "groups",
                refs: filters.groups.clone(),
            })
            .into_iter()
            .collect();
        FilterEvaluator {
            departments,
            department_text: filters.department.clone(),
            case_sensitive: filters.department_case_sensitive,
            groups,
            status: filters.status.clone(),
        }
    }

    /// The scope of a whole mapping. For a record mapping that is its `filters`. For a
    /// login mapping it is membership of any group in its role list, AND (when set)
    /// membership of any group in its `filters.groups`; department and status filters are
    /// rejected on login mappings by validation and ignored here.
    pub fn for_mapping(mapping: &Mapping) -> Self {
        match mapping {
            Mapping::Record(m) => Self::new(&m.filters),
            Mapping::Login(m) => {
                let mut eval = Self::new(&Filters {
                    groups: m.filters.groups.clone(),
                    ..Filters::default()
                });
                eval.groups.insert(
                    0,
                    GroupRequirement {
                        label: "role groups",
                        refs: m.groups.iter().map(|g| g.group.clone()).collect(),
                    },
                );
                eval
            }
        }
    }

    /// True when the user is in scope. Stops at the first failing kind and builds no text.
    pub fn admits(&self, user: &DirectoryUser, groups: &dyn Memberships) -> bool {
        self.status_passes(user)
            && self.department_passes(user)
            && self
                .groups
                .iter()
                .all(|req| req.refs.iter().any(|g| groups.is_member(&user.id, g)))
    }

    /// Which filter admitted or excluded the user, and why. Every kind is evaluated, so
    /// the answer lists all reasons for an exclusion, not just the first.
    pub fn explain(&self, user: &DirectoryUser, groups: &dyn Memberships) -> Explanation {
        let mut checks = Vec::new();
        if self.departments.is_some() {
            checks.push(self.explain_department(user));
        }
        for req in &self.groups {
            checks.push(explain_groups(req, user, groups));
        }
        if !self.status.is_empty() {
            let passed = self.status_passes(user);
            let verb = if passed { "is" } else { "is not" };
            checks.push(FilterCheck {
                filter: "status".into(),
                passed,
                reason: format!(
                    "status {} {verb} one of: {}",
                    user.status,
                    list(self.status.iter().map(UserStatus::as_str))
                ),
            });
        }
        Explanation {
            admitted: checks.iter().all(|c| c.passed),
            checks,
        }
    }

    /// The Okta query that pushes this filter down where Okta can evaluate it.
    pub fn pushdown(&self) -> Pushdown {
        let status = pushdown::status_expression(&self.status);
        let department = if self.case_sensitive {
            pushdown::department_expression(&self.department_text)
        } else {
            None
        };
        let search = department.map(|d| match &status {
            Some(s) => pushdown::and(s, &d),
            None => d,
        });
        Pushdown {
            filter: status,
            search,
            groups: self
                .groups
                .first()
                .map(|req| req.refs.clone())
                .unwrap_or_default(),
        }
    }

    fn status_passes(&self, user: &DirectoryUser) -> bool {
        self.status.is_empty() || self.status.contains(&user.status)
    }

    fn department_passes(&self, user: &DirectoryUser) -> bool {
        match &self.departments {
            None => true,
            Some(set) => user
                .profile_str("department")
                .is_some_and(|d| set.contains(d)),
        }
    }

    fn explain_department(&self, user: &DirectoryUser) -> FilterCheck {
        let passed = self.department_passes(user);
        let wanted = list(self.department_text.iter().map(String::as_str));
        let how = if self.case_sensitive {
            "compared exactly"
        } else {
            "ignoring case and surrounding spaces"
        };
        let reason = match user.profile.get("department") {
            Some(serde_json::Value::String(d)) => {
                let verb = if passed { "is" } else { "is not" };
                format!("department \"{d}\" {verb} one of: {wanted} ({how})")
            }
            Some(v) if !v.is_null() => {
                format!("department is not text, so it cannot be one of: {wanted}")
            }
            _ => format!("user has no department; needs one of: {wanted}"),
        };
        FilterCheck {
            filter: "department".into(),
            passed,
            reason,
        }
    }
}

fn explain_groups(
    req: &GroupRequirement,
    user: &DirectoryUser,
    groups: &dyn Memberships,
) -> FilterCheck {
    let member_of: Vec<&str> = req
        .refs
        .iter()
        .filter(|g| groups.is_member(&user.id, g))
        .map(String::as_str)
        .collect();
    let passed = !member_of.is_empty();
    let reason = if passed {
        format!("member of {}", list(member_of.into_iter()))
    } else {
        format!(
            "member of none of: {}",
            list(req.refs.iter().map(String::as_str))
        )
    };
    FilterCheck {
        filter: req.label.into(),
        passed,
        reason,
    }
}

/// `"A", "B"`: quoted so that names with commas or spaces stay readable.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;

    struct Members(BTreeSet<(&'static str, &'static str)>);

    impl Memberships for Members {
        fn is_member(&self, user_id: &str, group_ref: &str) -> bool {
            self.0.iter().any(|(u, g)| *u == user_id && *g == group_ref)
        }
    }

    fn user(id: &str, status: &str, department: serde_json::Value) -> DirectoryUser {
        serde_json::from_value(json!({
            "id": id, "status": status, "profile": {"department": department}
        }))
        .unwrap()
    }

    fn filters(dept: &[&str], groups: &[&str], status: &[UserStatus]) -> Filters {
        Filters {
            department: dept.iter().map(|s| s.to_string()).collect(),
            department_case_sensitive: false,
            groups: groups.iter().map(|s| s.to_string()).collect(),
            status: status.to_vec(),
        }
    }

    #[test]
    fn empty_filters_admit_everyone() {
        let e = FilterEvaluator::new(&Filters::default());
        let m = Members(BTreeSet::new());
        let u = user("00u1", "DEPROVISIONED", json!(null));
        assert!(e.admits(&u, &m));
        assert_eq!(
            e.explain(&u, &m),
            Explanation {
                admitted: true,
                checks: vec![]
            }
        );
        assert!(e.pushdown().is_empty());
    }

    #[test]
    fn and_across_kinds_or_within() {
        let f = filters(
            &["Engineering", "Sales"],
            &["Staff", "00gContractors"],
            &[UserStatus::Active, UserStatus::Provisioned],
        );
        let e = FilterEvaluator::new(&f);
        let m = Members(
            [
                ("00u1", "Staff"),
                ("00u2", "00gContractors"),
                ("00u3", "Staff"),
            ]
            .into_iter()
            .collect(),
        );
        assert!(e.admits(&user("00u1", "ACTIVE", json!(" sales ")), &m));
        assert!(e.admits(&user("00u2", "PROVISIONED", json!("ENGINEERING")), &m));
        // Wrong status.
        assert!(!e.admits(&user("00u3", "SUSPENDED", json!("Sales")), &m));
        // Not in any group.
        assert!(!e.admits(&user("00u4", "ACTIVE", json!("Sales")), &m));
        // Wrong department, missing department, non-text department.
        assert!(!e.admits(&user("00u1", "ACTIVE", json!("Marketing")), &m));
        assert!(!e.admits(&user("00u1", "ACTIVE", json!(null)), &m));
        assert!(!e.admits(&user("00u1", "ACTIVE", json!(["Sales"])), &m));
    }

    #[test]
    fn explain_gives_every_reason() {
        let f = filters(&["Engineering"], &["Staff"], &[UserStatus::Active]);
        let e = FilterEvaluator::new(&f);
        let m = Members(BTreeSet::new());
        let u = user("00u1", "SUSPENDED", json!("Engineering "));
        let ex = e.explain(&u, &m);
        assert!(!ex.admitted);
        let lines: Vec<_> = ex
            .checks
            .iter()
            .map(|c| format!("{} {} {}", c.filter, c.passed, c.reason))
            .collect();
        assert_eq!(
            lines,
            [
                "department true department \"Engineering \" is one of: \"Engineering\" \
                 (ignoring case and surrounding spaces)",
                "groups false member of none of: \"Staff\"",
                "status false status SUSPENDED is not one of: \"ACTIVE\"",
            ]
        );
        assert_eq!(ex.admitted, e.admits(&u, &m));
        let u = user("00u1", "ACTIVE", json!(null));
        assert_eq!(
            e.explain(&u, &m).checks[0].reason,
            "user has no department; needs one of: \"Engineering\""
        );
    }

    #[test]
    fn pushdown_by_kind() {
        let f = filters(
            &["Sales"],
            &["Staff"],
            &[UserStatus::Active, UserStatus::Suspended],
        );
        let p = FilterEvaluator::new(&f).pushdown();
        assert_eq!(
            p.filter.as_deref(),
            Some(r#"status eq "ACTIVE" or status eq "SUSPENDED""#)
        );
        // Default department comparison trims and folds case: not pushed.
        assert_eq!(p.search, None);
        assert_eq!(p.groups, ["Staff"]);

        let mut f = filters(&["Sales", "R&D"], &[], &[UserStatus::Active]);
        f.department_case_sensitive = true;
        let p = FilterEvaluator::new(&f).pushdown();
        assert_eq!(
            p.search.as_deref(),
            Some(
                r#"status eq "ACTIVE" and (profile.department eq "Sales" or profile.department eq "R&D")"#
            )
        );
        assert!(p.groups.is_empty());
    }

    #[test]
    fn login_mapping_scope_is_role_groups_and_filter_groups() {
        let mapping: Mapping = serde_json::from_value(json!({
            "kind": "login", "name": "admins",
            "groups": [{"group": "Okta Admins", "role": "Administrator"},
                       {"group": "IT", "role": "Manager"}],
            "filters": {"groups": ["Full-time"]},
            "fields": []
        }))
        .unwrap();
        let e = FilterEvaluator::for_mapping(&mapping);
        let m = Members(
            [
                ("a", "IT"),
                ("a", "Full-time"),
                ("b", "Okta Admins"),
                ("c", "Full-time"),
            ]
            .into_iter()
            .collect(),
        );
        let u = |id| user(id, "ACTIVE", json!(null));
        assert!(e.admits(&u("a"), &m));
        assert!(!e.admits(&u("b"), &m), "not in the filter group");
        assert!(!e.admits(&u("c"), &m), "in no role group");
        let ex = e.explain(&u("b"), &m);
        assert_eq!(ex.checks[0].filter, "role groups");
        assert_eq!(ex.checks[0].reason, "member of \"Okta Admins\"");
        assert_eq!(ex.checks[1].reason, "member of none of: \"Full-time\"");
        assert_eq!(e.pushdown().groups, ["Okta Admins", "IT"]);
    }
}
