//! Source expressions: the names a field map uses to read a value from an Okta user.
//!
//! The grammar is deliberately closed: a typo in a configuration (`profile.emial` aside)
//! is caught when the mapping is compiled, not discovered as empty fields in Asset Panda.

use std::borrow::Cow;
use std::fmt;

use crate::model::DirectoryUser;

use super::value::Val;

/// One value of an Okta user that a field map can read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceExpr {
    /// `id`: the Okta user id.
    Id,
    /// `status`: Okta's spelling of the lifecycle status.
    Status,
    /// `created`.
    Created,
    /// `activated` (null on some ACTIVE users).
    Activated,
    /// `statusChanged`.
    StatusChanged,
    /// `lastLogin`.
    LastLogin,
    /// `lastUpdated`.
    LastUpdated,
    /// `passwordChanged`.
    PasswordChanged,
    /// `type.id`: the user type.
    UserType,
    /// `credentials.provider.type`, for example `OKTA` or `ACTIVE_DIRECTORY`.
    ProviderType,
    /// `credentials.provider.name`.
    ProviderName,
    /// `profile.<attribute>`, base or custom, with its JSON type kept.
    Profile(String),
}

/// The fixed (non-profile) expressions and their spelling, for parsing and for messages.
const FIXED: [(&str, SourceExpr); 11] = [
    ("id", SourceExpr::Id),
    ("status", SourceExpr::Status),
    ("created", SourceExpr::Created),
    ("activated", SourceExpr::Activated),
    ("statusChanged", SourceExpr::StatusChanged),
    ("lastLogin", SourceExpr::LastLogin),
    ("lastUpdated", SourceExpr::LastUpdated),
    ("passwordChanged", SourceExpr::PasswordChanged),
    ("type.id", SourceExpr::UserType),
    ("credentials.provider.type", SourceExpr::ProviderType),
    ("credentials.provider.name", SourceExpr::ProviderName),
];

impl SourceExpr {
    /// Parses an expression. The error says what is accepted and, for near misses, what
    /// was probably meant.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some((_, expr)) = FIXED.iter().find(|(name, _)| *name == text) {
            return Ok(expr.clone());
        }
        if let Some(attr) = text.strip_prefix("profile.") {
            return parse_attribute(attr).map(|a| SourceExpr::Profile(a.to_string()));
        }
        Err(unknown(text))
    }

    /// Reads the value from `user`. Absent and `null` are both [`Val::Missing`].
    pub(crate) fn eval<'u>(&self, user: &'u DirectoryUser) -> Val<'u> {
        let text = |s: Option<&'u str>| s.map_or(Val::Missing, |s| Val::Str(Cow::Borrowed(s)));
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or(Val::Missing, Val::Time);
        match self {
            SourceExpr::Id => Val::Str(Cow::Borrowed(&user.id)),
            SourceExpr::Status => Val::Str(Cow::Borrowed(user.status.as_str())),
            SourceExpr::Created => time(user.created),
            SourceExpr::Activated => time(user.activated),
            SourceExpr::StatusChanged => time(user.status_changed),
            SourceExpr::LastLogin => time(user.last_login),
            SourceExpr::LastUpdated => time(user.last_updated),
            SourceExpr::PasswordChanged => time(user.password_changed),
            SourceExpr::UserType => text(user.user_type.as_deref()),
            SourceExpr::ProviderType => text(
                user.provider
                    .as_ref()
                    .and_then(|p| p.provider_type.as_deref()),
            ),
            SourceExpr::ProviderName => {
                text(user.provider.as_ref().and_then(|p| p.name.as_deref()))
            }
            SourceExpr::Profile(attr) => user.profile.get(attr).map_or(Val::Missing, Val::json),
        }
    }
}

impl fmt::Display for SourceExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceExpr::Profile(attr) => write!(f, "profile.{attr}"),
            fixed => {
                let name = FIXED
                    .iter()
                    .find(|(_, e)| e == fixed)
                    .map_or("?", |(name, _)| name);
                f.write_str(name)
            }
        }
    }
}

/// Okta attribute names are identifiers; profile values are flat, so no nested paths.
fn parse_attribute(attr: &str) -> Result<&str, String> {
    if attr.is_empty() {
        return Err("`profile.` needs an attribute name, for example `profile.email`".into());
    }
    if attr.contains('.') {
        return Err(format!(
            "`profile.{attr}` is a nested path; Okta profile attributes are flat, so name one \
             attribute, for example `profile.{}`",
            attr.split('.').next().unwrap_or_default()
        ));
    }
    if let Some(bad) = attr
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "`profile.{attr}` contains `{bad}`, which cannot occur in an Okta attribute name"
        ));
    }
    Ok(attr)
}

fn unknown(text: &str) -> String {
    let known = FIXED
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ");
    let hint = if let Some((name, _)) = FIXED.iter().find(|(n, _)| n.eq_ignore_ascii_case(text)) {
        format!("; did you mean `{name}`?")
    } else if !text.is_empty() && !text.contains(['.', ' ', '{', '}']) {
        format!("; did you mean `profile.{text}`?")
    } else {
        String::new()
    };
    format!(
        "unknown source expression `{text}`{hint} (expected `profile.<attribute>` or one of: {known})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_fixed_expression_and_round_trips() {
        for (name, expr) in FIXED.iter() {
            assert_eq!(SourceExpr::parse(name).unwrap(), *expr);
            assert_eq!(expr.to_string(), *name);
        }
    }

    #[test]
    fn parses_profile_attributes_including_custom_ones() {
        assert_eq!(
            SourceExpr::parse(" profile.costCenter ").unwrap(),
            SourceExpr::Profile("costCenter".into())
        );
        assert_eq!(
            SourceExpr::parse("profile.employee_badge_2")
                .unwrap()
                .to_string(),
            "profile.employee_badge_2"
        );
    }

    #[test]
    fn rejects_unknown_expressions_with_a_hint() {
        let err = SourceExpr::parse("email").unwrap_err();
        assert!(err.contains("did you mean `profile.email`?"), "{err}");
        let err = SourceExpr::parse("lastupdated").unwrap_err();
        assert!(err.contains("did you mean `lastUpdated`?"), "{err}");
        let err = SourceExpr::parse("credentials.password").unwrap_err();
        assert!(err.starts_with("unknown source expression"), "{err}");
        assert!(SourceExpr::parse("").is_err());
    }

    #[test]
    fn rejects_malformed_profile_paths() {
        assert!(
            SourceExpr::parse("profile.")
                .unwrap_err()
                .contains("needs an attribute")
        );
        assert!(
            SourceExpr::parse("profile.a.b")
                .unwrap_err()
                .contains("nested")
        );
        assert!(
            SourceExpr::parse("profile.first name")
                .unwrap_err()
                .contains("` `")
        );
    }
}
