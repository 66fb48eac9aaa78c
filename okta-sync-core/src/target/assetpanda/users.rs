//! Login users. Asset Panda Pro's public API documents one user operation: inviting up to
//! five users per call, each with a role given by name. Listing users, changing a role,
//! deactivating or reactivating a login are not in the public API, so they are refused
//! here and become manual actions in the plan.

use reqwest::Method;
use serde_json::json;

use super::client::{Call, Client, Replay};
use super::discovery::Tenant;
use super::envelope::{Reported, reported};
use crate::Result;
use crate::target::WriteOutcome;

/// Roles the API cannot grant, per the "Invite users" documentation.
pub(super) const UNGRANTABLE_ROLES: [&str; 2] = ["Organization Admin", "Account Admin"];

/// Whether `role` is one the API cannot grant (compared without case or outer spaces).
pub(super) fn is_ungrantable(role: &str) -> bool {
    UNGRANTABLE_ROLES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(role.trim()))
}

/// Why a write of this kind cannot be done through the public API.
pub(super) fn unsupported(kind: &str) -> String {
    let what = match kind {
        "change_role" => "change a login user's role",
        "deactivate_login" => "deactivate a login user",
        "reactivate_login" => "reactivate a login user",
        "update_login" => "update a login user's details",
        other => other,
    };
    format!(
        "Asset Panda Pro's public API has no operation to {what}; do it by hand in Asset \
         Panda (Settings > Users)"
    )
}

/// Invites users (at most five) with their roles in one request. Invites are sent with
/// `email` and `role` only: no other per-user field is documented. Without an id in the
/// response, the login is identified by its email, which is Asset Panda's login name.
pub(super) async fn invite(
    client: &Client,
    tenant: &Tenant,
    invites: &[(String, String)],
) -> Result<Vec<WriteOutcome>> {
    let users: Vec<_> = invites
        .iter()
        .map(|(email, role)| json!({"email": email, "role": role}))
        .collect();
    let body = json!({"tenant": tenant.body(), "users": users});
    let response = client
        .send(Call::with_body(
            "invite users",
            Method::POST,
            "/users",
            body,
            Replay::OnlyIfUnprocessed,
        ))
        .await?;
    Ok(invites
        .iter()
        .zip(reported(&response, invites.len()))
        .map(|((email, _), report)| match report {
            Reported::Done(id) => WriteOutcome::Done {
                id: id.unwrap_or_else(|| email.clone()),
            },
            Reported::Failed(reason) => WriteOutcome::Failed {
                reason,
                retryable: false,
            },
            // Inviting someone again is harmless: the API adds an existing user to the
            // module without a second email.
            Reported::Unreported => WriteOutcome::Failed {
                reason: "Asset Panda's response did not report on this invite".into(),
                retryable: true,
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_roles_are_ungrantable_in_any_case() {
        assert!(is_ungrantable("Organization Admin"));
        assert!(is_ungrantable(" account admin "));
        assert!(!is_ungrantable("Module Admin"));
        assert!(!is_ungrantable("Collaborator"));
    }
}
