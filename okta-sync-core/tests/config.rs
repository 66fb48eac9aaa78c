//! Configuration: loading in three formats, decode-error paths, validation and the schema.

use std::path::{Path, PathBuf};

use okta_sync_core::Error;
use okta_sync_core::config::{
    ConfigFormat, LeaveGroupsAction, Mapping, MissingAction, SafetyPolicy, SecretRef, StatusAction,
    SyncConfig, TargetConfig, UniqueIdentifier, default_status_policy, json_schema,
};
use okta_sync_core::error::ConfigProblem;
use okta_sync_core::model::UserStatus;
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A small valid configuration to break one piece at a time.
fn base() -> Value {
    json!({
        "okta": {"org_url": "https://acme.okta.com", "token": {"env": "OKTA_API_TOKEN"}},
        "target": {"kind": "local", "path": "staging.sqlite"},
        "unique_identifier": "email",
        "mappings": [
            {"kind": "record", "name": "employees", "collection": "Employees",
             "fields": [{"target": "Email", "source": "profile.email"}]},
            {"kind": "login", "name": "admins",
             "groups": [{"group": "Okta Administrators", "role": "Administrator"}],
             "fields": [{"target": "Email", "source": "profile.email"}]}
        ]
    })
}

fn push_field(v: &mut Value, mapping: usize, field: Value) {
    v["mappings"][mapping]["fields"]
        .as_array_mut()
        .unwrap()
        .push(field);
}

