//! Templates: literal text with `{expression}` placeholders, for example
//! `{profile.firstName} {profile.lastName}`. `{{` and `}}` write literal braces.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::model::DirectoryUser;

use super::expr::SourceExpr;
use super::value::Val;

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Placeholder(SourceExpr),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// Upper bound of the literal text, to size the output once.
    literal_len: usize,
}

impl Template {
    /// Parses `text`; the error names the first problem and its character position.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((pos, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let start = pos + 1;
                    let end = loop {
                        match chars.next() {
                            Some((end, '}')) => break end,
                            Some((_, '{')) => {
                                return Err(format!(
                                    "template has `{{` inside a placeholder at position {pos}; \
                                     write `{{{{` for a literal brace"
                                ));
                            }
                            Some(_) => {}
                            None => {
                                return Err(format!(
                                    "template has an unclosed `{{` at position {pos}"
                                ));
                            }
                        }
                    };
                    let inner = &text[start..end];
                    if inner.trim().is_empty() {
                        return Err(format!(
                            "template has an empty placeholder at position {pos}"
                        ));
                    }
                    let expr = SourceExpr::parse(inner)
                        .map_err(|e| format!("in placeholder `{{{inner}}}`: {e}"))?;
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Placeholder(expr));
                }
                '}' => {
                    return Err(format!(
                        "template has an unmatched `}}` at position {pos}; write `}}}}` for a \
                         literal brace"
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        let literal_len = parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) => s.len(),
                Part::Placeholder(_) => 0,
            })
            .sum();
        Ok(Template { parts, literal_len })
    }

    /// Renders the template for `user`. Missing placeholders render as nothing; when every
    /// placeholder is missing the result is [`Val::Missing`], so that `default` and
    /// `required` still apply. An array or object placeholder is an error naming it.
    pub(crate) fn render<'u>(&self, user: &'u DirectoryUser) -> Result<Val<'u>, String> {
        let mut out = String::with_capacity(self.literal_len + 16);
        let mut placeholders = 0usize;
        let mut present = 0usize;
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Placeholder(expr) => {
                    placeholders += 1;
                    match expr.eval(user) {
                        Val::Missing => {}
                        Val::Str(s) => {
                            present += 1;
                            out.push_str(&s);
                        }
                        Val::Time(t) => {
                            present += 1;
                            let _ = write!(out, "{}", crate::model::time::format(&t));
                        }
                        json @ Val::Json(_) => {
                            let text = json.text().map_err(|kind| {
                                format!("placeholder `{{{expr}}}` is {kind}, not a single value")
                            })?;
                            present += 1;
                            out.push_str(text.as_deref().unwrap_or_default());
                        }
                    }
                }
            }
        }
        if placeholders > 0 && present == 0 {
            return Ok(Val::Missing);
        }
        Ok(Val::Str(Cow::Owned(out)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(profile: serde_json::Value) -> DirectoryUser {
        serde_json::from_value(json!({
            "id": "00u1", "status": "ACTIVE", "profile": profile,
            "lastUpdated": "2024-01-02T03:04:05.000Z"
        }))
        .unwrap()
    }

    fn render(t: &str, u: &DirectoryUser) -> Result<Val<'static>, String> {
        Template::parse(t).unwrap().render(u).map(|v| match v {
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
            Val::Missing => Val::Missing,
            other => panic!("unexpected {other:?}"),
        })
    }

    #[test]
    fn renders_placeholders_and_literals() {
        let u = user(json!({"firstName": "Ann", "lastName": "Lee", "n": 3}));
        assert_eq!(
            render("{profile.firstName} {profile.lastName}", &u),
            Ok(Val::Str("Ann Lee".into()))
        );
        assert_eq!(
            render("#{profile.n} {{{id}}} at {lastUpdated}", &u),
            Ok(Val::Str("#3 {00u1} at 2024-01-02T03:04:05.000Z".into()))
        );
    }

    #[test]
    fn partly_missing_renders_empty_and_all_missing_is_missing() {
        let u = user(json!({"firstName": "Ann", "lastName": null}));
        assert_eq!(
            render("{profile.firstName} {profile.lastName}", &u),
            Ok(Val::Str("Ann ".into()))
        );
        let u = user(json!({}));
        assert_eq!(
            render("{profile.firstName} {profile.lastName}", &u),
            Ok(Val::Missing)
        );
    }

    #[test]
    fn compound_placeholder_is_an_error() {
        let u = user(json!({"tags": ["a", "b"]}));
        let err = render("x{profile.tags}", &u).unwrap_err();
        assert_eq!(
            err,
            "placeholder `{profile.tags}` is an array, not a single value"
        );
    }

    #[test]
    fn parse_errors() {
        assert!(
            Template::parse("{profile.a")
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(Template::parse("a}b").unwrap_err().contains("unmatched"));
        assert!(
            Template::parse("{ }")
                .unwrap_err()
                .contains("empty placeholder")
        );
        assert!(
            Template::parse("{a{b}}")
                .unwrap_err()
                .contains("inside a placeholder")
        );
        let err = Template::parse("{email}").unwrap_err();
        assert!(
            err.starts_with("in placeholder `{email}`: unknown source"),
            "{err}"
        );
    }
}
