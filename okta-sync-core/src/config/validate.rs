//! Configuration validation: every problem at once, each with its path.
//!
//! Decoding already rejected what has the wrong shape (unknown keys, unknown transforms,
//! wrong types); this pass rejects what is well-formed but cannot work or would surprise
//! the admin, in words that say how to fix it.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use url::{Host, Url};

use super::{
    Filters, LeaveGroupsAction, LoginMapping, Mapping, RecordMapping, SecretRef, StatusAction,
    SyncConfig, TargetConfig, UniqueIdentifier,
};
use crate::error::ConfigProblem;
use crate::mapping::{CompiledMapping, SourceExpr};
use crate::model::UserStatus;
use crate::{Error, Result};

/// Collects problems as they are found.
#[derive(Default)]
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigProblem {
            path: path.into(),
            message: message.into(),
        });
    }
}

impl SyncConfig {
    /// Checks everything decoding cannot: ranges, URLs, names, references between
    /// mappings, filters a mapping kind does not support, and that the unique identifier
    /// reaches the target. Returns [`Error::Config`] listing every problem, sorted by path.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        validate_okta(self, &mut p);
        validate_target(&self.target, &mut p);
        if let Some(path) = &self.state.path {
            if path.trim().is_empty() {
                p.push("state.path", "is empty; omit it to keep state in memory");
            } else if let TargetConfig::Local { path: target } = &self.target {
                if same_file(path, target) {
                    p.push(
                        "state.path",
                        "is the local target's file (target.path); give the sync state its \
                         own file, so that resetting one never deletes the other",
                    );
                }
            }
        }
        validate_mappings(self, &mut p);
        validate_status_keys(
            &self.deprovisioning.login_status,
            "deprovisioning.login_status",
            &mut p,
        );
        share(
            &mut p,
            "safety.max_deactivate_share",
            self.safety.max_deactivate_share,
        );
        share(
            &mut p,
            "safety.max_population_drop_share",
            self.safety.max_population_drop_share,
        );
        validate_identifier(self, &mut p);

        let mut problems = p.0;
        if problems.is_empty() {
            return Ok(());
        }
        problems.sort_by(|a, b| natural(&a.path, &b.path).then_with(|| a.message.cmp(&b.message)));
        problems.dedup();
        Err(Error::Config { problems })
    }
}

/// Whether two configured paths name the same file, as far as their text tells (`./a`
/// and `a` do; links and `..` are not resolved, since validation does not touch the disk).
fn same_file(a: &str, b: &str) -> bool {
    fn parts(s: &str) -> Vec<std::path::Component<'_>> {
        std::path::Path::new(s.trim())
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    }
    parts(a) == parts(b)
}

fn validate_okta(config: &SyncConfig, p: &mut Problems) {
    let okta = &config.okta;
    check_url(p, "okta.org_url", &okta.org_url);
    secret(p, "okta.token", &okta.token);
    let share = okta.rate_limit_share;
    if !(share > 0.0 && share <= 1.0) {
        p.push(
            "okta.rate_limit_share",
            format!("is {share}; it must be more than 0 and at most 1 (default 0.5)"),
        );
    }
    if !(1..=200).contains(&okta.page_size) {
        p.push(
            "okta.page_size",
            format!(
                "is {}; Okta pages hold 1 to 200 users (default 200)",
                okta.page_size
            ),
        );
    }
    if okta.max_concurrency == 0 {
        p.push("okta.max_concurrency", "must be at least 1 (default 4)");
    }
    if okta.timeout_seconds == 0 {
        p.push("okta.timeout_seconds", "must be at least 1 (default 30)");
    }
}

fn validate_target(target: &TargetConfig, p: &mut Problems) {
    match target {
        TargetConfig::Local { path } => {
            if path.trim().is_empty() {
                p.push(
                    "target.path",
                    "is empty; name the SQLite file of the local target",
                );
            }
        }
        TargetConfig::Assetpanda(ap) => {
            check_url(p, "target.base_url", &ap.base_url);
            secret(p, "target.access_key_id", &ap.access_key_id);
            secret(p, "target.access_key_secret", &ap.access_key_secret);
            for (key, value) in [("account", &ap.account), ("module", &ap.module)] {
                if value.trim().is_empty() {
                    p.push(format!("target.{key}"), "is empty; give the display name");
                }
            }
            if ap.requests_per_window == 0 {
                p.push(
                    "target.requests_per_window",
                    "must be at least 1 (default 400)",
                );
            }
            if ap.window_seconds == 0 {
                p.push("target.window_seconds", "must be at least 1 (default 180)");
            }
        }
    }
}

