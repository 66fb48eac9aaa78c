//! The quickstart: a local Okta org, a full import into the embedded local target, the
//! changes admins make in Okta, and a delta sync that shows exactly those changes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use okta_fake::{FakeOkta, FakeOktaHandle, FakeOptions, FakeOrg, OrgSpec, UserStatus};
use okta_sync_core::config::{SecretProvider, SecretRef, SyncConfig, TargetConfig};
use okta_sync_core::engine::{EngineOptions, RunOptions, RunOutcome, SyncEngine, SyncMode};
use okta_sync_core::target::local::LocalTarget;
use secrecy::SecretString;

/// The configuration file the quickstart uses, relative to the workspace root.
pub const CONFIG: &str = "examples/quickstart.yaml";

/// Hands the local org's token to the engine without putting it in the configuration.
#[derive(Debug)]
struct LocalToken(String);

impl SecretProvider for LocalToken {
    fn secret(&self, name: &str) -> Option<SecretString> {
        (name == "local-okta-token").then(|| SecretString::from(self.0.clone()))
    }
}

/// One change made in the local Okta org, as an admin would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedChange {
    /// What was done, in words.
    pub description: String,
    /// The Okta user it was done to.
    pub okta_id: String,
}

/// What a quickstart run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The full import.
    pub full: RunOutcome,
    /// The changes made in Okta between the two runs.
    pub changes: Vec<ScriptedChange>,
    /// The delta sync after them.
    pub delta: RunOutcome,
    /// Where the target's contents were exported.
    pub exported: Vec<PathBuf>,
}

