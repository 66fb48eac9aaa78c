//! The mapping engine: Okta user → target field values.
//!
//! SKELETON (to be implemented).

use serde::{Deserialize, Serialize};

use crate::config::FieldMap;
use crate::model::DirectoryUser;
use crate::target::Fields;
use crate::Result;

/// A per-field problem the planner reports instead of writing garbage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct FieldProblem {
    /// Target field.
    pub field: String,
    /// What is wrong (required attribute missing, wrong type...).
    pub message: String,
}

/// The result of mapping one user.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MappedUser {
    /// Target field values (missing optional values are absent, not null).
    pub fields: Fields,
    /// Problems found; non-empty means the planner must not write this user.
    pub problems: Vec<FieldProblem>,
}

/// A field map compiled once (expressions parsed, templates split), applied per user.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    fields: Vec<FieldMap>,
}

impl CompiledMapping {
    /// Compiles a field map; fails on an unknown source expression or a bad template.
    pub fn new(fields: &[FieldMap]) -> Result<Self> {
        Ok(CompiledMapping {
            fields: fields.to_vec(),
        })
    }

    /// Maps one user.
    pub fn map(&self, _user: &DirectoryUser) -> MappedUser {
        let _ = &self.fields;
        todo!("mapping engine")
    }
}