fn validate_mappings(config: &SyncConfig, p: &mut Problems) {
    if config.mappings.is_empty() {
        p.push(
            "mappings",
            "is empty; add at least one `login` or `record` mapping",
        );
    }
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, mapping) in config.mappings.iter().enumerate() {
        let at = format!("mappings[{i}]");
        let name = mapping.name().trim();
        if name.is_empty() {
            p.push(
                format!("{at}.name"),
                "is empty; every mapping needs a unique name",
            );
        } else if let Some(first) = names.get(name) {
            p.push(
                format!("{at}.name"),
                format!("duplicate mapping name `{name}` (also mappings[{first}])"),
            );
        } else {
            names.insert(name, i);
        }
        if let Err(Error::Config { problems }) = CompiledMapping::with_path(mapping.fields(), &at) {
            p.0.extend(problems);
        }
        let written = validate_fields(mapping, &at, p);
        match mapping {
            Mapping::Login(m) => validate_login(config, m, &at, p),
            Mapping::Record(m) => validate_record(m, &at, &written, p),
        }
        for (k, owned) in target_owned(mapping).iter().enumerate() {
            if !written.contains_key(&fold(owned)) {
                p.push(
                    format!("{at}.target_owned_fields[{k}]"),
                    format!("`{owned}` is not a field of this mapping"),
                );
            }
        }
    }
}

fn target_owned(mapping: &Mapping) -> &[String] {
    match mapping {
        Mapping::Login(m) => &m.target_owned_fields,
        Mapping::Record(m) => &m.target_owned_fields,
    }
}

/// Checks the field targets; returns them (folded) with their index.
fn validate_fields(mapping: &Mapping, at: &str, p: &mut Problems) -> BTreeMap<String, usize> {
    let mut written = BTreeMap::new();
    for (j, field) in mapping.fields().iter().enumerate() {
        let target = field.target.trim();
        let path = format!("{at}.fields[{j}].target");
        if target.is_empty() {
            p.push(path, "is empty; name the Asset Panda field");
        } else if let Some(first) = written.get(&fold(target)) {
            p.push(
                path,
                format!("field `{target}` is mapped twice (also fields[{first}])"),
            );
        } else {
            written.insert(fold(target), j);
        }
    }
    written
}

