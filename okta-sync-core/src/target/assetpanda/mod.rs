//! Asset Panda Pro over HTTP (`https://api.assetpanda.app`).
//!
//! What the public API allows decides the capabilities: records of a collection can be
//! searched, created and updated (at most five per request), and login users can be
//! invited with a role; nothing documents listing login users, changing their role or
//! deactivating them, so those writes are refused and the planner reports them as manual
//! actions. Names from the configuration are resolved to ids once and cached. See
//! `docs/assetpanda.md` for what is certain and what is a guess.

mod check;
mod client;
mod discovery;
mod envelope;
mod records;
mod throttle;
mod users;
mod write;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use tokio::sync::{Mutex, OnceCell};

use self::client::Client;
use self::discovery::{Columns, Named, Tenant};
use self::records::Scope;
use super::matching::{holds_any, identifier_kind};
use super::{AssetTarget, Capabilities, TargetCheck, TargetHoldings, TargetWrite, WriteOutcome};
use crate::config::{AssetPandaConfig, Mapping, SecretProvider, SyncConfig};
use crate::error::ConfigProblem;
use crate::{Error, Result};

/// The target's name in errors and reports.
pub const NAME: &str = "assetpanda";

/// Most records per write request (documented for updates and deletes; used for creates
/// and invites too).
pub const BATCH_LIMIT: usize = 5;

/// Tuning that is not part of the configuration file; the defaults suit production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPandaOptions {
    /// Records asked for per search page. Default 100.
    pub page_size: usize,
    /// Identifier values per lookup search. Default 10.
    pub lookup_values_per_search: usize,
    /// Retries of a failed request (429, 5xx, network). Default 4.
    pub max_retries: usize,
    /// First backoff delay. Default 1 s.
    pub retry_min_delay: Duration,
    /// Longest backoff delay. Default 60 s.
    pub retry_max_delay: Duration,
    /// Per-request timeout. Default 30 s.
    pub request_timeout: Duration,
}

