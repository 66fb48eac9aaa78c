//! Identity normalisation for matching people across systems.
//!
//! SKELETON (to be implemented): email trimmed, case-folded, Unicode NFC; Okta ids exact.

use crate::config::UniqueIdentifier;
use crate::model::DirectoryUser;

/// Normalises an email address for matching.
pub fn normalize_email(email: &str) -> String {
    let _ = email;
    todo!("normalize_email")
}

/// The normalised unique identifier of `user`, or `None` when the user lacks it.
pub fn identity_key(uid: UniqueIdentifier, user: &DirectoryUser) -> Option<String> {
    let _ = (uid, user);
    todo!("identity_key")
}

/// Normalises a value read from the target's identifier field the same way.
pub fn normalize_value(uid: UniqueIdentifier, value: &str) -> String {
    let _ = (uid, value);
    todo!("normalize_value")
}
