//! Which org and which state a run belongs to: the engine plans only against the org its
//! state describes, and applies a plan only to the state revision it was built on.

use crate::error::ConfigProblem;
use crate::plan::PlanBasis;
use crate::state::SyncState;
use crate::{Error, Result};

/// The identity of an org as the state records it: the origin of its URL (scheme, host
/// and port, lower case), so that a trailing slash or a path does not make a new org.
pub(super) fn org_of(org_url: &str) -> String {
    match url::Url::parse(org_url.trim()) {
        Ok(url) => url.origin().ascii_serialization(),
        // Validation rejects such URLs before an engine exists; compare them as written.
        Err(_) => org_url.trim().trim_end_matches('/').to_ascii_lowercase(),
    }
}

/// Refuses a state recorded for another org. Its links, watermark and deletion evidence
/// describe that org's people: read against this one, every remembered user would be
/// missing or answer 404, which is evidence of deletion.
pub(super) fn check_state_org(state: &SyncState, org: &str) -> Result<()> {
    match &state.org {
        Some(recorded) if recorded != org => Err(Error::Config {
            problems: vec![ConfigProblem {
                path: "okta.org_url".into(),
                message: format!(
                    "the sync state belongs to the Okta org {recorded}, not {org}; planning \
                     against it would treat everyone it remembers as deleted. Give this org \
                     its own state store (state.path), or point okta.org_url back at {recorded}"
                ),
            }],
        }),
        _ => Ok(()),
    }
}

/// Refuses a plan built on another org, another state store, or an older (or newer)
/// state than the store holds now. `store_now` is the store's id and `commits_now` its
/// commit count, each `None` when the store has none. The commit count is compared again,
/// atomically, when the apply claims it (see `SyncEngine::apply`).
pub(super) fn check_plan(
    basis: Option<&PlanBasis>,
    org: &str,
    store_now: Option<&str>,
    commits_now: Option<u64>,
) -> Result<()> {
    let Some(PlanBasis {
        org: planned,
        state_id,
        state_commits,
    }) = basis
    else {
        return Ok(());
    };
    if planned != org {
        return Err(Error::Config {
            problems: vec![ConfigProblem {
                path: "okta.org_url".into(),
                message: format!(
                    "this plan was built from the Okta org {planned}, and this configuration \
                     reads {org}; build a new plan"
                ),
            }],
        });
    }
    if let (Some(then), Some(now)) = (state_id, store_now) {
        if then != now {
            return Err(Error::Decode {
                what: "plan".into(),
                path: "basis.state_id".into(),
                message: "this plan was built on another sync state store (another \
                          configuration's, or a store since deleted and made again); its \
                          target ids and links belong there. Build a new plan with this \
                          configuration"
                    .into(),
            });
        }
    }
    match (state_commits, commits_now) {
        (Some(then), Some(now)) if *then != now => Err(stale(*then, now)),
        _ => Ok(()),
    }
}

/// The error for an apply that finds another apply's claim: that one is writing now, or
/// stopped between its claim and its commit.
pub(super) fn busy(holder: &str) -> Error {
    Error::State {
        operation: "claiming the sync state for this apply".into(),
        message: format!(
            "another apply (plan {holder}) claimed it and has not committed: another okta-sync \
             is writing now, or it stopped before committing. Nothing was written. Run again \
             once it has finished; if no okta-sync is running, see \
             docs/deprovisioning.md, \"An apply that did not finish\""
        ),
    }
}

/// The error for a plan whose state moved on: built on commit `then`, store at `now`.
pub(super) fn stale(then: u64, now: u64) -> Error {
    Error::Decode {
        what: "plan".into(),
        path: "basis.state_commits".into(),
        message: format!(
            "this plan was built on sync state commit {then}, and the state is at commit \
             {now}: another run was applied since (or this plan already was, or is being \
             applied now), so it would act on what Okta showed before. Build a new plan"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_org_is_its_urls_origin() {
        assert_eq!(org_of("https://Acme.okta.com/"), "https://acme.okta.com");
        assert_eq!(org_of("https://acme.okta.com"), "https://acme.okta.com");
        assert_eq!(org_of("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
        assert_ne!(
            org_of("https://acme.okta.com"),
            org_of("https://other.okta.com")
        );
    }

    #[test]
    fn a_state_of_another_org_is_refused_and_an_unrecorded_one_is_not() {
        let mut state = SyncState::default();
        assert!(check_state_org(&state, "https://a.okta.com").is_ok());
        state.org = Some("https://a.okta.com".into());
        assert!(check_state_org(&state, "https://a.okta.com").is_ok());
        let err = check_state_org(&state, "https://b.okta.com").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("https://a.okta.com") && text.contains("https://b.okta.com"));
        assert_eq!(err.code(), "CONFIG_INVALID");
    }

    fn on(org: &str, commits: Option<u64>) -> PlanBasis {
        PlanBasis {
            org: org.into(),
            state_id: Some("store-a".into()),
            state_commits: commits,
        }
    }

    #[test]
    fn a_plan_applies_only_to_its_org_and_state_commit() {
        let org = "https://a.okta.com";
        let a = Some("store-a");
        assert!(check_plan(Some(&on(org, Some(3))), org, a, Some(3)).is_ok());
        // Plans built offline carry no basis; stores that do not count check the org only.
        assert!(check_plan(None, org, a, Some(3)).is_ok());
        assert!(check_plan(Some(&on(org, None)), org, a, Some(3)).is_ok());
        assert!(check_plan(Some(&on(org, Some(3))), org, a, None).is_ok());

        // Another store at the same commit count (two configurations' first imports).
        let other_store = check_plan(Some(&on(org, Some(3))), org, Some("store-b"), Some(3));
        assert!(
            matches!(other_store, Err(Error::Decode { ref path, .. }) if path == "basis.state_id")
        );

        let stale = check_plan(Some(&on(org, Some(3))), org, a, Some(4)).unwrap_err();
        assert!(stale.to_string().contains("commit 3"), "{stale}");
        assert!(stale.to_string().contains("commit 4"), "{stale}");
        let other = check_plan(Some(&on(org, Some(3))), "https://b.okta.com", a, Some(3));
        assert_eq!(other.unwrap_err().code(), "CONFIG_INVALID");
    }
}