impl Default for AssetPandaOptions {
    fn default() -> Self {
        AssetPandaOptions {
            page_size: 100,
            lookup_values_per_search: 10,
            max_retries: 4,
            retry_min_delay: Duration::from_secs(1),
            retry_max_delay: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// The Asset Panda Pro target.
pub struct AssetPandaTarget {
    config: AssetPandaConfig,
    options: AssetPandaOptions,
    client: Client,
    tenant: OnceCell<Tenant>,
    columns: Mutex<HashMap<String, Arc<Columns>>>,
    roles: OnceCell<Vec<String>>,
}

impl fmt::Debug for AssetPandaTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssetPandaTarget")
            .field("base_url", &self.config.base_url)
            .field("account", &self.config.account)
            .field("module", &self.config.module)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

fn validate(
    config: &AssetPandaConfig,
    key_id: &SecretString,
    key_secret: &SecretString,
) -> Result<()> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| {
        problems.push(ConfigProblem {
            path: format!("target.{path}"),
            message,
        });
    };
    match url::Url::parse(&config.base_url) {
        Err(e) => problem("base_url", format!("not a URL: {e}")),
        Ok(url) => {
            let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
                problem(
                    "base_url",
                    "must be an https URL (http is accepted only for localhost)".into(),
                );
            }
            if url.query().is_some() || url.fragment().is_some() {
                problem("base_url", "must not have a query or fragment".into());
            }
        }
    }
    if config.account.trim().is_empty() {
        problem(
            "account",
            "is empty; give the account's display name".into(),
        );
    }
    if config.module.trim().is_empty() {
        problem("module", "is empty; give the module's display name".into());
    }
    if config.requests_per_window == 0 {
        problem("requests_per_window", "must be at least 1".into());
    }
    if config.window_seconds == 0 {
        problem("window_seconds", "must be at least 1".into());
    }
    if !Client::keys_are_sendable(key_id, key_secret) {
        problem(
            "access_key_id",
            "the key id or secret contains characters that cannot be sent in an HTTP header \
             (a line break copied with it?)"
                .into(),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.sort();
        Err(Error::Config { problems })
    }
}

impl AssetPandaTarget {
    /// Resolves the key references and builds the target. Makes no request: names are
    /// resolved on first use (or by [`AssetTarget::check_connection`]).
    pub fn connect(
        config: &AssetPandaConfig,
        secrets: Option<&dyn SecretProvider>,
    ) -> Result<Self> {
        let key_id = config.access_key_id.resolve(secrets)?;
        let key_secret = config.access_key_secret.resolve(secrets)?;
        Self::with_options(config, key_id, key_secret, AssetPandaOptions::default())
    }

    /// Builds the target from keys already in hand.
    pub fn new(
        config: &AssetPandaConfig,
        key_id: SecretString,
        key_secret: SecretString,
    ) -> Result<Self> {
        Self::with_options(config, key_id, key_secret, AssetPandaOptions::default())
    }

    /// Builds the target with non-default tuning.
    pub fn with_options(
        config: &AssetPandaConfig,
        key_id: SecretString,
        key_secret: SecretString,
        options: AssetPandaOptions,
    ) -> Result<Self> {
        validate(config, &key_id, &key_secret)?;
        let throttle = throttle::Throttle::new(
            config.requests_per_window,
            Duration::from_secs(u64::from(config.window_seconds)),
        );
        let options = AssetPandaOptions {
            page_size: options.page_size.max(1),
            lookup_values_per_search: options.lookup_values_per_search.max(1),
            ..options
        };
        let client = Client::new(&config.base_url, key_id, key_secret, throttle, &options)?;
        Ok(AssetPandaTarget {
            config: config.clone(),
            options,
            client,
            tenant: OnceCell::new(),
            columns: Mutex::new(HashMap::new()),
            roles: OnceCell::new(),
        })
    }

    /// Resolves the account and module and lists the collections (once; later calls
    /// return the cached result).
    async fn tenant(&self) -> Result<&Tenant> {
        self.tenant
            .get_or_try_init(|| discovery::tenant(&self.client, &self.config))
            .await
    }

    /// The module's role names, as `GET /users/templates` lists them (cached).
    pub async fn roles(&self) -> Result<Vec<String>> {
        Ok(self.role_list().await?.clone())
    }

    async fn role_list(&self) -> Result<&Vec<String>> {
        let tenant = self.tenant().await?;
        self.roles
            .get_or_try_init(|| discovery::roles(&self.client, tenant))
            .await
    }

    async fn columns_of(&self, tenant: &Tenant, collection: &Named) -> Result<Arc<Columns>> {
        let mut cache = self.columns.lock().await;
        if let Some(columns) = cache.get(&collection.id) {
            return Ok(columns.clone());
        }
        let columns = Arc::new(discovery::columns(&self.client, tenant, collection).await?);
        cache.insert(collection.id.clone(), columns.clone());
        Ok(columns)
    }

    /// The collection called `name` with its columns.
    async fn collection(&self, name: &str) -> Result<(&Tenant, Named, Arc<Columns>)> {
        let tenant = self.tenant().await?;
        let collection = tenant
            .collection(name)
            .map_err(discovery::not_found)?
            .clone();
        let columns = self.columns_of(tenant, &collection).await?;
        Ok((tenant, collection, columns))
    }

    async fn records(
        &self,
        name: &str,
        field_filter: Option<(&str, &[String])>,
    ) -> Result<Vec<super::TargetRecord>> {
        let (tenant, collection, columns) = self.collection(name).await?;
        let scope = Scope {
            tenant,
            collection: &collection,
            columns: &columns,
        };
        let Some((field, values)) = field_filter else {
            return records::search(&self.client, scope, None, self.options.page_size).await;
        };
        let column = columns.id(field).map_err(discovery::not_found)?;
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        for chunk in values.chunks(self.options.lookup_values_per_search) {
            let selection = records::any_contains(column, chunk);
            for record in
                records::search(&self.client, scope, Some(selection), self.options.page_size)
                    .await?
            {
                if seen.insert(record.id.clone()) {
                    found.push(record);
                }
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl AssetTarget for AssetPandaTarget {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            list_records: true,
            list_logins: false,
            create_login: true,
            change_role: false,
            update_login: false,
            deactivate_login: false,
            reactivate_login: false,
            ungrantable_roles: users::UNGRANTABLE_ROLES.map(String::from).to_vec(),
            batch_limit: BATCH_LIMIT,
        }
    }

    async fn check_connection(&self, config: &SyncConfig) -> Result<TargetCheck> {
        check::run(self, config).await
    }

    async fn holdings(&self, mapping: &Mapping) -> Result<TargetHoldings> {
        match mapping {
            Mapping::Login(_) => Ok(TargetHoldings::default()),
            Mapping::Record(record) => Ok(TargetHoldings {
                records: self.records(&record.collection, None).await?,
                logins: Vec::new(),
                listed: true,
            }),
        }
    }

    async fn lookup(
        &self,
        mapping: &Mapping,
        field: &str,
        values: &[String],
    ) -> Result<TargetHoldings> {
        let Mapping::Record(record) = mapping else {
            return Ok(TargetHoldings::default());
        };
        let wanted: Vec<String> = values
            .iter()
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if wanted.is_empty() {
            return Ok(TargetHoldings {
                listed: true,
                ..TargetHoldings::default()
            });
        }
        let kind = identifier_kind(mapping, field);
        let mut records = self
            .records(&record.collection, Some((field, &wanted)))
            .await?;
        records.retain(|r| holds_any(kind, r.fields.get(field), &wanted));
        Ok(TargetHoldings {
            records,
            logins: Vec::new(),
            listed: true,
        })
    }

    async fn write(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>> {
        self.write_batch(batch).await
    }
}