fn problems(value: Value) -> Vec<ConfigProblem> {
    match SyncConfig::from_json_value(value) {
        Err(Error::Config { problems }) => problems,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// The single problem of `value`, as `path: message`.
fn only_problem(value: Value) -> String {
    let p = problems(value);
    assert_eq!(p.len(), 1, "{p:#?}");
    p[0].to_string()
}

// ---------------------------------------------------------------- loading

#[test]
fn every_example_file_loads() {
    let dir = fixture("");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if ConfigFormat::from_path(&path).is_some() {
            SyncConfig::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            loaded += 1;
        }
    }
    assert!(loaded >= 5, "only {loaded} example configurations found");
}

#[test]
fn the_three_formats_decode_to_the_same_configuration() {
    let yaml = SyncConfig::from_path(fixture("full.yaml")).unwrap();
    let toml = SyncConfig::from_path(fixture("full.toml")).unwrap();
    let json = SyncConfig::from_path(fixture("full.json")).unwrap();
    assert_eq!(yaml, toml);
    assert_eq!(yaml, json);
}

#[test]
fn login_example_reads_as_an_admin_set_it_up() {
    let c = SyncConfig::from_path(fixture("login-admins.yaml")).unwrap();
    assert_eq!(c.unique_identifier, UniqueIdentifier::Email);
    assert_eq!(c.okta.token, SecretRef::Env("OKTA_API_TOKEN".into()));
    let Mapping::Login(m) = &c.mappings[0] else {
        panic!("expected a login mapping")
    };
    let roles: Vec<_> = m.groups.iter().map(|g| (&*g.group, &*g.role)).collect();
    assert_eq!(
        roles,
        [("Okta Administrators", "Administrator"), ("IT", "Manager")]
    );
    // Defaults.
    assert_eq!(m.on_leave_groups, LeaveGroupsAction::Deactivate);
    assert!(m.status_policy.is_empty());
    assert_eq!(c.okta.rate_limit_share, 0.5);
    assert_eq!(c.okta.page_size, 200);
    assert_eq!(c.okta.max_concurrency, 4);
    assert_eq!(c.okta.overlap_seconds, 60);
    assert_eq!(c.okta.timeout_seconds, 30);
    assert_eq!(c.okta.max_retries, 4);
    assert_eq!(c.reconcile_every_days, 7);
    assert_eq!(c.state.path, None);
    assert_eq!(c.deprovisioning.login_status, default_status_policy());
    assert_eq!(
        c.deprovisioning.missing_without_event,
        MissingAction::Report
    );
    assert_eq!(c.safety, SafetyPolicy::default());
    let TargetConfig::Assetpanda(ap) = &c.target else {
        panic!("expected the Asset Panda target")
    };
    assert_eq!(ap.base_url, "https://api.assetpanda.app");
    assert_eq!((ap.requests_per_window, ap.window_seconds), (400, 180));
}

#[test]
fn record_example_reads_as_an_admin_set_it_up() {
    let c = SyncConfig::from_path(fixture("record-employees.yaml")).unwrap();
    let Mapping::Record(m) = &c.mappings[0] else {
        panic!("expected a record mapping")
    };
    assert_eq!(m.collection, "Employees");
    assert_eq!(m.filters.department, ["Engineering", "Sales"]);
    assert!(!m.filters.department_case_sensitive);
    assert!(m.filters.status.contains(&UserStatus::Suspended));
    assert!(!m.filters.status.contains(&UserStatus::Deprovisioned));
    assert_eq!(m.okta_id_field, "Okta ID");
    assert_eq!(m.inactive.as_ref().unwrap().inactive_value, "Inactive");
}

#[test]
fn default_policies_are_as_documented() {
    let c = SyncConfig::from_json_value(base()).unwrap();
    let p = &c.deprovisioning.login_status;
    assert_eq!(p["ACTIVE"], StatusAction::Sync);
    assert_eq!(p["STAGED"], StatusAction::Skip);
    assert_eq!(p["SUSPENDED"], StatusAction::Deactivate);
    assert_eq!(p["DEPROVISIONED"], StatusAction::Deactivate);
    assert_eq!(p.len(), 8);
    assert_eq!(c.safety.max_deactivate_share, 0.10);
    assert_eq!(c.safety.max_deactivate_count, 25);
    assert_eq!(c.safety.max_population_drop_share, 0.20);
    let Mapping::Record(m) = &c.mappings[0] else {
        panic!()
    };
    assert_eq!(m.okta_id_field, "Okta ID");
    assert_eq!(m.inactive, None);
}

#[test]
fn unreadable_files_and_unknown_extensions_are_syntax_errors() {
    let err = SyncConfig::from_path(fixture("missing.yaml")).unwrap_err();
    assert_eq!(err.code(), "CONFIG_SYNTAX");
    assert!(err.to_string().contains("missing.yaml"), "{err}");
    let err = SyncConfig::from_path(fixture("sync.ini")).unwrap_err();
    assert!(
        err.to_string().contains("unknown configuration format"),
        "{err}"
    );
}

#[test]
fn yaml_syntax_errors_give_a_line() {
    let err = SyncConfig::from_str("okta:\n  org_url: [\n", ConfigFormat::Yaml).unwrap_err();
    let Error::ConfigSyntax {
        source_name,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source_name, "<inline>");
    assert!(message.contains("line"), "{message}");
}

/// A base configuration in YAML, with `extra` appended to the `safety` section.
fn yaml_with_safety(extra: &str) -> String {
    format!(
        "okta:\n  org_url: https://acme.okta.com\n  token: {{env: OKTA_API_TOKEN}}\n\
         target: {{kind: local, path: staging.sqlite}}\n\
         unique_identifier: email\n\
         mappings:\n  - kind: record\n    name: employees\n    collection: Employees\n    \
         fields: [{{target: Email, source: profile.email}}]\n\
         safety:\n{extra}"
    )
}

fn syntax_message(err: Error) -> String {
    match err {
        Error::ConfigSyntax { message, .. } => message,
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn a_repeated_key_is_refused_in_every_format() {
    // The second value would loosen the brake; the last one must not silently win.
    let yaml = yaml_with_safety("  max_deactivate_share: 0.10\n  max_deactivate_share: 0.9\n");
    let message = syntax_message(SyncConfig::from_str(&yaml, ConfigFormat::Yaml).unwrap_err());
    assert!(
        message.starts_with(
            "safety.max_deactivate_share: duplicate key; each key may appear only once"
        ),
        "{message}"
    );
    // serde_yaml_ng places the error at the start of the enclosing map.
    assert!(
        message.ends_with("(in the map at line 12 column 3)"),
        "{message}"
    );
    // Without the repeat the same text loads.
    let yaml = yaml_with_safety("  max_deactivate_share: 0.10\n");
    let config = SyncConfig::from_str(&yaml, ConfigFormat::Yaml).unwrap();
    assert_eq!(config.safety.max_deactivate_share, 0.10);

    // Deeper: inside a list element, and at the top level.
    let yaml = yaml_with_safety("  max_deactivate_count: 3\n").replace(
        "    collection: Employees\n",
        "    collection: Employees\n    collection: Staff\n",
    );
    let message = syntax_message(SyncConfig::from_str(&yaml, ConfigFormat::Yaml).unwrap_err());
    assert!(
        message.starts_with("mappings[0].collection: duplicate key"),
        "{message}"
    );
    let yaml = yaml_with_safety("  max_deactivate_count: 3\nunique_identifier: okta_id\n");
    let message = syntax_message(SyncConfig::from_str(&yaml, ConfigFormat::Yaml).unwrap_err());
    assert!(
        message.starts_with("unique_identifier: duplicate key"),
        "{message}"
    );

    let json = r#"{"okta": {"org_url": "https://acme.okta.com", "token": {"env": "T"}},
        "target": {"kind": "local", "path": "s.sqlite"}, "unique_identifier": "email",
        "mappings": [{"kind": "record", "name": "e", "collection": "Employees",
                      "fields": [{"target": "Email", "source": "profile.email"}],
                      "filters": {"status": ["ACTIVE"], "status": ["SUSPENDED"]}}]}"#;
    let message = syntax_message(SyncConfig::from_str(json, ConfigFormat::Json).unwrap_err());
    assert!(
        message.starts_with(
            "mappings[0].filters.status: duplicate key; each key may appear only once"
        ),
        "{message}"
    );
    // serde_json stands just after the second `"status"`.
    assert!(message.ends_with("(line 5 column 64)"), "{message}");

    // TOML's own parser already refuses it.
    let toml = "unique_identifier = \"email\"\nunique_identifier = \"okta_id\"\n";
    let message = syntax_message(SyncConfig::from_str(toml, ConfigFormat::Toml).unwrap_err());
    assert!(message.contains("duplicate key"), "{message}");
}

// ---------------------------------------------------------------- decode paths

#[test]
fn shape_errors_name_their_path() {
    let mut v = base();
    v["mappings"][1]["fields"][0]["transforms"] = json!(["trim", "lower", "tirm"]);
    assert_eq!(
        only_problem(v),
        "mappings[1].fields[0].transforms[2]: unknown variant `tirm`, expected one of `trim`, \
         `lower`, `upper`, `default`, `lookup`, `date_format`"
    );

    let mut v = base();
    v["mappings"][0]["filters"] = json!({"departments": ["Sales"]});
    assert!(only_problem(v).starts_with("mappings[0].filters.departments: unknown field"));

    let mut v = base();
    v["okta"]["page_size"] = json!("200");
    assert!(only_problem(v).starts_with("okta.page_size: invalid type: string \"200\""));

    let mut v = base();
    v["mappings"][0]["kind"] = json!("people");
    let got = only_problem(v);
    assert_eq!(
        got,
        "mappings[0].kind: unknown variant `people`, expected `login` or `record`"
    );

    let mut v = base();
    v["mappings"][1].as_object_mut().unwrap().remove("name");
    assert_eq!(only_problem(v), "mappings[1]: missing field `name`");

    let mut v = base();
    v.as_object_mut().unwrap().remove("unique_identifier");
    assert_eq!(only_problem(v), ".: missing field `unique_identifier`");

    let mut v = base();
    v["target"] = json!({"kind": "assetpanda", "access_key_id": {"env": "A"},
                         "access_key_secret": {"env": "B"}, "account": "Acme",
                         "module": "Assets", "window": 60});
    assert!(only_problem(v).starts_with("target.window: unknown field `window`"));
}

#[test]
fn type_errors_say_what_was_expected_without_internal_names() {
    let cases = [
        (
            "/okta",
            json!(5),
            "okta: invalid type: integer `5`, expected a mapping",
        ),
        (
            "/safety",
            json!("strict"),
            "safety: invalid type: string \"strict\", expected a mapping",
        ),
        (
            "/state",
            json!(true),
            "state: invalid type: boolean `true`, expected a mapping",
        ),
        (
            "/deprovisioning",
            json!(1),
            "deprovisioning: invalid type: integer `1`, expected a mapping",
        ),
        (
            "/target",
            json!(5),
            "target: invalid type: integer `5`, expected a mapping with a `kind` (`assetpanda` or `local`)",
        ),
        (
            "/mappings/0",
            json!("employees"),
            "mappings[0]: invalid type: string \"employees\", expected a mapping with a `kind` (`login` or `record`)",
        ),
        (
            "/mappings/0/fields/0",
            json!(3),
            "mappings[0].fields[0]: invalid type: integer `3`, expected a mapping",
        ),
        (
            "/mappings/0/filters",
            json!("Sales"),
            "mappings[0].filters: invalid type: string \"Sales\", expected a mapping",
        ),
        (
            "/mappings/1/groups/0",
            json!("Okta Administrators"),
            "mappings[1].groups[0]: invalid type: string \"Okta Administrators\", expected a mapping",
        ),
        (
            "/unique_identifier",
            json!(1),
            "unique_identifier: invalid type: integer `1`, expected string or map",
        ),
        (
            "/mappings/1/on_leave_groups",
            json!(true),
            "mappings[1].on_leave_groups: invalid type: boolean `true`, expected string or map",
        ),
    ];
    for (pointer, value, want) in cases {
        let mut v = base();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match v.pointer_mut(parent).unwrap() {
            Value::Object(map) => {
                map.insert(key.to_string(), value);
            }
            Value::Array(list) => list[key.parse::<usize>().unwrap()] = value,
            other => panic!("{other}"),
        }
        assert_eq!(only_problem(v), want, "{pointer}");
    }
    assert_eq!(
        only_problem(json!(5)),
        ".: invalid type: integer `5`, expected a mapping"
    );
    // The tester's case, as written in YAML.
    let yaml = yaml_with_safety("  max_deactivate_count: 3\n").replace(
        "okta:\n  org_url: https://acme.okta.com\n  token: {env: OKTA_API_TOKEN}\n",
        "okta: 5\n",
    );
    let err = SyncConfig::from_str(&yaml, ConfigFormat::Yaml).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration (1 problem): okta: invalid type: integer `5`, expected a mapping"
    );
    // Enums of names (and transforms) already said "string or map", from serde_json.
    let mut v = base();
    v["mappings"][0]["fields"][0]["transforms"] = json!([7]);
    assert_eq!(
        only_problem(v),
        "mappings[0].fields[0].transforms[0]: invalid type: integer `7`, expected string or map"
    );
}

#[test]
fn an_inline_token_is_never_echoed() {
    let token = "00abcdefSECRETtokenValue";
    let mut v = base();
    v["okta"]["token"] = json!(token);
    let err = SyncConfig::from_json_value(v).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(token), "{text}");
    assert!(
        text.contains("okta.token: must say where the secret comes from"),
        "{text}"
    );

    // Unquoted in TOML, the token is a syntax error; the message must not quote the line.
    let toml = format!(
        "unique_identifier = \"email\"\n[okta]\norg_url = \"https://a.okta.com\"\ntoken = {token}\n"
    );
    let err = SyncConfig::from_str(&toml, ConfigFormat::Toml).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(token), "{text}");
    assert!(text.contains("line 4"), "{text}");

    let mut v = base();
    v["okta"]["org_url"] = json!(format!("https://admin:{token}@acme.okta.com"));
    let text = SyncConfig::from_json_value(v).unwrap_err().to_string();
    assert!(!text.contains(token), "{text}");

    // A token in the org URL's query string or fragment, or a URL that does not parse.
    let mut v = base();
    v["okta"]["org_url"] = json!(format!("https://acme.okta.com/?token={token}"));
    assert_eq!(
        only_problem(v),
        "okta.org_url: must not have a query string (it is not shown, in case it holds a secret)"
    );
    let mut v = base();
    v["target"] = json!({"kind": "assetpanda", "access_key_id": {"env": "A"},
                         "access_key_secret": {"env": "B"}, "account": "Acme",
                         "module": "Assets",
                         "base_url": format!("https://api.assetpanda.app/#{token}")});
    assert_eq!(
        only_problem(v),
        "target.base_url: must not have a fragment (`#…`; it is not shown, in case it holds a \
         secret)"
    );
    for org_url in [
        token.to_string(),
        format!("https://acme.okta.com:99999/?token={token}"),
        format!("https://acme okta.com/?token={token}"),
    ] {
        let mut v = base();
        v["okta"]["org_url"] = json!(org_url);
        let err = SyncConfig::from_json_value(v).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains(token), "{text}");
        assert!(text.contains("okta.org_url: is not a URL"), "{text}");
    }
}

