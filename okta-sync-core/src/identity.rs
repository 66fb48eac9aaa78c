//! Identity normalisation for matching people across systems.
//!
//! Matching decides who a target record *is*, so a loose rule merges two people and a strict
//! one duplicates (and later deactivates) someone. The rules are:
//!
//! - **Okta user id**: compared exactly, byte for byte. Okta ids are opaque ASCII tokens
//!   (`00u...`) and Okta itself treats them as case-sensitive, so any folding could only
//!   create false matches.
//! - **Email**: surrounding whitespace trimmed, then Unicode NFC, then full Unicode lower
//!   case ([`str::to_lowercase`]). NFC first makes a precomposed `é` and `e` + combining
//!   acute the same string; lower-casing after NFC keeps the result in NFC for every
//!   character Okta accepts in a login. We deliberately use lower-casing rather than full
//!   case folding (which would turn `ß` into `ss`): Asset Panda and Okta both compare logins
//!   case-insensitively but never treat `ß` and `ss` as one address, and merging two
//!   distinct people is worse than missing a match.

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

use crate::config::UniqueIdentifier;
use crate::model::DirectoryUser;

/// Normalises an email address for matching: trimmed, NFC, lower-cased.
///
/// Addresses that are already trimmed, ASCII and lower case (nearly all of them) are copied
/// without further work.
pub fn normalize_email(email: &str) -> String {
    let trimmed = email.trim();
    if trimmed.is_ascii() {
        return trimmed.to_ascii_lowercase();
    }
    if is_nfc_quick(trimmed.chars()) == unicode_normalization::IsNormalized::Yes {
        return trimmed.to_lowercase();
    }
    trimmed.nfc().collect::<String>().to_lowercase()
}

/// The normalised unique identifier of `user`, or `None` when the user lacks it.
///
/// An email that is missing, not a string, or blank after trimming is `None`: a person
/// without a usable identifier cannot be matched and must never match someone else.
pub fn identity_key(uid: UniqueIdentifier, user: &DirectoryUser) -> Option<String> {
    match uid {
        UniqueIdentifier::OktaId => Some(user.id.clone()),
        UniqueIdentifier::Email => {
            let key = normalize_email(user.email()?);
            (!key.is_empty()).then_some(key)
        }
    }
}

/// Normalises a value read from the target's identifier field the same way as
/// [`identity_key`] does for the directory side.
pub fn normalize_value(uid: UniqueIdentifier, value: &str) -> String {
    match uid {
        UniqueIdentifier::OktaId => value.to_string(),
        UniqueIdentifier::Email => normalize_email(value),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(id: &str, email: serde_json::Value) -> DirectoryUser {
        let raw = json!({"id": id, "status": "ACTIVE", "profile": {"email": email}});
        serde_json::from_value(raw).unwrap()
    }

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Jane.Doe@Example.COM\t"),
            "jane.doe@example.com"
        );
    }

    #[test]
    fn email_composed_and_decomposed_forms_match() {
        // "José" with a precomposed é (U+00E9) and with e + combining acute (U+0301).
        let composed = "Jos\u{e9}@example.com";
        let decomposed = "JOSE\u{301}@example.com";
        assert_eq!(normalize_email(composed), "jos\u{e9}@example.com");
        assert_eq!(normalize_email(decomposed), "jos\u{e9}@example.com");
    }

    #[test]
    fn email_non_ascii_upper_case_is_lowered() {
        assert_eq!(normalize_email("ÅSA@EXAMPLE.SE"), "åsa@example.se");
        // Full lower-casing, not ASCII-only: Greek capital sigma.
        assert_eq!(normalize_email("ΣΟΦΙΑ@example.gr"), "σοφια@example.gr");
    }

    #[test]
    fn sharp_s_is_not_folded_to_ss() {
        assert_ne!(
            normalize_email("strauß@example.de"),
            normalize_email("strauss@example.de")
        );
    }

    #[test]
    fn okta_ids_are_compared_exactly() {
        assert_eq!(
            normalize_value(UniqueIdentifier::OktaId, "00uAbC123"),
            "00uAbC123"
        );
        assert_ne!(
            normalize_value(UniqueIdentifier::OktaId, "00uABC123"),
            normalize_value(UniqueIdentifier::OktaId, "00uabc123")
        );
        // No trimming either: an id with spaces is a different (broken) value.
        assert_eq!(
            normalize_value(UniqueIdentifier::OktaId, " 00u1 "),
            " 00u1 "
        );
    }

    #[test]
    fn identity_key_by_id_and_email() {
        let u = user("00u1", json!(" Ann@Example.com "));
        assert_eq!(
            identity_key(UniqueIdentifier::OktaId, &u).as_deref(),
            Some("00u1")
        );
        assert_eq!(
            identity_key(UniqueIdentifier::Email, &u).as_deref(),
            Some("ann@example.com")
        );
        assert_eq!(
            normalize_value(UniqueIdentifier::Email, "ANN@example.COM"),
            "ann@example.com"
        );
    }

    #[test]
    fn missing_blank_or_non_string_email_has_no_key() {
        for email in [json!(null), json!("   "), json!(42), json!(["a@b.c"])] {
            let u = user("00u1", email.clone());
            assert_eq!(identity_key(UniqueIdentifier::Email, &u), None, "{email}");
        }
        let raw = json!({"id": "00u2", "status": "ACTIVE", "profile": {}});
        let u: DirectoryUser = serde_json::from_value(raw).unwrap();
        assert_eq!(identity_key(UniqueIdentifier::Email, &u), None);
    }
}