fn validate_login(config: &SyncConfig, m: &LoginMapping, at: &str, p: &mut Problems) {
    if m.groups.is_empty() {
        p.push(
            format!("{at}.groups"),
            "is empty; a login mapping needs at least one Okta group and the role it gives",
        );
    }
    let mut seen: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    for (j, g) in m.groups.iter().enumerate() {
        let group = g.group.trim();
        if group.is_empty() {
            p.push(
                format!("{at}.groups[{j}].group"),
                "is empty; name an Okta group or id",
            );
        } else if let Some(&(first, as_first)) = seen.get(&fold(group)) {
            p.push(
                format!("{at}.groups[{j}].group"),
                format!(
                    "{}; the first entry decides the role, so this one never applies",
                    listed_twice(group, &format!("groups[{first}]"), as_first)
                ),
            );
        } else {
            seen.insert(fold(group), (j, group));
        }
        if g.role.trim().is_empty() {
            p.push(
                format!("{at}.groups[{j}].role"),
                "is empty; name an Asset Panda role",
            );
        }
    }
    let Filters {
        department,
        department_case_sensitive,
        groups,
        status,
    } = &m.filters;
    if !department.is_empty() {
        p.push(
            format!("{at}.filters.department"),
            "login mappings accept group filters only (Asset Panda's rule); use a record \
             mapping to select people by department",
        );
    }
    if *department_case_sensitive {
        p.push(
            format!("{at}.filters.department_case_sensitive"),
            "login mappings accept group filters only, so there is no department to compare",
        );
    }
    if !status.is_empty() {
        p.push(
            format!("{at}.filters.status"),
            "login mappings accept group filters only (Asset Panda's rule); use \
             `status_policy` to decide what each Okta status does to a login",
        );
    }
    group_filter(p, &format!("{at}.filters.groups"), groups);

    match (m.on_leave_groups, &m.keep_as_record_in) {
        (LeaveGroupsAction::KeepAsRecord, None) => p.push(
            format!("{at}.keep_as_record_in"),
            "is required when `on_leave_groups` is `keep_as_record`; name a record mapping",
        ),
        (LeaveGroupsAction::Deactivate, Some(_)) => p.push(
            format!("{at}.keep_as_record_in"),
            "is only used with `on_leave_groups: keep_as_record`; remove it or set that",
        ),
        (LeaveGroupsAction::KeepAsRecord, Some(name)) => {
            match config.mappings.iter().find(|x| x.name() == name) {
                Some(Mapping::Record(_)) => {}
                Some(Mapping::Login(_)) => p.push(
                    format!("{at}.keep_as_record_in"),
                    format!("`{name}` is a login mapping; name a record mapping"),
                ),
                None => p.push(
                    format!("{at}.keep_as_record_in"),
                    format!("no mapping is named `{name}`; name a record mapping"),
                ),
            }
        }
        (LeaveGroupsAction::Deactivate, None) => {}
    }
    validate_status_keys(&m.status_policy, &format!("{at}.status_policy"), p);
}

fn validate_record(
    m: &RecordMapping,
    at: &str,
    written: &BTreeMap<String, usize>,
    p: &mut Problems,
) {
    if m.collection.trim().is_empty() {
        p.push(
            format!("{at}.collection"),
            "is empty; name the Asset Panda collection",
        );
    }
    let stamp = m.okta_id_field.trim();
    if stamp.is_empty() {
        p.push(
            format!("{at}.okta_id_field"),
            "is empty; it names the field that marks records as managed (default `Okta ID`)",
        );
    } else if let Some(j) = written.get(&fold(stamp)) {
        p.push(
            format!("{at}.fields[{j}].target"),
            format!("`{stamp}` is this mapping's okta_id_field, which the sync writes itself"),
        );
    }
    if let Some(inactive) = &m.inactive {
        let field = inactive.field.trim();
        if field.is_empty() {
            p.push(
                format!("{at}.inactive.field"),
                "is empty; name the status field",
            );
        } else if written.contains_key(&fold(field)) || fold(field) == fold(stamp) {
            p.push(
                format!("{at}.inactive.field"),
                format!("`{field}` is also mapped from Okta; the marker needs a field of its own"),
            );
        }
        if inactive.inactive_value == inactive.active_value {
            p.push(
                format!("{at}.inactive.inactive_value"),
                "equals `active_value`, so inactive records could not be told apart",
            );
        }
    }
    let f = &m.filters;
    blank_entries(
        p,
        &format!("{at}.filters.department"),
        &f.department,
        "name a department",
    );
    group_filter(p, &format!("{at}.filters.groups"), &f.groups);
    for (k, status) in f.status.iter().enumerate() {
        if let UserStatus::Other(s) = status {
            p.push(format!("{at}.filters.status[{k}]"), not_a_status(s));
        }
    }
}

fn validate_status_keys(policy: &BTreeMap<String, StatusAction>, at: &str, p: &mut Problems) {
    for (key, action) in policy {
        match UserStatus::parse(key) {
            UserStatus::Other(s) => p.push(format!("{at}.{key}"), not_a_status(&s)),
            UserStatus::Deprovisioned if *action != StatusAction::Deactivate => p.push(
                format!("{at}.{key}"),
                "DEPROVISIONED users are deactivated in Okta; their logins must be \
                 deactivated too (only `deactivate` is allowed)",
            ),
            _ => {}
        }
    }
}