// ---------------------------------------------------------------- validation

#[test]
fn the_base_configuration_is_valid() {
    SyncConfig::from_json_value(base()).unwrap();
}

#[test]
fn login_mappings_accept_group_filters_only() {
    let mut v = base();
    v["mappings"][1]["filters"] = json!({
        "department": ["Sales"], "status": ["ACTIVE"], "groups": ["Full-time"]
    });
    let p = problems(v);
    let paths: Vec<_> = p.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "mappings[1].filters.department",
            "mappings[1].filters.status"
        ]
    );
    assert!(
        p[0].message
            .starts_with("login mappings accept group filters only")
    );
}

#[test]
fn an_empty_filter_list_is_refused() {
    let message = |kind: &str| {
        format!(
            "an empty list is not allowed, since it could mean no one as well as everyone; \
             remove the key to not filter on {kind}, or list at least one value"
        )
    };
    // Record mappings: each kind of list.
    for kind in ["department", "groups", "status"] {
        let mut v = base();
        v["mappings"][0]["filters"] = json!({ kind: [] });
        assert_eq!(
            only_problem(v),
            format!("mappings[0].filters.{kind}: {}", message(kind))
        );
    }
    // Alongside a filter that is set, the empty one is still refused.
    let mut v = base();
    v["mappings"][0]["filters"] = json!({"department": ["Sales"], "status": []});
    assert_eq!(
        only_problem(v),
        format!("mappings[0].filters.status: {}", message("status"))
    );
    // Login mappings: an empty group filter would give every role-group member a login.
    let mut v = base();
    v["mappings"][1]["filters"] = json!({"groups": []});
    assert_eq!(
        only_problem(v),
        format!("mappings[1].filters.groups: {}", message("groups"))
    );
    // Leaving the key out, or an empty `filters`, does not filter.
    let mut v = base();
    v["mappings"][0]["filters"] = json!({});
    v["mappings"][1]["filters"] = json!({});
    SyncConfig::from_json_value(v).unwrap();

    // The same in the text formats.
    let yaml = yaml_with_safety("  max_deactivate_count: 3\n").replace(
        "    collection: Employees\n",
        "    collection: Employees\n    filters: {department: []}\n",
    );
    let err = SyncConfig::from_str(&yaml, ConfigFormat::Yaml).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid configuration (1 problem): mappings[0].filters.department: {}",
            message("department")
        )
    );
    let toml = "unique_identifier = \"email\"\n\
                [okta]\norg_url = \"https://acme.okta.com\"\ntoken = { env = \"T\" }\n\
                [target]\nkind = \"local\"\npath = \"s.sqlite\"\n\
                [[mappings]]\nkind = \"record\"\nname = \"e\"\ncollection = \"Employees\"\n\
                fields = [{ target = \"Email\", source = \"profile.email\" }]\n\
                [mappings.filters]\nstatus = []\n";
    let err = SyncConfig::from_str(toml, ConfigFormat::Toml).unwrap_err();
    let Error::Config { problems } = err else {
        panic!("{err:?}")
    };
    assert_eq!(problems[0].path, "mappings[0].filters.status");
}

