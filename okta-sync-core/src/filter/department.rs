//! Department matching, with the configured values normalised once.

use unicode_normalization::UnicodeNormalization;

/// The configured departments, ready to compare against users' `profile.department`.
#[derive(Debug, Clone)]
pub(crate) enum DepartmentSet {
    /// Default: trimmed, Unicode NFC, lower-cased on both sides.
    Folded(Vec<String>),
    /// `department_case_sensitive: true`: compared exactly as written, untrimmed.
    Exact(Vec<String>),
}

impl DepartmentSet {
    pub(crate) fn new(values: &[String], case_sensitive: bool) -> Self {
        if case_sensitive {
            DepartmentSet::Exact(values.to_vec())
        } else {
            let mut folded: Vec<String> = values.iter().map(|v| fold(v)).collect();
            folded.sort();
            folded.dedup();
            DepartmentSet::Folded(folded)
        }
    }

    /// True when `department` is one of the set. Allocation-free for ASCII values, which
    /// is nearly every department.
    pub(crate) fn contains(&self, department: &str) -> bool {
        match self {
            DepartmentSet::Exact(values) => values.iter().any(|v| v == department),
            DepartmentSet::Folded(values) => {
                let d = department.trim();
                if d.is_ascii() {
                    values.iter().any(|v| v.eq_ignore_ascii_case(d))
                } else {
                    let d = fold(d);
                    values.contains(&d)
                }
            }
        }
    }
}

/// Trimmed, NFC, lower-cased. An ASCII value folds to its ASCII lower case, so comparing a
/// folded ASCII value with `eq_ignore_ascii_case` gives the same answer as folding both.
pub(crate) fn fold(value: &str) -> String {
    let v = value.trim();
    if v.is_ascii() {
        v.to_ascii_lowercase()
    } else {
        v.nfc().collect::<String>().to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(values: &[&str], cs: bool) -> DepartmentSet {
        let v: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        DepartmentSet::new(&v, cs)
    }

    #[test]
    fn folded_match_ignores_case_and_surrounding_space() {
        let s = set(&[" Engineering", "Sales "], false);
        assert!(s.contains("engineering"));
        assert!(s.contains("  SALES\t"));
        assert!(!s.contains("Sales Ops"));
        assert!(!s.contains(""));
    }

    #[test]
    fn folded_match_handles_unicode_case_and_composition() {
        let s = set(&["Produktentwicklung Ä"], false);
        assert!(s.contains("PRODUKTENTWICKLUNG ä"));
        // A + combining diaeresis composes to Ä.
        assert!(s.contains("produktentwicklung A\u{308}"));
        let s = set(&["Équipe"], false);
        assert!(s.contains("ÉQUIPE"));
        assert!(!s.contains("equipe"), "diacritics are significant");
    }

    #[test]
    fn exact_match_is_case_sensitive_and_untrimmed() {
        let s = set(&["Sales"], true);
        assert!(s.contains("Sales"));
        assert!(!s.contains("sales"));
        assert!(!s.contains("Sales "));
    }
}