/// The identifier must reach the target, or people cannot be matched across systems.
fn validate_identifier(config: &SyncConfig, p: &mut Problems) {
    let writes = |expr: &SourceExpr| {
        config.mappings.iter().any(|m| {
            m.fields()
                .iter()
                .any(|f| SourceExpr::parse(&f.source).as_ref() == Ok(expr))
        })
    };
    match config.unique_identifier {
        UniqueIdentifier::Email => {
            if !config.mappings.is_empty() && !writes(&SourceExpr::Profile("email".into())) {
                p.push(
                    "unique_identifier",
                    "is `email`, but no mapping writes it: add a field with `source: \
                     profile.email` (for example `target: Email`)",
                );
            }
        }
        UniqueIdentifier::OktaId => {
            let record = config
                .mappings
                .iter()
                .any(|m| matches!(m, Mapping::Record(_)));
            if !config.mappings.is_empty() && !record && !writes(&SourceExpr::Id) {
                p.push(
                    "unique_identifier",
                    "is `okta_id`, but no mapping writes it: add a field with `source: id`, \
                     or use a record mapping (its okta_id_field carries the id)",
                );
            }
        }
    }
}

/// Said of a URL, or part of one, left out of a message.
const NOT_SHOWN: &str = "it is not shown, in case it holds a secret";

/// Checks an https URL. Messages never repeat the value: a token pasted into a URL field
/// (as the whole value, a user name or password, a query string or a fragment) would end up
/// in errors and logs.
fn check_url(p: &mut Problems, path: &str, raw: &str) {
    let url = match Url::parse(raw.trim()) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            p.push(
                path,
                format!("is not a URL: it has no scheme; start it with `https://` ({NOT_SHOWN})"),
            );
            return;
        }
        Err(e) => {
            p.push(path, format!("is not a URL ({e}); {NOT_SHOWN}"));
            return;
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        p.push(path, "must not contain a user name or password");
        return;
    }
    let loopback = match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => {
            p.push(path, format!("has no host; {NOT_SHOWN}"));
            return;
        }
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => p.push(
            path,
            format!(
                "uses `{scheme}`; it must be https (plain http is accepted only for \
                 127.0.0.1, ::1 and localhost, for tests)"
            ),
        ),
    }
    if url.query().is_some() {
        p.push(path, format!("must not have a query string ({NOT_SHOWN})"));
    }
    if url.fragment().is_some() {
        p.push(
            path,
            format!("must not have a fragment (`#…`; {NOT_SHOWN})"),
        );
    }
}