#[test]
fn duplicate_mapping_names() {
    let mut v = base();
    v["mappings"][1]["name"] = json!("employees");
    assert_eq!(
        only_problem(v),
        "mappings[1].name: duplicate mapping name `employees` (also mappings[0])"
    );
}

#[test]
fn unique_identifier_must_reach_the_target() {
    // Email: some mapping must write profile.email (a template does not count).
    let mut v = base();
    v["mappings"][0]["fields"][0]["source"] = json!("{profile.email}");
    v["mappings"][1]["fields"][0]["source"] = json!("profile.login");
    assert!(only_problem(v).starts_with("unique_identifier: is `email`, but no mapping writes it"));

    // Okta id: a record mapping always carries it in its okta_id_field...
    let mut v = base();
    v["unique_identifier"] = json!("okta_id");
    SyncConfig::from_json_value(v.clone()).unwrap();
    // ...a login mapping alone needs a field whose source is `id`.
    v["mappings"].as_array_mut().unwrap().remove(0);
    assert!(only_problem(v.clone()).starts_with("unique_identifier: is `okta_id`"));
    push_field(&mut v, 0, json!({"target": "Okta ID", "source": "id"}));
    SyncConfig::from_json_value(v).unwrap();
}

#[test]
fn a_field_mapped_twice() {
    let mut v = base();
    push_field(
        &mut v,
        0,
        json!({"target": " email ", "source": "profile.login"}),
    );
    assert_eq!(
        only_problem(v),
        "mappings[0].fields[1].target: field `email` is mapped twice (also fields[0])"
    );
    // The okta_id_field is written by the sync; mapping it too is a double write.
    let mut v = base();
    push_field(&mut v, 0, json!({"target": "Okta ID", "source": "id"}));
    assert!(only_problem(v).starts_with("mappings[0].fields[1].target: `Okta ID` is this"));
}

