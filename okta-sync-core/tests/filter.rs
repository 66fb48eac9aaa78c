//! Filter evaluator: the pushdown never excludes a user that local evaluation admits.
//!
//! The pushed-down query strings are parsed and evaluated here with a small model of Okta's
//! documented semantics (okta-api.md §1): `filter` compares string values exactly, `search`
//! compares them case-insensitively (modelled as ASCII-only folding, the weakest reading,
//! so that the test does not lean on Okta folding more than documented) and neither trims.

use std::collections::BTreeSet;

use okta_sync_core::config::Filters;
use okta_sync_core::filter::{FilterEvaluator, Memberships, Pushdown};
use okta_sync_core::model::{DirectoryUser, UserStatus};
use proptest::prelude::*;
use serde_json::json;

/// The Okta side of the test: a parsed query and its evaluation against one user.
mod okta_model {
    use okta_sync_core::model::DirectoryUser;

    #[derive(Debug)]
    pub enum Query {
        Or(Vec<Query>),
        And(Vec<Query>),
        Eq { attribute: String, value: String },
    }

    #[derive(Debug, PartialEq)]
    enum Token {
        Word(String),
        Str(String),
        Open,
        Close,
    }

    fn tokens(text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ' ' => {}
                '(' => out.push(Token::Open),
                ')' => out.push(Token::Close),
                '"' => {
                    let mut s = String::new();
                    loop {
                        match chars.next().expect("unterminated string") {
                            '"' => break,
                            '\\' => s.push(chars.next().expect("dangling escape")),
                            c => s.push(c),
                        }
                    }
                    out.push(Token::Str(s));
                }
                c => {
                    let mut w = c.to_string();
                    while let Some(&n) = chars.peek() {
                        if n == ' ' || n == '(' || n == ')' {
                            break;
                        }
                        w.push(n);
                        chars.next();
                    }
                    out.push(Token::Word(w));
                }
            }
        }
        out
    }

    pub fn parse(text: &str) -> Query {
        let toks = tokens(text);
        let mut pos = 0;
        let q = or(&toks, &mut pos);
        assert_eq!(pos, toks.len(), "trailing tokens in {text}");
        q
    }

    fn or(t: &[Token], pos: &mut usize) -> Query {
        let mut terms = vec![and(t, pos)];
        while t.get(*pos) == Some(&Token::Word("or".into())) {
            *pos += 1;
            terms.push(and(t, pos));
        }
        Query::Or(terms)
    }

    fn and(t: &[Token], pos: &mut usize) -> Query {
        let mut terms = vec![factor(t, pos)];
        while t.get(*pos) == Some(&Token::Word("and".into())) {
            *pos += 1;
            terms.push(factor(t, pos));
        }
        Query::And(terms)
    }

    fn factor(t: &[Token], pos: &mut usize) -> Query {
        if t.get(*pos) == Some(&Token::Open) {
            *pos += 1;
            let q = or(t, pos);
            assert_eq!(t.get(*pos), Some(&Token::Close));
            *pos += 1;
            return q;
        }
        match (&t[*pos], &t[*pos + 1], &t[*pos + 2]) {
            (Token::Word(a), Token::Word(op), Token::Str(v)) if op == "eq" => {
                *pos += 3;
                Query::Eq {
                    attribute: a.clone(),
                    value: v.clone(),
                }
            }
            other => panic!("unsupported term {other:?}"),
        }
    }

    /// Evaluates `q`; `case_insensitive` is true for `search`, false for `filter`.
    pub fn matches(q: &Query, user: &DirectoryUser, case_insensitive: bool) -> bool {
        match q {
            Query::Or(qs) => qs.iter().any(|q| matches(q, user, case_insensitive)),
            Query::And(qs) => qs.iter().all(|q| matches(q, user, case_insensitive)),
            Query::Eq { attribute, value } => {
                let actual = match attribute.as_str() {
                    "status" => Some(user.status.as_str()),
                    a => match a.strip_prefix("profile.") {
                        Some(attr) => user.profile_str(attr),
                        None => panic!("attribute {a} not modelled"),
                    },
                };
                actual.is_some_and(|actual| {
                    if case_insensitive {
                        actual.eq_ignore_ascii_case(value)
                    } else {
                        actual == value
                    }
                })
            }
        }
    }
}

struct Members(BTreeSet<(String, String)>);

impl Memberships for Members {
    fn is_member(&self, user_id: &str, group_ref: &str) -> bool {
        self.0
            .contains(&(user_id.to_string(), group_ref.to_string()))
    }
}

