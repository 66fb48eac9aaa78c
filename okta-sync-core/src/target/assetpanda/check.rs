//! "Test and save connection": credentials, names and roles, reported as findings an admin
//! can act on rather than as the first error met.

use super::users;
use super::{AssetPandaTarget, discovery};
use crate::config::{Mapping, SyncConfig};
use crate::target::TargetCheck;
use crate::{Error, Result};

/// An error the admin fixes in the configuration or in Asset Panda (refused key, unknown
/// name), as opposed to an outage.
fn finding(err: &Error) -> Option<String> {
    match err {
        Error::Target {
            status: None | Some(400..=404),
            message,
            ..
        } => Some(message.clone()),
        _ => None,
    }
}

pub(super) async fn run(target: &AssetPandaTarget, config: &SyncConfig) -> Result<TargetCheck> {
    let tenant = match target.tenant().await {
        Ok(tenant) => tenant,
        Err(e) => match finding(&e) {
            Some(message) => {
                return Ok(TargetCheck {
                    ok: false,
                    messages: vec![message],
                });
            }
            None => return Err(e),
        },
    };
    let mut messages = vec![format!(
        "connected to account {:?}, module {:?} ({} collection(s))",
        target.config.account,
        tenant.module_name,
        tenant.collections.len()
    )];
    let mut ok = true;
    let mut problem = |messages: &mut Vec<String>, text: String| {
        ok = false;
        messages.push(text);
    };
    for mapping in &config.mappings {
        match mapping {
            Mapping::Record(record) => {
                let collection = match tenant.collection(&record.collection) {
                    Ok(c) => c,
                    Err(why) => {
                        problem(&mut messages, format!("mapping {:?}: {why}", record.name));
                        continue;
                    }
                };
                let columns = target.columns_of(tenant, collection).await?;
                let mut named: Vec<&str> =
                    record.fields.iter().map(|f| f.target.as_str()).collect();
                named.push(&record.okta_id_field);
                if let Some(marker) = &record.inactive {
                    named.push(&marker.field);
                }
                named.extend(record.target_owned_fields.iter().map(String::as_str));
                let mut checked = std::collections::BTreeSet::new();
                for name in named.into_iter().filter(|n| checked.insert(*n)) {
                    if let Err(why) = columns.id(name) {
                        problem(&mut messages, format!("mapping {:?}: {why}", record.name));
                    }
                }
            }
            Mapping::Login(login) => {
                let roles = target.role_list().await?;
                for group_role in &login.groups {
                    let role = group_role.role.trim();
                    if users::is_ungrantable(role) {
                        problem(
                            &mut messages,
                            format!(
                                "mapping {:?}: role {role:?} (group {:?}) cannot be granted through \
                                 Asset Panda's API; map the group to another role and grant this \
                                 one by hand",
                                login.name, group_role.group
                            ),
                        );
                    } else if !roles.iter().any(|r| r == role) {
                        problem(
                            &mut messages,
                            format!(
                                "mapping {:?}: role {role:?} (group {:?}) does not exist in module \
                                 {:?}; roles: {}",
                                login.name,
                                group_role.group,
                                tenant.module_name,
                                discovery::listing(roles.iter().map(String::as_str))
                            ),
                        );
                    }
                }
                messages.push(format!(
                    "mapping {:?}: Asset Panda Pro's API invites login users (email and role only) \
                     but cannot list them, change their role or deactivate them; those changes \
                     will be listed as manual actions",
                    login.name
                ));
            }
        }
    }
    Ok(TargetCheck { ok, messages })
}