#[test]
fn empty_group_list_on_a_login_mapping() {
    let mut v = base();
    v["mappings"][1]["groups"] = json!([]);
    assert!(only_problem(v).starts_with("mappings[1].groups: is empty"));
}

#[test]
fn a_group_listed_twice_is_refused_whatever_its_case() {
    // In the role list: the second entry could never decide a role.
    let mut v = base();
    v["mappings"][1]["groups"] = json!([
        {"group": "Okta Administrators", "role": "Administrator"},
        {"group": "IT", "role": "Manager"},
        {"group": " okta administrators ", "role": "Viewer"},
        {"group": "IT", "role": "Viewer"}
    ]);
    let listing: Vec<String> = problems(v).iter().map(ToString::to_string).collect();
    assert_eq!(
        listing,
        [
            "mappings[1].groups[2].group: group `okta administrators` is listed twice (also \
             groups[0], as `Okta Administrators`; Okta compares group names ignoring case); the \
             first entry decides the role, so this one never applies",
            "mappings[1].groups[3].group: group `IT` is listed twice (also groups[1]); the first \
             entry decides the role, so this one never applies",
        ]
    );

    // In a group filter, of a login or a record mapping.
    let mut v = base();
    v["mappings"][0]["filters"] = json!({"groups": ["Contractors", "Staff", "STAFF"]});
    v["mappings"][1]["filters"] = json!({"groups": ["Full-time", "Full-time"]});
    let listing: Vec<String> = problems(v).iter().map(ToString::to_string).collect();
    assert_eq!(
        listing,
        [
            "mappings[0].filters.groups[2]: group `STAFF` is listed twice (also groups[1], as \
             `Staff`; Okta compares group names ignoring case)",
            "mappings[1].filters.groups[1]: group `Full-time` is listed twice (also groups[0])",
        ]
    );

    // A role group may also be a filter group, and different groups are fine.
    let mut v = base();
    v["mappings"][1]["groups"] = json!([
        {"group": "Okta Administrators", "role": "Administrator"},
        {"group": "Okta Administrator", "role": "Manager"}
    ]);
    v["mappings"][1]["filters"] = json!({"groups": ["Okta Administrators"]});
    SyncConfig::from_json_value(v).unwrap();
}

