//! The `okta-sync` command's exit codes, against the local Okta server.

use std::process::Command;

use okta_fake::{FakeOkta, FakeOptions, FakeOrg, OrgSpec};

/// A configuration for `url` whose login mapping names `group`, files in `dir`.
fn config(dir: &std::path::Path, url: &str, group: &str) -> std::path::PathBuf {
    let path = dir.join("sync.yaml");
    let yaml = format!(
        "okta: {{ org_url: \"{url}\", token: {{ env: CLI_TEST_OKTA_TOKEN }} }}\n\
         target: {{ kind: local, path: \"{target}\" }}\n\
         state: {{ path: \"{state}\" }}\n\
         unique_identifier: email\n\
         mappings:\n\
         \x20 - kind: login\n\
         \x20   name: logins\n\
         \x20   groups: [{{ group: \"{group}\", role: Administrator }}]\n\
         \x20   fields: [{{ target: Email, source: profile.email, required: true }}]\n",
        target = dir.join("target.sqlite").display(),
        state = dir.join("state.sqlite").display(),
    );
    std::fs::write(&path, yaml).unwrap();
    path
}

fn apply(config: &std::path::Path, token: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_okta-sync"))
        .args(["apply", "--config"])
        .arg(config)
        .env("CLI_TEST_OKTA_TOKEN", token)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incomplete_read_is_not_reported_as_success() {
    let org = FakeOrg::generate(&OrgSpec {
        seed: 3,
        users: 60,
        ..OrgSpec::default()
    });
    let okta = FakeOkta::start(org, FakeOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    let good = config(dir.path(), &okta.url(), "Okta Administrators");
    let (code, text) = apply(&good, &okta.token());
    assert_eq!(code, Some(0), "{text}");

    // The group was renamed in Okta (here: misspelt in the configuration): it no longer
    // resolves, so nothing can be de-provisioned on its evidence, and cron must hear it.
    let renamed = config(dir.path(), &okta.url(), "Okta Administratorz");
    let (code, text) = apply(&renamed, &okta.token());
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("incomplete:"), "{text}");
}
