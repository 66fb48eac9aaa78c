//! The mapping engine: Okta user → target field values.
//!
//! A field map is compiled once ([`CompiledMapping::new`]): source expressions are parsed,
//! templates split, date patterns and lookup tables prepared. Mapping a user then reads
//! borrowed values from it and allocates only the output. A value that cannot be written
//! (a required attribute missing, an array where a field needs one value) becomes a
//! [`FieldProblem`] that the planner reports instead of writing garbage.

mod expr;
mod template;
mod transform;
mod value;

use serde::{Deserialize, Serialize};

use crate::config::{FieldMap, UniqueIdentifier};
use crate::error::ConfigProblem;
use crate::model::DirectoryUser;
use crate::target::Fields;
use crate::{Error, Result};

pub use expr::SourceExpr;

use template::Template;
use transform::CompiledTransform;

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

/// Where a field's value comes from, parsed.
#[derive(Debug, Clone)]
enum Source {
    Expr(SourceExpr),
    Template(Template),
}

#[derive(Debug, Clone)]
struct CompiledField {
    target: String,
    /// The source as configured, for messages.
    source_text: String,
    source: Source,
    transforms: Vec<CompiledTransform>,
    required: bool,
}

/// A field map compiled once (expressions parsed, templates split), applied per user.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    fields: Vec<CompiledField>,
}

impl CompiledMapping {
    /// Compiles a field map; fails on an unknown source expression or a bad template or
    /// transform. The error lists every problem, with paths such as `fields[2].source`.
    pub fn new(fields: &[FieldMap]) -> Result<Self> {
        Self::with_path(fields, "")
    }

    /// Like [`CompiledMapping::new`], with `prefix` (for example `mappings[1]`) put in
    /// front of each problem's path, so that configuration validation can report where
    /// in the whole configuration the problem is.
    pub fn with_path(fields: &[FieldMap], prefix: &str) -> Result<Self> {
        let mut problems = Vec::new();
        let mut compiled = Vec::with_capacity(fields.len());
        let sep = if prefix.is_empty() { "" } else { "." };
        for (i, field) in fields.iter().enumerate() {
            let path = format!("{prefix}{sep}fields[{i}]");
            let source = compile_source(&field.source).map_err(|message| ConfigProblem {
                path: format!("{path}.source"),
                message,
            });
            let transforms = field
                .transforms
                .iter()
                .enumerate()
                .map(|(j, t)| {
                    CompiledTransform::compile(t).map_err(|message| ConfigProblem {
                        path: format!("{path}.transforms[{j}]"),
                        message,
                    })
                })
                .collect::<Vec<_>>();
            let source = source.map_err(|p| problems.push(p)).ok();
            let transforms = transforms
                .into_iter()
                .filter_map(|t| t.map_err(|p| problems.push(p)).ok())
                .collect::<Vec<_>>();
            if let Some(source) = source {
                compiled.push(CompiledField {
                    target: field.target.clone(),
                    source_text: field.source.trim().to_string(),
                    source,
                    transforms,
                    required: field.required,
                });
            }
        }
        if !problems.is_empty() {
            problems.sort();
            return Err(Error::Config { problems });
        }
        Ok(CompiledMapping { fields: compiled })
    }

    /// The target field whose value is the unique identifier: the first field whose source
    /// is exactly `profile.email` (for [`UniqueIdentifier::Email`]) or `id` (for
    /// [`UniqueIdentifier::OktaId`]). Templates do not count, since they can add text.
    pub fn identifier_field(&self, uid: UniqueIdentifier) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| match (&f.source, uid) {
                (Source::Expr(SourceExpr::Id), UniqueIdentifier::OktaId) => true,
                (Source::Expr(SourceExpr::Profile(a)), UniqueIdentifier::Email) => a == "email",
                _ => false,
            })
            .map(|f| f.target.as_str())
    }

    /// The target field names, in configuration order.
    pub fn targets(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.target.as_str())
    }

    /// Maps one user.
    pub fn map(&self, user: &DirectoryUser) -> MappedUser {
        let mut out = MappedUser::default();
        for field in &self.fields {
            match field.value(user) {
                Ok(Some(value)) => {
                    out.fields.insert(field.target.clone(), value);
                }
                Ok(None) => {}
                Err(message) => out.problems.push(FieldProblem {
                    field: field.target.clone(),
                    message,
                }),
            }
        }
        out
    }
}

impl CompiledField {
    /// The field's value for `user`: `Ok(None)` when missing and optional, `Err` with a
    /// message naming the source when it cannot be written.
    fn value(&self, user: &DirectoryUser) -> Result<Option<serde_json::Value>, String> {
        let mut val = match &self.source {
            Source::Expr(expr) => expr.eval(user),
            Source::Template(t) => t
                .render(user)
                .map_err(|e| format!("source `{}`: {e}", self.source_text))?,
        };
        for (i, t) in self.transforms.iter().enumerate() {
            val = t
                .apply(val)
                .map_err(|e| format!("source `{}` {e} (transform {})", self.source_text, i + 1))?;
        }
        if self.required && val.is_blank() {
            return Err(format!(
                "required value is missing: source `{}` is empty for this user",
                self.source_text
            ));
        }
        val.into_output().map_err(|kind| {
            format!(
                "source `{}` is {kind}, but a target field holds a single value",
                self.source_text
            )
        })
    }
}

