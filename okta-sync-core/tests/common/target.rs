//! An in-memory `AssetTarget` with configurable capabilities and injectable faults.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use okta_sync_core::config::{Mapping, SyncConfig};
use okta_sync_core::identity::normalize_email;
use okta_sync_core::target::{
    AssetTarget, Capabilities, Fields, TargetCheck, TargetHoldings, TargetLogin, TargetRecord,
    TargetWrite, WriteOutcome,
};
use okta_sync_core::{Error, Result};
use serde_json::Value;

/// A fault to inject into writes whose key (email, record id or login id) matches.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Fails this many times, then succeeds (`u32::MAX`: always).
    pub times: u32,
    /// Whether the failure says a retry may help.
    pub retryable: bool,
}

#[derive(Debug, Default)]
struct Inner {
    /// Collection → record id → fields.
    records: BTreeMap<String, BTreeMap<String, Fields>>,
    logins: BTreeMap<String, TargetLogin>,
    next_id: u64,
    /// Every write received, in order.
    log: Vec<TargetWrite>,
    /// Size of every batch received.
    batches: Vec<usize>,
    faults: BTreeMap<String, Fault>,
    /// Batches to fail as a whole with a transport error.
    failing_batches: u32,
    /// After this many more successful writes, the rest of the batch and every later
    /// batch fail with a transport error (a crash or a lost connection).
    crash_after: Option<usize>,
    /// Do the write but report a transport error (the response was lost).
    lose_responses: bool,
}

/// The in-memory target.
#[derive(Debug)]
pub struct MemoryTarget {
    inner: Mutex<Inner>,
    caps: Capabilities,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Time each batch takes, so concurrency can be observed.
    pub latency: Duration,
}

fn key_of(write: &TargetWrite) -> String {
    match write {
        TargetWrite::CreateRecord { fields, .. } => fields
            .get("Email")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        TargetWrite::CreateLogin { email, .. } => email.clone(),
        TargetWrite::UpdateRecord { record_id, .. } => record_id.clone(),
        TargetWrite::ChangeRole { login_id, .. }
        | TargetWrite::UpdateLogin { login_id, .. }
        | TargetWrite::DeactivateLogin { login_id }
        | TargetWrite::ReactivateLogin { login_id } => login_id.clone(),
    }
}

fn merge(into: &mut Fields, fields: &Fields) {
    for (k, v) in fields {
        if v.is_null() {
            into.remove(k);
        } else {
            into.insert(k.clone(), v.clone());
        }
    }
}

impl MemoryTarget {
    pub fn new(caps: Capabilities) -> Self {
        MemoryTarget {
            inner: Mutex::new(Inner::default()),
            caps,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            latency: Duration::ZERO,
        }
    }

    /// A target that can do everything, 5 writes per batch (like Asset Panda Pro).
    pub fn full() -> Self {
        Self::new(Capabilities::all(5))
    }