#[test]
fn org_url_must_be_https_unless_loopback() {
    for ok in [
        "https://acme.okta.com",
        "http://127.0.0.1:4010",
        "http://[::1]:80",
        "http://localhost:9",
    ] {
        let mut v = base();
        v["okta"]["org_url"] = json!(ok);
        SyncConfig::from_json_value(v).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let mut v = base();
    v["okta"]["org_url"] = json!("http://acme.okta.com");
    assert!(only_problem(v).starts_with("okta.org_url: uses `http`; it must be https"));
}

#[test]
fn bad_expressions_and_templates() {
    let mut v = base();
    push_field(
        &mut v,
        0,
        json!({"target": "Name", "source": "{profile.firstName"}),
    );
    push_field(&mut v, 0, json!({"target": "Mail", "source": "mail"}));
    push_field(
        &mut v,
        0,
        json!({"target": "Hired", "source": "profile.hireDate", "transforms": [{"date_format": "%Q"}]}),
    );
    let p = problems(v);
    let paths: Vec<_> = p.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "mappings[0].fields[1].source",
            "mappings[0].fields[2].source",
            "mappings[0].fields[3].transforms[0]"
        ]
    );
    assert!(
        p[1].message.contains("did you mean `profile.mail`?"),
        "{}",
        p[1].message
    );
}