/// A source containing `{` is a template; anything else must be a single expression.
fn compile_source(source: &str) -> Result<Source, String> {
    if source.contains(['{', '}']) {
        Template::parse(source).map(Source::Template)
    } else {
        SourceExpr::parse(source).map(Source::Expr)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::Transform;

    fn field(target: &str, source: &str) -> FieldMap {
        FieldMap {
            target: target.into(),
            source: source.into(),
            transforms: Vec::new(),
            required: false,
        }
    }

    fn user(raw: serde_json::Value) -> DirectoryUser {
        serde_json::from_value(raw).unwrap()
    }

    #[test]
    fn maps_expressions_keeping_json_types() {
        let m = CompiledMapping::new(&[
            field("Okta ID", "id"),
            field("Status", "status"),
            field("Badge", "profile.badgeNumber"),
            field("Contractor", "profile.isContractor"),
            field("Provider", "credentials.provider.type"),
            field("Type", "type.id"),
            field("Updated", "lastUpdated"),
            field("Activated", "activated"),
        ])
        .unwrap();
        let u = user(json!({
            "id": "00u1", "status": "LOCKED_OUT",
            "lastUpdated": "2025-06-01T12:00:00.000Z", "activated": null,
            "type": {"id": "oty1"},
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "profile": {"badgeNumber": 1234, "isContractor": false}
        }));
        let mapped = m.map(&u);
        assert_eq!(mapped.problems, vec![]);
        assert_eq!(
            serde_json::to_value(&mapped.fields).unwrap(),
            json!({
                "Badge": 1234, "Contractor": false, "Okta ID": "00u1",
                "Provider": "OKTA", "Status": "LOCKED_OUT", "Type": "oty1",
                "Updated": "2025-06-01T12:00:00.000Z"
            })
        );
    }

    #[test]
    fn required_missing_and_wrong_type_are_problems_not_values() {
        let mut email = field("Email", "profile.email");
        email.required = true;
        let m = CompiledMapping::new(&[email, field("Tags", "profile.tags"), field("Id", "id")])
            .unwrap();
        let u = user(json!({"id": "00u9", "status": "ACTIVE",
                            "profile": {"email": "  ", "tags": ["a"]}}));
        let mapped = m.map(&u);
        assert_eq!(
            serde_json::to_value(&mapped.fields).unwrap(),
            json!({"Id": "00u9"})
        );
        assert_eq!(
            mapped.problems,
            vec![
                FieldProblem {
                    field: "Email".into(),
                    message: "required value is missing: source `profile.email` is empty for \
                              this user"
                        .into()
                },
                FieldProblem {
                    field: "Tags".into(),
                    message: "source `profile.tags` is an array, but a target field holds a \
                              single value"
                        .into()
                },
            ]
        );
    }

    #[test]
    fn transforms_apply_in_order() {
        let mut f = field("Status", "status");
        f.transforms = vec![
            Transform::Lookup {
                table: [("ACTIVE".to_string(), "Active".to_string())].into(),
                otherwise: Some("Inactive".into()),
            },
            Transform::Upper,
        ];
        let mut name = field("Name", "{profile.firstName} {profile.lastName}");
        name.transforms = vec![Transform::Trim, Transform::Default("(no name)".into())];
        let m = CompiledMapping::new(&[f, name]).unwrap();
        let u = user(json!({"id": "1", "status": "SUSPENDED", "profile": {"firstName": "Bo"}}));
        assert_eq!(
            serde_json::to_value(m.map(&u).fields).unwrap(),
            json!({"Name": "Bo", "Status": "INACTIVE"})
        );
        let u = user(json!({"id": "1", "status": "ACTIVE", "profile": {}}));
        assert_eq!(
            serde_json::to_value(m.map(&u).fields).unwrap(),
            json!({"Name": "(no name)", "Status": "ACTIVE"})
        );
    }

    #[test]
    fn transform_type_errors_name_the_source_and_position() {
        let mut f = field("Manager", "profile.manager");
        f.transforms = vec![Transform::Trim, Transform::Lower];
        let m = CompiledMapping::new(&[f]).unwrap();
        let u = user(json!({"id": "1", "status": "ACTIVE", "profile": {"manager": {"id": "x"}}}));
        assert_eq!(
            m.map(&u).problems[0].message,
            "source `profile.manager` is an object, which `trim` cannot apply to (transform 1)"
        );
    }

    #[test]
    fn compile_reports_every_problem_with_its_path() {
        let mut bad_date = field("Hired", "profile.hireDate");
        bad_date.transforms = vec![Transform::Trim, Transform::DateFormat("%Q".into())];
        let err = CompiledMapping::with_path(
            &[field("A", "email"), field("B", "{profile.x"), bad_date],
            "mappings[1]",
        )
        .unwrap_err();
        let Error::Config { problems } = err else {
            panic!("expected a config error, got {err:?}")
        };
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "mappings[1].fields[0].source",
                "mappings[1].fields[1].source",
                "mappings[1].fields[2].transforms[1]"
            ]
        );
        let err = CompiledMapping::new(&[field("A", "nope")]).unwrap_err();
        assert!(
            err.to_string().contains("fields[0].source: unknown source"),
            "{err}"
        );
    }

    #[test]
    fn identifier_field_is_the_first_exact_source() {
        let m = CompiledMapping::new(&[
            field("Full", "{profile.email}"),
            field("Email", "profile.email"),
            field("Email 2", "profile.email"),
            field("Okta", "id"),
        ])
        .unwrap();
        assert_eq!(m.identifier_field(UniqueIdentifier::Email), Some("Email"));
        assert_eq!(m.identifier_field(UniqueIdentifier::OktaId), Some("Okta"));
        let m = CompiledMapping::new(&[field("Name", "profile.login")]).unwrap();
        assert_eq!(m.identifier_field(UniqueIdentifier::Email), None);
        assert_eq!(m.targets().collect::<Vec<_>>(), ["Name"]);
    }
}