/// What Okta returns for a pushed-down listing: does this user come back?
fn okta_returns(p: &Pushdown, user: &DirectoryUser, members: &Members) -> bool {
    let in_groups = p.groups.is_empty() || p.groups.iter().any(|g| members.is_member(&user.id, g));
    let query = match (&p.search, &p.filter) {
        (Some(search), _) => okta_model::matches(&okta_model::parse(search), user, true),
        (None, Some(filter)) => okta_model::matches(&okta_model::parse(filter), user, false),
        (None, None) => true,
    };
    in_groups && query
}

const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "engineering",
    " Engineering ",
    "ENGINEERING\t",
    "Sales",
    "sales",
    "R&D",
    "Équipe",
    "ÉQUIPE",
    "E\u{301}quipe",
    "Ops \"core\"",
    "",
];
const GROUPS: &[&str] = &["Staff", "00g1", "Admins", "Contractors"];

fn status() -> impl Strategy<Value = UserStatus> {
    prop_oneof![
        8 => (0..8usize).prop_map(|i| UserStatus::KNOWN[i].clone()),
        1 => Just(UserStatus::Other("ACTIVATING".into())),
    ]
}

fn department() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        6 => prop::sample::select(DEPARTMENTS).prop_map(|d| json!(d)),
        1 => Just(json!(null)),
        1 => Just(json!(42)),
    ]
}

fn user_and_groups() -> impl Strategy<Value = (DirectoryUser, Vec<&'static str>)> {
    (
        0..1000u32,
        status(),
        department(),
        prop::sample::subsequence(GROUPS, 0..=GROUPS.len()),
    )
        .prop_map(|(n, status, department, groups)| {
            let user = serde_json::from_value(json!({
                "id": format!("00u{n}"),
                "status": status.as_str(),
                "profile": {"department": department}
            }))
            .unwrap();
            (user, groups)
        })
}

fn filters() -> impl Strategy<Value = Filters> {
    (
        prop::sample::subsequence(DEPARTMENTS, 0..=3),
        any::<bool>(),
        prop::sample::subsequence(GROUPS, 0..=2),
        prop::collection::vec(status(), 0..=3),
    )
        .prop_map(|(department, case_sensitive, groups, status)| Filters {
            department: department.iter().map(|s| s.to_string()).collect(),
            department_case_sensitive: case_sensitive,
            groups: groups.iter().map(|s| s.to_string()).collect(),
            status,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn pushdown_never_excludes_an_admitted_user(
        filters in filters(),
        users in prop::collection::vec(user_and_groups(), 1..20),
    ) {
        let eval = FilterEvaluator::new(&filters);
        let pushdown = eval.pushdown();
        let members = Members(
            users
                .iter()
                .flat_map(|(u, gs)| gs.iter().map(|g| (u.id.clone(), g.to_string())))
                .collect(),
        );
        for (user, _) in &users {
            if eval.admits(user, &members) {
                prop_assert!(
                    okta_returns(&pushdown, user, &members),
                    "pushdown {:?} drops admitted user {:?}", pushdown, user
                );
            }
            prop_assert_eq!(eval.admits(user, &members), eval.explain(user, &members).admitted);
        }
    }
}

/// The model itself must be able to fail: a query that is stricter than local evaluation
/// (department pushed with `filter` semantics) is caught.
#[test]
fn okta_model_rejects_a_too_strict_query() {
    let user: DirectoryUser = serde_json::from_value(json!({
        "id": "00u1", "status": "ACTIVE", "profile": {"department": "sales"}
    }))
    .unwrap();
    let q = okta_model::parse(r#"profile.department eq "Sales""#);
    assert!(okta_model::matches(&q, &user, true));
    assert!(!okta_model::matches(&q, &user, false));
    let q = okta_model::parse(
        r#"status eq "ACTIVE" and (profile.department eq "x" or profile.department eq "SALES")"#,
    );
    assert!(okta_model::matches(&q, &user, true));
}

#[test]
fn pushdown_is_used_when_it_is_safe() {
    // Status only: a filter expression and no search.
    let f = Filters {
        status: vec![UserStatus::Active, UserStatus::Recovery],
        ..Filters::default()
    };
    let p = FilterEvaluator::new(&f).pushdown();
    assert_eq!(
        p.filter.as_deref(),
        Some(r#"status eq "ACTIVE" or status eq "RECOVERY""#)
    );
    assert_eq!(p.search, None);
    // Case-sensitive departments: pushed through search.
    let f = Filters {
        department: vec!["Engineering".into()],
        department_case_sensitive: true,
        ..Filters::default()
    };
    let p = FilterEvaluator::new(&f).pushdown();
    assert_eq!(
        p.search.as_deref(),
        Some(r#"profile.department eq "Engineering""#)
    );
    assert_eq!(p.filter, None);
}
