//! How a target compares the values it holds with the planner's identifiers.
//!
//! [`AssetTarget::lookup`](super::AssetTarget::lookup) receives values the planner already
//! normalised, but not which kind of identifier they are. Both targets infer it the same
//! way from the mapping, so that they cannot disagree about what matches.

use crate::config::{Mapping, UniqueIdentifier};
use crate::identity;

/// The kind of identifier held in `field` of `mapping`: the Okta id when the field is the
/// record mapping's Okta id stamp or is mapped from the Okta `id`, the email otherwise.
pub(crate) fn identifier_kind(mapping: &Mapping, field: &str) -> UniqueIdentifier {
    if matches!(mapping, Mapping::Record(record) if record.okta_id_field == field) {
        return UniqueIdentifier::OktaId;
    }
    match mapping.fields().iter().find(|f| f.target == field) {
        Some(map) if map.source.trim() == "id" => UniqueIdentifier::OktaId,
        _ => UniqueIdentifier::Email,
    }
}

/// A JSON field value as the text an identifier comparison sees (`None` for null, objects
/// and arrays, which never identify anyone).
pub(crate) fn value_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether a held value matches one of the planner's (already normalised) `wanted` values.
pub(crate) fn holds_any(
    kind: UniqueIdentifier,
    held: Option<&serde_json::Value>,
    wanted: &[String],
) -> bool {
    held.and_then(value_text)
        .map(|text| identity::normalize_value(kind, &text))
        .is_some_and(|key| !key.is_empty() && wanted.contains(&key))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record_mapping() -> Mapping {
        serde_json::from_value(json!({
            "kind": "record", "name": "people", "collection": "People",
            "okta_id_field": "Okta Id Stamp",
            "fields": [
                {"target": "Email", "source": "profile.email"},
                {"target": "Person", "source": " id "}]
        }))
        .unwrap()
    }

    #[test]
    fn okta_id_fields_are_recognised_by_stamp_or_source() {
        let mapping = record_mapping();
        assert_eq!(
            identifier_kind(&mapping, "Okta Id Stamp"),
            UniqueIdentifier::OktaId
        );
        assert_eq!(
            identifier_kind(&mapping, "Person"),
            UniqueIdentifier::OktaId
        );
        assert_eq!(identifier_kind(&mapping, "Email"), UniqueIdentifier::Email);
        assert_eq!(
            identifier_kind(&mapping, "Unmapped"),
            UniqueIdentifier::Email
        );
    }

    #[test]
    fn only_scalar_values_can_hold_an_identifier() {
        let wanted = ["ann@example.com".to_string(), "42".to_string()];
        let email = UniqueIdentifier::Email;
        assert!(holds_any(email, Some(&json!(" Ann@Example.com")), &wanted));
        assert!(holds_any(email, Some(&json!(42)), &wanted));
        assert!(!holds_any(
            email,
            Some(&json!(["ann@example.com"])),
            &wanted
        ));
        assert!(!holds_any(email, Some(&json!(null)), &wanted));
        assert!(!holds_any(email, None, &wanted));
        assert!(!holds_any(email, Some(&json!("  ")), &[String::new()]));
        assert!(!holds_any(
            UniqueIdentifier::OktaId,
            Some(&json!("00uA")),
            &["00ua".into()]
        ));
    }
}
