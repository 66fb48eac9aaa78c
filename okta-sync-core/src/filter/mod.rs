//! The filter evaluator: who is in scope for a mapping.
//!
//! SKELETON (to be implemented): department (set membership, trimmed and case-insensitive
//! by default), group (member of any listed group, by name or id), status (a set of Okta
//! statuses). AND across kinds, OR within a kind. `explain` says why.

use serde::{Deserialize, Serialize};

use crate::config::Filters;
use crate::model::DirectoryUser;

/// Group membership as the planner knows it (from the directory read and the sync state).
pub trait Memberships {
    /// True when `user_id` is a member of the group configured as `group_ref` (a name or
    /// an id, exactly as written in the configuration).
    fn is_member(&self, user_id: &str, group_ref: &str) -> bool;
}

/// The part of a filter Okta can evaluate server-side.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pushdown {
    /// A users `filter` expression (status), if any.
    pub filter: Option<String>,
    /// A users `search` expression (status and department), if any.
    pub search: Option<String>,
    /// Groups whose member listings can replace the full user listing, if any.
    pub groups: Vec<String>,
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
    filters: Filters,
}

impl FilterEvaluator {
    /// Compiles `filters` (normalising departments once, not per user).
    pub fn new(filters: &Filters) -> Self {
        FilterEvaluator {
            filters: filters.clone(),
        }
    }

    /// True when the user is in scope.
    pub fn admits(&self, user: &DirectoryUser, groups: &dyn Memberships) -> bool {
        self.explain(user, groups).admitted
    }

    /// Which filter admitted or excluded the user, and why.
    pub fn explain(&self, _user: &DirectoryUser, _groups: &dyn Memberships) -> Explanation {
        let _ = &self.filters;
        todo!("filter evaluator")
    }

    /// The Okta query that pushes this filter down where Okta can evaluate it.
    pub fn pushdown(&self) -> Pushdown {
        todo!("filter pushdown")
    }
}