/// Runs the quickstart against a generated org of `users` people, writing its files under
/// `out_dir` (cleared first, so every run starts from nothing).
pub async fn run_local(root: &Path, out_dir: &Path, users: usize) -> Result<Outcome> {
    if out_dir.exists() {
        std::fs::remove_dir_all(out_dir)
            .with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    std::fs::create_dir_all(out_dir)?;

    let org = FakeOrg::generate(&OrgSpec {
        seed: 2026,
        users,
        ..OrgSpec::default()
    });
    let okta = FakeOkta::start(org, FakeOptions::default()).await?;
    println!(
        "1. Started a local Okta org at {} with {users} people.",
        okta.url()
    );

    let mut config = SyncConfig::from_path(root.join(CONFIG))?;
    config.okta.org_url = okta.url();
    config.okta.token = SecretRef::Provider("local-okta-token".into());
    let target_path = out_dir.join("target.sqlite");
    config.target = TargetConfig::Local {
        path: target_path.display().to_string(),
    };
    config.state.path = Some(out_dir.join("state.sqlite").display().to_string());

    let engine = SyncEngine::from_config(
        config,
        EngineOptions {
            secrets: Some(Arc::new(LocalToken(okta.token()))),
            ..EngineOptions::default()
        },
    )
    .await?;
    let check = engine.check_connections().await?;
    if !check.ok {
        return Err(anyhow!("connection check failed: {check:?}"));
    }

    println!("\n2. Full import through OktaSource over HTTP into the local target:\n");
    let full = engine.run(RunOptions::default()).await?;
    print_outcome(&full);

    okta.advance(std::time::Duration::from_secs(3600));
    let changes = change_org(&okta)?;
    println!("\n3. Changed the org the way admins do:");
    for change in &changes {
        println!("   - {} ({})", change.description, change.okta_id);
    }
    okta.advance(std::time::Duration::from_secs(60));

    println!("\n4. Delta sync:\n");
    let delta = engine
        .run(RunOptions {
            mode: SyncMode::Auto,
            ..RunOptions::default()
        })
        .await?;
    print_outcome(&delta);

    let target = LocalTarget::open(&target_path)?;
    let json_path = out_dir.join("target.json");
    let file = std::fs::File::create(&json_path)?;
    target.export_json(std::io::BufWriter::new(file))?;
    let mut exported = vec![json_path];
    exported.extend(target.export_csv(out_dir.join("csv"))?);
    println!("\n5. The target's contents were exported for you to look at:");
    for path in &exported {
        println!("   {}", path.display());
    }
    Ok(Outcome {
        full,
        changes,
        delta,
        exported,
    })
}

fn print_outcome(outcome: &RunOutcome) {
    println!("{}", outcome.plan.summary());
    println!("{}", outcome.report.summary());
}

/// Makes the scripted changes: edit a profile, move someone to another department,
/// deactivate one user, delete another, remove one user from the administrators group and
/// add another. Users are picked deterministically from the generated org so that each
/// change has exactly one visible effect.
fn change_org(okta: &FakeOktaHandle) -> Result<Vec<ScriptedChange>> {
    let admins = okta
        .group_id("Okta Administrators")
        .ok_or_else(|| anyhow!("the generated org has no Okta Administrators group"))?;
    let managers = okta
        .group_id("Asset Managers")
        .ok_or_else(|| anyhow!("the generated org has no Asset Managers group"))?;
    let picks = okta.with_org(|org| Picks::choose(org, &admins, &managers))?;
    let mut changes = Vec::new();
    let mut record = |description: String, okta_id: &str| {
        changes.push(ScriptedChange {
            description,
            okta_id: okta_id.to_string(),
        });
    };

    okta.update_profile(
        &picks.edited,
        serde_json::json!({ "title": "Principal Engineer" }),
    )?;
    record(
        "changed the title of an Engineering employee to Principal Engineer".into(),
        &picks.edited,
    );

    okta.update_profile(
        &picks.moved,
        serde_json::json!({ "department": "Marketing" }),
    )?;
    record("moved a Sales employee to Marketing".into(), &picks.moved);

    okta.deactivate(&picks.deactivated)?;
    record("deactivated an administrator".into(), &picks.deactivated);

    okta.deactivate(&picks.deleted)?;
    okta.delete_user(&picks.deleted)?;
    record(
        "deleted an asset manager (only the System Log shows it)".into(),
        &picks.deleted,
    );

    okta.remove_member(&admins, &picks.removed)?;
    record(
        "removed an administrator from the Okta Administrators group".into(),
        &picks.removed,
    );

    okta.add_member(&admins, &picks.added)?;
    record(
        "added an employee to the Okta Administrators group".into(),
        &picks.added,
    );
    Ok(changes)
}

/// The users the scripted changes apply to.
struct Picks {
    edited: String,
    moved: String,
    deactivated: String,
    deleted: String,
    removed: String,
    added: String,
}

impl Picks {
    fn choose(org: &FakeOrg, admins: &str, managers: &str) -> Result<Picks> {
        let active = org.users_with_status(UserStatus::Active);
        let department = |id: &str| {
            org.user(id)
                .and_then(|u| org.profile_value(u, "department"))
                .and_then(|d| d.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let in_login_group = |id: &str| org.is_member(admins, id) || org.is_member(managers, id);
        let mut taken: Vec<String> = Vec::new();
        let mut pick = |what: &str, ok: &dyn Fn(&str) -> bool| -> Result<String> {
            let id = active
                .iter()
                .find(|id| !taken.contains(id) && ok(id))
                .cloned()
                .ok_or_else(|| anyhow!("the generated org has no user for: {what}"))?;
            taken.push(id.clone());
            Ok(id)
        };
        Ok(Picks {
            edited: pick("an Engineering employee without login", &|id| {
                department(id) == "Engineering" && !in_login_group(id)
            })?,
            moved: pick("a Sales employee without login", &|id| {
                department(id) == "Sales" && !in_login_group(id)
            })?,
            deactivated: pick("an administrator", &|id| {
                org.is_member(admins, id) && !org.is_member(managers, id)
            })?,
            deleted: pick("an asset manager", &|id| {
                org.is_member(managers, id) && !org.is_member(admins, id)
            })?,
            removed: pick("another administrator", &|id| {
                org.is_member(admins, id) && !org.is_member(managers, id)
            })?,
            added: pick("an employee outside the login groups", &|id| {
                !in_login_group(id)
            })?,
        })
    }
}
