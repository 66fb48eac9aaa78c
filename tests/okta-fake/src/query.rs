//! Okta's `filter` and `search` expressions: parsing, the per-endpoint rules, evaluation.
//!
//! Grammar (SCIM-like): `expr := and ("or" and)*`, `and := primary ("and" primary)*`,
//! `primary := "(" expr ")" | attr "pr" | attr op value`. Operators and `and`/`or` are
//! case-insensitive; attribute names are case-sensitive. Each endpoint allows its own
//! attributes and operators ([`Dialect`]), and string values compare case-insensitively
//! in `search` but case-sensitively in `filter`, as Okta documents.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal (System Log only).
    Ne,
    /// Starts with.
    Sw,
    /// Ends with (System Log only).
    Ew,
    /// Contains.
    Co,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "co" => Op::Co,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }

    fn is_ordering(self) -> bool {
        matches!(self, Op::Gt | Op::Ge | Op::Lt | Op::Le)
    }
}

/// A literal on the right of an operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A quoted string.
    Str(String),
    /// A string that was checked to be a timestamp (date attributes only).
    Date(DateTime<Utc>),
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// `null`.
    Null,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Any of.
    Or(Vec<Expr>),
    /// All of.
    And(Vec<Expr>),
    /// `attr pr`.
    Present(String),
    /// `attr op value`.
    Compare {
        /// Attribute path, for example `profile.department`.
        attr: String,
        /// Operator.
        op: Op,
        /// Value.
        value: Literal,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Str(String),
    Word(String),
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, c)) => s.push(c),
                            None => return Err(format!("unterminated string at position {pos}")),
                        },
                        Some((_, '"')) => break,
                        Some((_, c)) => s.push(c),
                        None => return Err(format!("unterminated string at position {pos}")),
                    }
                }
                tokens.push(Token::Str(s));
            }
            _ => {
                let mut w = String::from(c);
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(w));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.and()?];
        while self.peek_word("or") {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.primary()?];
        while self.peek_word("and") {
            self.pos += 1;
            terms.push(self.primary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        match token {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.tokens.get(self.pos) {
                    Some(Token::Close) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err("missing closing parenthesis".into()),
                }
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") => {
                Err("the operator 'not' is not supported".into())
            }
            Some(Token::Word(attr)) => self.comparison(attr),
            Some(other) => Err(format!("expected an attribute name, found {other:?}")),
            None => Err("unexpected end of expression".into()),
        }
    }

    fn comparison(&mut self, attr: String) -> Result<Expr, String> {
        let op = match self.tokens.get(self.pos) {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                self.pos += 1;
                return Ok(Expr::Present(attr));
            }
            Some(Token::Word(w)) => {
                Op::parse(w).ok_or_else(|| format!("unrecognized attribute operator '{w}'"))?
            }
            _ => return Err(format!("expected an operator after '{attr}'")),
        };
        self.pos += 1;
        let value =
            match self.tokens.get(self.pos).cloned() {
                Some(Token::Str(s)) => Literal::Str(s),
                Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                    "true" => Literal::Bool(true),
                    "false" => Literal::Bool(false),
                    "null" => Literal::Null,
                    _ => Literal::Num(w.parse().map_err(|_| {
                        format!("expected a quoted value after '{attr}', found '{w}'")
                    })?),
                },
                _ => return Err(format!("expected a value after '{attr}'")),
            };
        self.pos += 1;
        Ok(Expr::Compare { attr, op, value })
    }
}

/// Parses an expression, without checking which attributes the endpoint allows.
pub fn parse(input: &str) -> Result<Expr, String> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        pos: 0,
    };
    if parser.tokens.is_empty() {
        return Err("empty expression".into());
    }
    let expr = parser.or()?;
    if parser.pos != parser.tokens.len() {
        return Err(format!("unexpected text after position {}", parser.pos));
    }
    Ok(expr)
}

/// Which endpoint parameter an expression came from; each has its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `/api/v1/users?filter=`: a few attributes, `eq`, and ordering on `lastUpdated`.
    UserFilter,
    /// `/api/v1/users?search=`: any profile attribute, `eq sw pr`, `co` on names and
    /// e-mail, ordering on dates.
    UserSearch,
    /// `/api/v1/groups?filter=`: `id`, `type`, and the two update timestamps.
    GroupFilter,
    /// `/api/v1/groups?search=`: names and descriptions, `eq sw co`.
    GroupSearch,
    /// `/api/v1/logs?filter=`: every operator; `published` is not allowed.
    LogFilter,
}

impl Dialect {
    /// Whether string values compare case-insensitively.
    pub fn case_insensitive(self) -> bool {
        matches!(self, Dialect::UserSearch | Dialect::GroupSearch)
    }
}

const DATE_ATTRS: [&str; 7] = [
    "created",
    "activated",
    "statusChanged",
    "lastUpdated",
    "lastLogin",
    "passwordChanged",
    "lastMembershipUpdated",
];

fn is_date_attr(attr: &str) -> bool {
    DATE_ATTRS.contains(&attr)
}