fn secret(p: &mut Problems, path: &str, secret: &SecretRef) {
    let (kind, name) = match secret {
        SecretRef::Env(n) => ("env", n),
        SecretRef::File(n) => ("file", n),
        SecretRef::Provider(n) => ("provider", n),
    };
    if name.trim().is_empty() {
        p.push(
            format!("{path}.{kind}"),
            "is empty; name where the secret comes from",
        );
    } else if kind == "env" && !is_env_name(name) {
        // Never echo the value: a token pasted where a variable name belongs is common.
        p.push(
            format!("{path}.env"),
            "is not an environment variable name (letters, digits and `_`, not starting \
             with a digit); if a token was pasted here, revoke it and name a variable instead",
        );
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn share(p: &mut Problems, path: &str, value: f64) {
    if !(0.0..=1.0).contains(&value) {
        p.push(path, format!("is {value}; a share must be between 0 and 1"));
    }
}

fn blank_entries(p: &mut Problems, at: &str, values: &[String], hint: &str) {
    for (k, v) in values.iter().enumerate() {
        if v.trim().is_empty() {
            p.push(format!("{at}[{k}]"), format!("is empty; {hint}"));
        }
    }
}

/// Checks a `filters.groups` list: no blank entry, no group twice.
fn group_filter(p: &mut Problems, at: &str, groups: &[String]) {
    blank_entries(p, at, groups, "name an Okta group or id");
    let mut seen: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    for (k, group) in groups.iter().enumerate() {
        let group = group.trim();
        if group.is_empty() {
            continue;
        }
        if let Some(&(first, as_first)) = seen.get(&fold(group)) {
            let field = at.rsplit('.').next().unwrap_or(at);
            p.push(
                format!("{at}[{k}]"),
                listed_twice(group, &format!("{field}[{first}]"), as_first),
            );
        } else {
            seen.insert(fold(group), (k, group));
        }
    }
}

/// Says that `group` repeats the entry at `first`, written there as `as_first`. Okta
/// compares group names ignoring case (`search=profile.name eq`), so entries differing only
/// in case name the same group.
fn listed_twice(group: &str, first: &str, as_first: &str) -> String {
    if group == as_first {
        format!("group `{group}` is listed twice (also {first})")
    } else {
        format!(
            "group `{group}` is listed twice (also {first}, as `{as_first}`; Okta compares \
             group names ignoring case)"
        )
    }
}

fn not_a_status(s: &str) -> String {
    let known: Vec<&str> = UserStatus::KNOWN.iter().map(UserStatus::as_str).collect();
    format!(
        "`{s}` is not an Okta status; expected one of {}",
        known.join(", ")
    )
}

/// Asset Panda field names are matched without regard to case or surrounding spaces.
fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Orders paths so that `mappings[2]` comes before `mappings[10]`.
fn natural(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> impl Iterator<Item = Result<u64, &str>> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (chunk, tail) = rest.split_at(end);
            rest = tail;
            Some(if digit {
                chunk.parse().map_err(|_| chunk)
            } else {
                Err(chunk)
            })
        })
    }
    let (mut x, mut y) = (chunks(a), chunks(b));
    loop {
        let ord = match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(Ok(m)), Some(Ok(n))) => m.cmp(&n),
            (Some(Ok(_)), Some(Err(_))) => Ordering::Less,
            (Some(Err(_)), Some(Ok(_))) => Ordering::Greater,
            (Some(Err(s)), Some(Err(t))) => s.cmp(t),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_paths() {
        let mut paths = vec![
            "mappings[10].name",
            "mappings[2].name",
            "mappings[2].fields[11].target",
            "mappings[2].fields[3].target",
            "deprovisioning.login_status.X",
        ];
        paths.sort_by(|a, b| natural(a, b));
        assert_eq!(
            paths,
            [
                "deprovisioning.login_status.X",
                "mappings[2].fields[3].target",
                "mappings[2].fields[11].target",
                "mappings[2].name",
                "mappings[10].name",
            ]
        );
    }

    #[test]
    fn url_rules() {
        let check = |u: &str| {
            let mut p = Problems::default();
            check_url(&mut p, "x", u);
            p.0.into_iter().map(|p| p.message).collect::<Vec<_>>()
        };
        assert!(check("https://acme.okta.com").is_empty());
        assert!(check("http://127.0.0.1:8080").is_empty());
        assert!(check("http://[::1]:9").is_empty());
        assert!(check("http://localhost:3000/").is_empty());
        assert!(check("http://acme.okta.com")[0].starts_with("uses `http`"));
        assert!(check("ftp://localhost")[0].starts_with("uses `ftp`"));
        assert_eq!(
            check("acme.okta.com"),
            [
                "is not a URL: it has no scheme; start it with `https://` (it is not shown, in \
                 case it holds a secret)"
            ]
        );
        let secret = check("https://admin:hunter2@acme.okta.com");
        assert_eq!(secret, ["must not contain a user name or password"]);
        assert_eq!(
            check("https://acme.okta.com/?token=00SECRET"),
            ["must not have a query string (it is not shown, in case it holds a secret)"]
        );
        assert_eq!(
            check("https://acme.okta.com/#00SECRET"),
            ["must not have a fragment (`#…`; it is not shown, in case it holds a secret)"]
        );
        // Both, in the order they are found (the listing is sorted later).
        assert_eq!(check("https://acme.okta.com/?a=00SECRET#00SECRET").len(), 2);
        // A value that does not parse is not repeated either: it may be a pasted token.
        assert_eq!(
            check("https://acme.okta.com:99999/?token=00SECRET"),
            ["is not a URL (invalid port number); it is not shown, in case it holds a secret"]
        );
        assert_eq!(
            check("00SECRET"),
            [
                "is not a URL: it has no scheme; start it with `https://` (it is not shown, in \
                 case it holds a secret)"
            ]
        );
        assert_eq!(
            check("data:00SECRET"),
            ["has no host; it is not shown, in case it holds a secret"]
        );
    }
}