#[test]
fn numeric_ranges() {
    for (key, value, problem) in [
        ("rate_limit_share", json!(1.0), None),
        (
            "rate_limit_share",
            json!(0.0),
            Some("is 0; it must be more than 0 and at most 1"),
        ),
        (
            "rate_limit_share",
            json!(1.5),
            Some("is 1.5; it must be more than 0 and at most 1"),
        ),
        ("page_size", json!(1), None),
        (
            "page_size",
            json!(0),
            Some("is 0; Okta pages hold 1 to 200 users"),
        ),
        (
            "page_size",
            json!(201),
            Some("is 201; Okta pages hold 1 to 200 users"),
        ),
    ] {
        let mut v = base();
        v["okta"][key] = value.clone();
        match problem {
            None => {
                SyncConfig::from_json_value(v).unwrap_or_else(|e| panic!("{key}: {e}"));
            }
            Some(problem) => {
                let got = only_problem(v);
                let want = format!("okta.{key}: {problem}");
                assert!(got.starts_with(&want), "{got}");
            }
        }
    }
    for key in ["max_deactivate_share", "max_population_drop_share"] {
        let mut v = base();
        v["safety"] = json!({ key: 1.2 });
        assert_eq!(
            only_problem(v),
            format!("safety.{key}: is 1.2; a share must be between 0 and 1")
        );
        let mut v = base();
        v["safety"] = json!({ key: 0.0 });
        SyncConfig::from_json_value(v).unwrap();
    }
}

#[test]
fn keep_as_record_in_must_name_a_record_mapping() {
    let mut v = base();
    v["mappings"][1]["on_leave_groups"] = json!("keep_as_record");
    v["mappings"][1]["keep_as_record_in"] = json!("admins");
    assert_eq!(
        only_problem(v.clone()),
        "mappings[1].keep_as_record_in: `admins` is a login mapping; name a record mapping"
    );
    v["mappings"][1]["keep_as_record_in"] = json!("staff");
    assert!(only_problem(v.clone()).contains("no mapping is named `staff`"));
    v["mappings"][1]["keep_as_record_in"] = json!("employees");
    SyncConfig::from_json_value(v).unwrap();
}

#[test]
fn status_policy_keys_and_deprovisioned() {
    let mut v = base();
    v["mappings"][1]["status_policy"] = json!({"ACTIVATING": "sync", "DEPROVISIONED": "skip"});
    let p = problems(v);
    let paths: Vec<_> = p.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "mappings[1].status_policy.ACTIVATING",
            "mappings[1].status_policy.DEPROVISIONED"
        ]
    );
    let mut v = base();
    v["deprovisioning"] = json!({"login_status": {"DEPROVISIONED": "sync", "SUSPENDED": "skip"}});
    assert!(only_problem(v).starts_with("deprovisioning.login_status.DEPROVISIONED:"));
}

#[test]
fn empty_mappings_list() {
    let mut v = base();
    v["mappings"] = json!([]);
    assert_eq!(
        only_problem(v),
        "mappings: is empty; add at least one `login` or `record` mapping"
    );
}

/// Every problem at once, each with its path, sorted with `mappings[2]` before
/// `mappings[10]`-style numeric order.
#[test]
fn validation_messages_snapshot() {
    let config = json!({
        "okta": {"org_url": "http://acme.okta.com", "token": {"env": ""},
                 "rate_limit_share": 0, "page_size": 500},
        "target": {"kind": "assetpanda", "base_url": "https://api.assetpanda.app",
                   "access_key_id": {"env": "AP_ID"}, "access_key_secret": {"file": "/run/ap"},
                   "account": "Acme", "module": " "},
        "unique_identifier": "email",
        "mappings": [
            {"kind": "login", "name": "admins", "groups": [],
             "filters": {"department": ["IT"], "status": ["ACTIVE"]},
             "fields": [{"target": "Login", "source": "profile.login"},
                        {"target": "login", "source": "{profile.firstName"}],
             "on_leave_groups": "keep_as_record", "keep_as_record_in": "admins",
             "status_policy": {"DEPROVISIONED": "sync", "GONE": "skip"}},
            {"kind": "record", "name": "admins", "collection": "Employees",
             "fields": [{"target": "Name", "source": "name"}],
             "filters": {"status": ["ACTIVE", "ARCHIVED"], "department": [""]},
             "target_owned_fields": ["Title"]}
        ],
        "safety": {"max_deactivate_share": 2.0}
    });
    let err = SyncConfig::from_json_value(config).unwrap_err();
    let Error::Config { problems } = &err else {
        panic!("{err:?}")
    };
    let listing: Vec<String> = problems.iter().map(ToString::to_string).collect();
    insta::assert_yaml_snapshot!("validation_problems", listing);
    insta::assert_snapshot!("validation_display", err.to_string());
}