fn check(attr: &str, op: Option<Op>, dialect: Dialect) -> Result<(), String> {
    let allowed = match dialect {
        Dialect::UserFilter => {
            let attrs = [
                "status",
                "lastUpdated",
                "id",
                "profile.login",
                "profile.email",
                "profile.firstName",
                "profile.lastName",
            ];
            attrs.contains(&attr)
                && match op {
                    Some(Op::Eq) => true,
                    Some(o) if o.is_ordering() => attr == "lastUpdated",
                    _ => false,
                }
        }
        Dialect::UserSearch => {
            let attr_ok = attr.starts_with("profile.")
                || ["id", "status", "type.id"].contains(&attr)
                || is_date_attr(attr) && attr != "lastMembershipUpdated";
            let co_ok = [
                "profile.firstName",
                "profile.lastName",
                "profile.email",
                "profile.login",
            ];
            attr_ok
                && match op {
                    None | Some(Op::Eq | Op::Sw) => true,
                    Some(Op::Co) => co_ok.contains(&attr),
                    Some(o) if o.is_ordering() => true,
                    _ => false,
                }
        }
        Dialect::GroupFilter => {
            ["id", "type", "lastUpdated", "lastMembershipUpdated"].contains(&attr)
                && match op {
                    Some(Op::Eq) => true,
                    Some(o) if o.is_ordering() => is_date_attr(attr),
                    _ => false,
                }
        }
        Dialect::GroupSearch => {
            let attr_ok = attr.starts_with("profile.")
                || [
                    "id",
                    "type",
                    "created",
                    "lastUpdated",
                    "lastMembershipUpdated",
                ]
                .contains(&attr);
            attr_ok
                && match op {
                    None | Some(Op::Eq | Op::Sw) => true,
                    Some(Op::Co) => ["profile.name", "profile.description"].contains(&attr),
                    Some(o) if o.is_ordering() => is_date_attr(attr),
                    _ => false,
                }
        }
        Dialect::LogFilter => attr != "published",
    };
    if allowed {
        Ok(())
    } else {
        let op = op.map_or("pr".to_string(), |o| format!("{o:?}").to_lowercase());
        Err(format!("'{attr} {op}' is not supported here"))
    }
}

/// Parses `input` and checks it against `dialect`, turning date literals into dates.
pub fn compile(input: &str, dialect: Dialect) -> Result<Expr, String> {
    fn walk(expr: Expr, dialect: Dialect) -> Result<Expr, String> {
        Ok(match expr {
            Expr::Or(terms) => Expr::Or(
                terms
                    .into_iter()
                    .map(|t| walk(t, dialect))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::And(terms) => Expr::And(
                terms
                    .into_iter()
                    .map(|t| walk(t, dialect))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Present(attr) => {
                check(&attr, None, dialect)?;
                Expr::Present(attr)
            }
            Expr::Compare { attr, op, value } => {
                check(&attr, Some(op), dialect)?;
                let value = match value {
                    Literal::Str(s) if is_date_attr(&attr) => Literal::Date(
                        DateTime::parse_from_rfc3339(&s)
                            .map_err(|_| format!("'{s}' is not a valid date for {attr}"))?
                            .with_timezone(&Utc),
                    ),
                    Literal::Str(_) | Literal::Null => value,
                    other if dialect == Dialect::LogFilter => other,
                    other => return Err(format!("{attr} needs a quoted value, not {other:?}")),
                };
                Expr::Compare { attr, op, value }
            }
        })
    }
    walk(parse(input)?, dialect)
}

/// An attribute's value on the thing being matched.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr<'a> {
    /// Not there at all.
    Missing,
    /// Present and `null`.
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// A timestamp.
    Date(DateTime<Utc>),
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// Several values (System Log targets); matches when any does.
    Many(Vec<Attr<'a>>),
}

impl Attr<'_> {
    /// Converts a JSON value.
    pub fn from_json(v: &serde_json::Value) -> Attr<'static> {
        match v {
            serde_json::Value::Null => Attr::Null,
            serde_json::Value::Bool(b) => Attr::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Attr::Null, Attr::Num),
            serde_json::Value::String(s) => Attr::Str(Cow::Owned(s.clone())),
            serde_json::Value::Array(items) => {
                Attr::Many(items.iter().map(Attr::from_json).collect())
            }
            serde_json::Value::Object(_) => Attr::Missing,
        }
    }
}

/// Something an expression can be evaluated against.
pub trait Subject {
    /// The value of `path`, for example `profile.department`.
    fn attr(&self, path: &str) -> Attr<'_>;
}

/// Evaluates a compiled expression.
pub fn eval(expr: &Expr, subject: &dyn Subject, case_insensitive: bool) -> bool {
    match expr {
        Expr::Or(terms) => terms.iter().any(|t| eval(t, subject, case_insensitive)),
        Expr::And(terms) => terms.iter().all(|t| eval(t, subject, case_insensitive)),
        Expr::Present(attr) => present(&subject.attr(attr)),
        Expr::Compare { attr, op, value } => {
            let actual = subject.attr(attr);
            if *op == Op::Ne {
                return !matches_value(&actual, Op::Eq, value, case_insensitive);
            }
            matches_value(&actual, *op, value, case_insensitive)
        }
    }
}