    /// Asset Panda Pro's user API: invite only.
    pub fn invite_only() -> Self {
        Self::new(Capabilities {
            list_records: true,
            list_logins: false,
            create_login: true,
            change_role: false,
            update_login: false,
            deactivate_login: false,
            reactivate_login: false,
            ungrantable_roles: vec!["Organization Admin".into(), "Account Admin".into()],
            batch_limit: 5,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    fn next_id(inner: &mut Inner, prefix: &str) -> String {
        inner.next_id += 1;
        format!("{prefix}-{:04}", inner.next_id)
    }

    /// Adds a record made by hand (CSV import, another integration); returns its id.
    pub fn seed_record(&self, collection: &str, fields: Fields) -> String {
        let mut inner = self.lock();
        let id = Self::next_id(&mut inner, "rec");
        inner
            .records
            .entry(collection.to_string())
            .or_default()
            .insert(id.clone(), fields);
        id
    }

    /// Adds a login made by hand; returns its id.
    pub fn seed_login(&self, email: &str, role: &str, active: bool, fields: Fields) -> String {
        let mut inner = self.lock();
        let id = Self::next_id(&mut inner, "login");
        inner.logins.insert(
            id.clone(),
            TargetLogin {
                id: id.clone(),
                email: email.to_string(),
                role: Some(role.to_string()),
                active,
                fields,
            },
        );
        id
    }

    pub fn fail(&self, key: &str, fault: Fault) {
        self.lock().faults.insert(key.to_string(), fault);
    }

    pub fn fail_batches(&self, n: u32) {
        self.lock().failing_batches = n;
    }

    pub fn crash_after(&self, writes: usize) {
        self.lock().crash_after = Some(writes);
    }

    pub fn recover(&self) {
        let mut inner = self.lock();
        inner.crash_after = None;
        inner.lose_responses = false;
    }

    pub fn lose_responses(&self) {
        self.lock().lose_responses = true;
    }

    /// An admin edits a record by hand: `field` of every record whose `Okta ID` is `okta_id`.
    pub fn tamper_record(
        &self,
        collection: &str,
        okta_id: &str,
        field: &str,
        value: Value,
    ) -> bool {
        let mut inner = self.lock();
        let mut touched = false;
        for fields in inner
            .records
            .entry(collection.to_string())
            .or_default()
            .values_mut()
        {
            if fields.get("Okta ID").and_then(Value::as_str) == Some(okta_id) {
                fields.insert(field.to_string(), value.clone());
                touched = true;
            }
        }
        touched
    }

    /// An admin edits a login by hand.
    pub fn tamper_login(&self, email: &str, field: &str, value: Value) -> bool {
        let mut inner = self.lock();
        let mut touched = false;
        for login in inner.logins.values_mut() {
            if login.email == email {
                login.fields.insert(field.to_string(), value.clone());
                touched = true;
            }
        }
        touched
    }

    pub fn records(&self, collection: &str) -> BTreeMap<String, Fields> {
        self.lock()
            .records
            .get(collection)
            .cloned()
            .unwrap_or_default()
    }

    pub fn logins(&self) -> BTreeMap<String, TargetLogin> {
        self.lock().logins.clone()
    }

    pub fn log(&self) -> Vec<TargetWrite> {
        self.lock().log.clone()
    }

    pub fn batches(&self) -> Vec<usize> {
        self.lock().batches.clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    fn collection_of(mapping: &Mapping) -> Option<&str> {
        match mapping {
            Mapping::Record(m) => Some(&m.collection),
            Mapping::Login(_) => None,
        }
    }

    fn holdings_where(
        &self,
        mapping: &Mapping,
        keep: impl Fn(&Fields, Option<&str>) -> bool,
    ) -> TargetHoldings {
        let inner = self.lock();
        match Self::collection_of(mapping) {
            Some(collection) => TargetHoldings {
                records: inner
                    .records
                    .get(collection)
                    .into_iter()
                    .flatten()
                    .filter(|(_, f)| keep(f, None))
                    .map(|(id, fields)| TargetRecord {
                        id: id.clone(),
                        fields: fields.clone(),
                    })
                    .collect(),
                logins: Vec::new(),
                listed: self.caps.list_records,
            },
            None if self.caps.list_logins => TargetHoldings {
                records: Vec::new(),
                logins: inner
                    .logins
                    .values()
                    .filter(|l| keep(&l.fields, Some(&l.email)))
                    .cloned()
                    .collect(),
                listed: true,
            },
            None => TargetHoldings::default(),
        }
    }

    fn apply_one(&self, inner: &mut Inner, write: &TargetWrite) -> WriteOutcome {
        let failed = |reason: &str| WriteOutcome::Failed {
            reason: reason.to_string(),
            retryable: false,
        };
        match write {
            TargetWrite::CreateRecord { collection, fields } => {
                let id = Self::next_id(inner, "rec");
                inner
                    .records
                    .entry(collection.clone())
                    .or_default()
                    .insert(id.clone(), fields.clone());
                WriteOutcome::Done { id }
            }
            TargetWrite::UpdateRecord {
                collection,
                record_id,
                fields,
            } => match inner
                .records
                .get_mut(collection)
                .and_then(|c| c.get_mut(record_id))
            {
                Some(record) => {
                    merge(record, fields);
                    WriteOutcome::Done {
                        id: record_id.clone(),
                    }
                }
                None => failed("no such record"),
            },
            TargetWrite::CreateLogin {
                email,
                role,
                fields,
            } => {
                if !self.caps.create_login {
                    return failed("cannot create logins");
                }
                let taken = inner
                    .logins
                    .values()
                    .any(|l| normalize_email(&l.email) == normalize_email(email));
                if taken {
                    return failed("a login with this email exists");
                }
                let id = Self::next_id(inner, "login");
                inner.logins.insert(
                    id.clone(),
                    TargetLogin {
                        id: id.clone(),
                        email: email.clone(),
                        role: Some(role.clone()),
                        active: true,
                        fields: fields.clone(),
                    },
                );
                WriteOutcome::Done { id }
            }
            TargetWrite::ChangeRole { login_id, role } if self.caps.change_role => {
                match inner.logins.get_mut(login_id) {
                    Some(l) => {
                        l.role = Some(role.clone());
                        WriteOutcome::Done {
                            id: login_id.clone(),
                        }
                    }
                    None => failed("no such login"),
                }
            }
            TargetWrite::UpdateLogin { login_id, fields } if self.caps.update_login => {
                match inner.logins.get_mut(login_id) {
                    Some(l) => {
                        merge(&mut l.fields, fields);
                        WriteOutcome::Done {
                            id: login_id.clone(),
                        }
                    }
                    None => failed("no such login"),
                }
            }
            TargetWrite::DeactivateLogin { login_id } if self.caps.deactivate_login => {
                match inner.logins.get_mut(login_id) {
                    Some(l) => {
                        l.active = false;
                        WriteOutcome::Done {
                            id: login_id.clone(),
                        }
                    }
                    None => failed("no such login"),
                }
            }
            TargetWrite::ReactivateLogin { login_id } if self.caps.reactivate_login => {
                match inner.logins.get_mut(login_id) {
                    Some(l) => {
                        l.active = true;
                        WriteOutcome::Done {
                            id: login_id.clone(),
                        }
                    }
                    None => failed("no such login"),
                }
            }
            _ => failed("not supported by this target"),
        }
    }
}

#[async_trait]
impl AssetTarget for MemoryTarget {
    fn name(&self) -> &str {
        "memory"
    }

    fn capabilities(&self) -> Capabilities {
        self.caps.clone()
    }

    async fn check_connection(&self, _config: &SyncConfig) -> Result<TargetCheck> {
        Ok(TargetCheck {
            ok: true,
            messages: Vec::new(),
        })
    }

    async fn holdings(&self, mapping: &Mapping) -> Result<TargetHoldings> {
        Ok(self.holdings_where(mapping, |_, _| true))
    }

    async fn lookup(
        &self,
        mapping: &Mapping,
        field: &str,
        values: &[String],
    ) -> Result<TargetHoldings> {
        let wanted = |v: &str| values.iter().any(|w| w == v || *w == normalize_email(v));
        let mut holdings = self.holdings_where(mapping, |fields, email| {
            fields
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(wanted)
                || email.is_some_and(wanted)
        });
        holdings.listed = false;
        Ok(holdings)
    }

    async fn write(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>> {
        assert!(
            batch.len() <= self.caps.batch_limit,
            "batch of {} exceeds the limit {}",
            batch.len(),
            self.caps.batch_limit
        );
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let result = self.write_now(batch);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

impl MemoryTarget {
    fn write_now(&self, batch: &[TargetWrite]) -> Result<Vec<WriteOutcome>> {
        let transport = || Error::Transport {
            endpoint: "POST /memory".into(),
            attempts: 1,
            message: "connection reset".into(),
        };
        let mut inner = self.lock();
        inner.batches.push(batch.len());
        if inner.failing_batches > 0 {
            inner.failing_batches -= 1;
            return Err(transport());
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        for write in batch {
            if let Some(left) = inner.crash_after {
                if left == 0 {
                    return Err(transport());
                }
                inner.crash_after = Some(left - 1);
            }
            let key = key_of(write);
            if let Some(fault) = inner.faults.get_mut(&key) {
                if fault.times > 0 {
                    if fault.times != u32::MAX {
                        fault.times -= 1;
                    }
                    outcomes.push(WriteOutcome::Failed {
                        reason: format!("injected failure for {key}"),
                        retryable: fault.retryable,
                    });
                    continue;
                }
            }
            inner.log.push(write.clone());
            let outcome = self.apply_one(&mut inner, write);
            outcomes.push(outcome);
        }
        if inner.lose_responses {
            return Err(transport());
        }
        Ok(outcomes)
    }
}