// ---------------------------------------------------------------- schema

#[test]
fn committed_schema_matches_the_model() {
    let path = repo_file("docs/config.schema.json");
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/config.schema.json is out of date with the configuration types; regenerate it \
         with `UPDATE_SCHEMA=1 cargo test -p okta-sync-core --test config committed_schema` \
         and commit the result"
    );
}

#[test]
fn schema_describes_the_model() {
    let schema = json_schema();
    let props = &schema["properties"];
    for key in [
        "okta",
        "target",
        "state",
        "unique_identifier",
        "mappings",
        "deprovisioning",
        "safety",
    ] {
        assert!(props.get(key).is_some(), "schema lacks `{key}`");
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        required,
        ["okta", "target", "unique_identifier", "mappings"]
    );
}

// ---------------------------------------------------------------- documentation

/// Every ```yaml block of docs/configuration.md is a complete configuration that loads;
/// fragments are marked ```yaml fragment and only need to parse as YAML.
#[test]
fn documentation_examples_load() {
    let doc = std::fs::read_to_string(repo_file("docs/configuration.md")).unwrap();
    let mut complete = 0;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let info = info.trim();
        let block: String = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .map(|l| format!("{l}\n"))
            .collect();
        match info {
            "yaml" => {
                SyncConfig::from_str(&block, ConfigFormat::Yaml)
                    .unwrap_or_else(|e| panic!("docs example fails: {e}\n{block}"));
                complete += 1;
            }
            "toml" => {
                let config = SyncConfig::from_str(&block, ConfigFormat::Toml)
                    .unwrap_or_else(|e| panic!("docs example fails: {e}\n{block}"));
                // The docs call it the same configuration as the full.* fixtures.
                assert_eq!(config, SyncConfig::from_path(fixture("full.yaml")).unwrap());
                complete += 1;
            }
            "json" => {
                SyncConfig::from_str(&block, ConfigFormat::Json)
                    .unwrap_or_else(|e| panic!("docs example fails: {e}\n{block}"));
                complete += 1;
            }
            "yaml fragment" => {
                serde_yaml_ng::from_str::<Value>(&block)
                    .unwrap_or_else(|e| panic!("docs fragment is not YAML: {e}\n{block}"));
            }
            _ => {}
        }
    }
    assert!(
        complete >= 3,
        "docs/configuration.md has only {complete} complete examples"
    );
}

#[test]
fn a_token_pasted_as_a_variable_name_is_rejected_without_echoing_it() {
    let mut v = base();
    v["okta"]["token"] = json!({"env": "00SUPERSECRETtokenVALUE123"});
    let problem = only_problem(v);
    assert!(
        problem.starts_with("okta.token.env: is not an environment variable name"),
        "{problem}"
    );
    assert!(!problem.contains("SUPERSECRET"), "{problem}");
    let mut ok = base();
    ok["okta"]["token"] = json!({"env": "_OKTA_TOKEN_2"});
    SyncConfig::from_json_value(ok).unwrap();
}

#[test]
fn the_state_may_not_share_the_local_targets_file() {
    let mut v = base();
    v["state"] = json!({"path": "./staging.sqlite"});
    assert!(only_problem(v).starts_with("state.path: is the local target's file (target.path)"),);
    let mut v = base();
    v["state"] = json!({"path": "state.sqlite"});
    SyncConfig::from_json_value(v).unwrap();
}