fn present(a: &Attr<'_>) -> bool {
    match a {
        Attr::Missing | Attr::Null => false,
        Attr::Str(s) => !s.is_empty(),
        Attr::Many(items) => items.iter().any(present),
        _ => true,
    }
}

fn matches_value(actual: &Attr<'_>, op: Op, value: &Literal, ci: bool) -> bool {
    use std::cmp::Ordering;
    let ordered = |o: Ordering| match op {
        Op::Eq => o == Ordering::Equal,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        _ => false,
    };
    match (actual, value) {
        (Attr::Many(items), _) => items.iter().any(|a| matches_value(a, op, value, ci)),
        (Attr::Missing | Attr::Null, Literal::Null) => op == Op::Eq,
        (Attr::Str(a), Literal::Str(b)) => {
            let (a, b) = if ci {
                (a.to_lowercase(), b.to_lowercase())
            } else {
                (a.to_string(), b.clone())
            };
            match op {
                Op::Sw => a.starts_with(&b),
                Op::Ew => a.ends_with(&b),
                Op::Co => a.contains(&b),
                _ => ordered(a.cmp(&b)),
            }
        }
        (Attr::Date(a), Literal::Date(b)) => ordered(a.cmp(b)),
        (Attr::Bool(a), Literal::Bool(b)) => op == Op::Eq && a == b,
        (Attr::Num(a), Literal::Num(b)) => a.partial_cmp(b).is_some_and(ordered),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, Attr<'static>>);

    impl Subject for Map {
        fn attr(&self, path: &str) -> Attr<'_> {
            self.0.get(path).cloned().unwrap_or(Attr::Missing)
        }
    }

    fn user() -> Map {
        Map(HashMap::from([
            ("status", Attr::Str("ACTIVE".into())),
            ("profile.department", Attr::Str("Engineering".into())),
            ("profile.firstName", Attr::Str("Dana".into())),
            (
                "lastUpdated",
                Attr::Date("2026-05-28T10:00:00Z".parse().unwrap()),
            ),
        ]))
    }

    fn yes(input: &str, d: Dialect) -> bool {
        eval(&compile(input, d).unwrap(), &user(), d.case_insensitive())
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let d = Dialect::UserSearch;
        assert!(yes(
            r#"status eq "SUSPENDED" or status eq "ACTIVE" and profile.firstName sw "D""#,
            d
        ));
        assert!(!yes(
            r#"(status eq "SUSPENDED" or status eq "ACTIVE") and profile.firstName sw "X""#,
            d
        ));
        assert!(yes(
            r#"lastUpdated gt "2026-05-28T09:59:59.000Z" AND (status lt "ACTIVE" OR status gt "A")"#,
            d
        ));
    }

    #[test]
    fn search_values_are_case_insensitive_filter_values_are_not() {
        assert!(yes(
            r#"profile.department eq "engineering""#,
            Dialect::UserSearch
        ));
        assert!(!yes(r#"status eq "active""#, Dialect::UserFilter));
        assert!(yes(r#"status EQ "ACTIVE""#, Dialect::UserFilter));
    }

    #[test]
    fn each_dialect_rejects_what_okta_rejects() {
        assert!(compile(r#"status ne "ACTIVE""#, Dialect::UserFilter).is_err());
        assert!(compile(r#"status ne "ACTIVE""#, Dialect::UserSearch).is_err());
        assert!(compile(r#"profile.department eq "X""#, Dialect::UserFilter).is_err());
        assert!(compile(r#"status gt "A""#, Dialect::UserFilter).is_err());
        assert!(compile(r#"profile.department co "X""#, Dialect::UserSearch).is_err());
        assert!(compile(r#"profile.name eq "X""#, Dialect::GroupFilter).is_err());
        assert!(compile(r#"published gt "2026-01-01T00:00:00Z""#, Dialect::LogFilter).is_err());
        assert!(compile(r#"lastUpdated gt "yesterday""#, Dialect::UserFilter).is_err());
        assert!(compile("status pr", Dialect::UserSearch).is_ok());
        assert!(compile("not status pr", Dialect::UserSearch).is_err());
        assert!(compile(r#"(status eq "A""#, Dialect::UserSearch).is_err());
    }

    #[test]
    fn present_and_many() {
        let subject = Map(HashMap::from([(
            "target.id",
            Attr::Many(vec![Attr::Str("00u1".into()), Attr::Str("00g1".into())]),
        )]));
        let expr = compile(r#"target.id eq "00g1""#, Dialect::LogFilter).unwrap();
        assert!(eval(&expr, &subject, false));
        assert!(!eval(
            &compile("other pr", Dialect::LogFilter).unwrap(),
            &subject,
            false
        ));
    }
}
