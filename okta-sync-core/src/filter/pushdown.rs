//! The Okta query that narrows a users listing to a superset of a filter's scope.
//!
//! The one rule: a pushdown may only *drop users local evaluation would also drop*. Local
//! evaluation always runs afterwards, so a weaker pushdown costs requests while a stronger
//! one silently removes people from scope (and, on a full reconcile, could make them look
//! gone). Where Okta's matching is not provably looser than ours, nothing is pushed.
//!
//! - **Status** goes into `filter` (`status eq "ACTIVE" or ...`). `filter` values are
//!   case-sensitive and Okta writes statuses exactly as we compare them.
//! - **Department** goes into `search` (`profile.department eq "..."`). `search` compares
//!   string values case-insensitively but does not trim them. That is looser than an exact,
//!   case-sensitive comparison, so it is pushed when `department_case_sensitive` is set.
//!   The default comparison trims and folds Unicode case: a user whose department is
//!   `" Sales"` is admitted locally but not matched by `eq "Sales"`, and Okta's case folding
//!   of non-ASCII letters is not documented, so the default comparison is not pushed.
//! - **Groups**: the member listings of the filter's groups hold everyone the filter can
//!   admit.

use crate::model::UserStatus;

/// Builds `status eq "A" or status eq "B"`, or `None` when a status is one Okta may not
/// accept in a query (an unknown one kept as text).
pub(crate) fn status_expression(statuses: &[UserStatus]) -> Option<String> {
    if statuses.is_empty() || statuses.iter().any(|s| matches!(s, UserStatus::Other(_))) {
        return None;
    }
    Some(any_of("status", statuses.iter().map(UserStatus::as_str)))
}

/// Builds `profile.department eq "A" or ...`, or `None` when a value cannot be quoted
/// without relying on Okta's (undocumented) escaping rules.
pub(crate) fn department_expression(departments: &[String]) -> Option<String> {
    if departments.is_empty() || departments.iter().any(|d| !quotable(d)) {
        return None;
    }
    Some(any_of(
        "profile.department",
        departments.iter().map(String::as_str),
    ))
}

/// Joins `kind eq "v"` terms with `or`.
fn any_of<'a>(attribute: &str, values: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.iter()
        .map(|v| format!("{attribute} eq \"{v}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `"` and `\` would need escaping, and control characters have no place in a query.
fn quotable(value: &str) -> bool {
    !value.is_empty()
        && !value
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control())
}

/// `a and b`, parenthesising each side that holds an `or`.
pub(crate) fn and(a: &str, b: &str) -> String {
    let wrap = |s: &str| {
        if s.contains(" or ") {
            format!("({s})")
        } else {
            s.to_string()
        }
    };
    format!("{} and {}", wrap(a), wrap(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_terms_are_or_joined_and_deduplicated() {
        assert_eq!(
            status_expression(&[
                UserStatus::Active,
                UserStatus::LockedOut,
                UserStatus::Active
            ])
            .as_deref(),
            Some(r#"status eq "ACTIVE" or status eq "LOCKED_OUT""#)
        );
        assert_eq!(status_expression(&[]), None);
        assert_eq!(
            status_expression(&[UserStatus::Active, UserStatus::Other("NEW".into())]),
            None
        );
    }

    #[test]
    fn departments_with_quotes_or_backslashes_are_not_pushed() {
        let d = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            department_expression(&d(&["R&D", "Sales"])).as_deref(),
            Some(r#"profile.department eq "R&D" or profile.department eq "Sales""#)
        );
        assert_eq!(
            department_expression(&d(&["Sales", "The \"A\" team"])),
            None
        );
        assert_eq!(department_expression(&d(&["C:\\"])), None);
        assert_eq!(department_expression(&d(&[""])), None);
    }

    #[test]
    fn and_parenthesises_disjunctions() {
        assert_eq!(and("a eq \"1\"", "b eq \"2\""), r#"a eq "1" and b eq "2""#);
        assert_eq!(
            and("a eq \"1\" or a eq \"2\"", "b eq \"3\""),
            r#"(a eq "1" or a eq "2") and b eq "3""#
        );
    }
}
