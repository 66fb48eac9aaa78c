//! A small stateful stand-in for Asset Panda Pro, served by mockito.
//!
//! Its responses use the shapes of the fixtures in `tests/fixtures/assetpanda/pro/` (see
//! SOURCES.md there for which are observed and which are guesses). It checks what a real
//! server would reject (keys, tenant, batch sizes, unknown columns and records), keeps
//! records and invited users in memory, logs every request for exact assertions, and
//! can be told to fail the next matching request.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mockito::{Matcher, Mock, Request, ServerGuard};
use okta_sync_core::config::{AssetPandaConfig, SecretRef};
use okta_sync_core::target::assetpanda::{AssetPandaOptions, AssetPandaTarget};
use secrecy::SecretString;
use serde_json::{Map, Value, json};

pub const KEY_ID: &str = "test-key-id-1234";
pub const KEY_SECRET: &str = "test-secret-SHOULD-NEVER-LEAK-9876";
pub const ACCOUNT: &str = "acc_0000000001";
pub const MODULE: &str = "mod_0000000001";
pub const PEOPLE: &str = "col_0000000001";
pub const OKTA_ID_COLUMN: &str = "01ABC_0_oktaid_text";
pub const STATUS_COLUMN: &str = "01ABC_0_status_text";

/// Reads a fixture file.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/assetpanda/pro/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub key_id: Option<String>,
    pub key_secret: Option<String>,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<Value>,
}

/// A scripted answer for the next request with this method and path.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: &'static str,
    pub path: &'static str,
    pub status: u16,
    pub body: String,
}

#[derive(Debug)]
pub struct State {
    pub collections: Value,
    pub columns: HashMap<String, Value>,
    pub roles: Value,
    pub records: HashMap<String, Vec<Map<String, Value>>>,
    pub users: Vec<Value>,
    pub next_record: u64,
    /// Whether create answers carry the new record's id (the observed shape does not).
    pub create_returns_ids: bool,
    pub faults: VecDeque<Fault>,
    pub log: Vec<Recorded>,
    pending: Vec<u8>,
}

pub struct FakeAssetPanda {
    pub server: ServerGuard,
    state: Arc<Mutex<State>>,
    _mocks: Vec<Mock>,
}

type Reply = (u16, Value);

fn reply_error(status: u16, message: &str) -> Reply {
    (status, json!({"message": message}))
}

impl FakeAssetPanda {
    pub async fn start() -> Self {
        let mut columns = fixture("collection-columns.response.json");
        let all = columns["data"]["columns"]["all"].as_array_mut().unwrap();
        all.push(json!({"id": OKTA_ID_COLUMN, "displayName": "Okta ID", "deleted": false}));
        all.push(json!({"id": STATUS_COLUMN, "displayName": "Status", "deleted": false}));
        let state = Arc::new(Mutex::new(State {
            collections: fixture("collections.response.json"),
            columns: HashMap::from([
                (PEOPLE.to_string(), columns),
                (
                    "col_0000000002".to_string(),
                    json!({"data": {"columns": {"all": [
                        {"id": "02_tag", "displayName": "Asset Tag", "deleted": false}]}}}),
                ),
            ]),
            roles: fixture("users-templates.response.json"),
            records: HashMap::new(),
            users: Vec::new(),
            next_record: 1,
            create_returns_ids: false,
            faults: VecDeque::new(),
            log: Vec::new(),
            pending: Vec::new(),
        }));
        let mut server = mockito::Server::new_async().await;
        let mut mocks = Vec::new();
        for method in ["GET", "POST", "PUT", "DELETE"] {
            let for_status = state.clone();
            let for_body = state.clone();
            let mock = server
                .mock(method, Matcher::Any)
                .with_status_code_from_request(move |req| {
                    let mut st = for_status.lock().unwrap();
                    let (status, body) = st.dispatch(req);
                    st.pending = body;
                    status as usize
                })
                .with_header("content-type", "application/json")
                .with_body_from_request(move |_| {
                    std::mem::take(&mut for_body.lock().unwrap().pending)
                })
                .create_async()
                .await;
            mocks.push(mock);
        }
        FakeAssetPanda {
            server,
            state,
            _mocks: mocks,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Fails the next request to `method path` with `status` and a raw `body`.
    pub fn fail_next(&self, method: &'static str, path: &'static str, status: u16, body: &str) {
        self.state().faults.push_back(Fault {
            method,
            path,
            status,
            body: body.to_string(),
        });
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Recorded> {
        self.state().log.clone()
    }

    /// Requests so far as `METHOD path` lines.
    pub fn calls(&self) -> Vec<String> {
        self.log()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    pub fn clear_log(&self) {
        self.state().log.clear();
    }

    /// A configuration pointing at this server, with a budget no test can exhaust.
    pub fn config(&self) -> AssetPandaConfig {
        AssetPandaConfig {
            base_url: self.server.url(),
            access_key_id: SecretRef::Provider("ap-key-id".into()),
            access_key_secret: SecretRef::Provider("ap-key-secret".into()),
            account: "Example Corp".into(),
            module: "IT Assets".into(),
            requests_per_window: 100_000,
            window_seconds: 1,
        }
    }

    /// Options with short waits, so retries do not slow the tests down.
    pub fn quick_options() -> AssetPandaOptions {
        AssetPandaOptions {
            page_size: 3,
            lookup_values_per_search: 2,
            max_retries: 2,
            retry_min_delay: Duration::from_millis(1),
            retry_max_delay: Duration::from_millis(5),
            request_timeout: Duration::from_secs(10),
        }
    }

    pub fn target(&self) -> AssetPandaTarget {
        self.target_with(Self::quick_options())
    }

    pub fn target_with(&self, options: AssetPandaOptions) -> AssetPandaTarget {
        AssetPandaTarget::with_options(
            &self.config(),
            SecretString::from(KEY_ID),
            SecretString::from(KEY_SECRET),
            options,
        )
        .expect("valid test configuration")
    }

    /// Records held in the People collection, as the server stores them.
    pub fn people(&self) -> Vec<Map<String, Value>> {
        self.state()
            .records
            .get(PEOPLE)
            .cloned()
            .unwrap_or_default()
    }
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.header(name)
        .first()
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

impl State {
    fn dispatch(&mut self, req: &Request) -> (u16, Vec<u8>) {
        let url = url::Url::parse(&format!("http://fake{}", req.path_and_query())).unwrap();
        let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        let body = req.body().ok().filter(|b| !b.is_empty()).map(|b| {
            serde_json::from_slice::<Value>(b).unwrap_or(Value::String("<not JSON>".into()))
        });
        let recorded = Recorded {
            method: req.method().to_string(),
            path: url.path().to_string(),
            query,
            key_id: header(req, "access-key-id"),
            key_secret: header(req, "access-key-secret"),
            accept: header(req, "accept"),
            content_type: header(req, "content-type"),
            body,
        };
        self.log.push(recorded.clone());
        if let Some(pos) = self
            .faults
            .iter()
            .position(|f| f.method == recorded.method && f.path == recorded.path)
        {
            let fault = self.faults.remove(pos).unwrap();
            return (fault.status, fault.body.into_bytes());
        }
        let (status, value) = self.route(&recorded);
        (status, serde_json::to_vec(&value).unwrap())
    }

    fn route(&mut self, req: &Recorded) -> Reply {
        if req.key_id.as_deref() != Some(KEY_ID) || req.key_secret.as_deref() != Some(KEY_SECRET) {
            return reply_error(401, "Invalid API key");
        }
        let q = |k: &str| req.query.get(k).map(String::as_str);
        let tenant_query_ok = q("accountId") == Some(ACCOUNT) && q("moduleId") == Some(MODULE);
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/accounts") => (200, fixture("accounts.response.json")),
            ("GET", "/modules") if q("accountId") == Some(ACCOUNT) => {
                (200, fixture("modules.response.json"))
            }
            ("GET", "/collections") if tenant_query_ok => (200, self.collections.clone()),
            ("GET", "/collection-columns") if tenant_query_ok => {
                match q("collectionId").and_then(|c| self.columns.get(c)) {
                    Some(columns) => (200, columns.clone()),
                    None => reply_error(404, "Collection not found"),
                }
            }
            ("GET", "/users/templates") if tenant_query_ok => (200, self.roles.clone()),
            ("GET", _) => reply_error(400, "accountId and moduleId are required"),
            (_, path) => {
                let Some(body) = req.body.clone() else {
                    return reply_error(400, "body required");
                };
                if body["tenant"] != json!({"accountId": ACCOUNT, "moduleId": MODULE}) {
                    return reply_error(400, "tenant is required");
                }
                match (req.method.as_str(), path) {
                    ("POST", "/collection-records/search") => self.search(&body),
                    ("POST", "/collection-records") => self.create(&body),
                    ("PUT", "/collection-records") => self.update(&body),
                    ("POST", "/users") => self.invite(&body),
                    _ => reply_error(404, "Not found"),
                }
            }
        }
    }

    fn live_columns(&self, collection: &str) -> Option<Vec<String>> {
        let columns = self.columns.get(collection)?;
        Some(
            columns["data"]["columns"]["all"]
                .as_array()?
                .iter()
                .filter(|c| c["deleted"] != json!(true))
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect(),
        )
    }

    fn search(&mut self, body: &Value) -> Reply {
        let collection = body["collectionId"].as_str().unwrap_or_default();
        if self.live_columns(collection).is_none() {
            return reply_error(404, "Collection not found");
        }
        let selection = &body["searchInput"]["selection"];
        let filters = selection["filters"].as_array().cloned().unwrap_or_default();
        if filters.iter().any(|f| f["operator"] != "contains") {
            return reply_error(400, "unsupported operator");
        }
        let all = selection["matchType"] == "All";
        let keep = |record: &Map<String, Value>| {
            let test = |f: &Value| {
                let held = record.get(f["field"].as_str().unwrap_or_default());
                let wanted = f["value"].as_str().unwrap_or_default().to_lowercase();
                held.and_then(Value::as_str)
                    .is_some_and(|h| h.to_lowercase().contains(&wanted))
            };
            filters.is_empty()
                || if all {
                    filters.iter().all(test)
                } else {
                    filters.iter().any(test)
                }
        };
        let from = body["pagination"]["from"].as_u64().unwrap_or(0) as usize;
        let size = body["pagination"]["size"].as_u64().unwrap_or(10) as usize;
        let page: Vec<Value> = self
            .records
            .get(collection)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|r| keep(r))
            .skip(from)
            .take(size)
            .map(|r| Value::Object(r.clone()))
            .collect();
        (200, json!({"data": {"records": page}}))
    }

    fn check_values(&self, collection: &str, record: &Map<String, Value>) -> Vec<String> {
        let live = self.live_columns(collection).unwrap_or_default();
        let mut errors = Vec::new();
        for (key, value) in record {
            if key == "recordId" {
                continue;
            }
            if !live.contains(key) {
                errors.push(format!("Unknown column {key}"));
            } else if value == "INVALID" {
                errors.push(format!("Invalid value for {key}"));
            }
        }
        errors
    }

    fn create(&mut self, body: &Value) -> Reply {
        let collection = body["collectionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if self.live_columns(&collection).is_none() {
            return reply_error(404, "Collection not found");
        }
        let mut results = Vec::new();
        for (index, record) in body["records"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let record = record.as_object().cloned().unwrap_or_default();
            let errors = self.check_values(&collection, &record);
            let mut result =
                json!({"index": index, "success": errors.is_empty(), "errors": errors});
            if errors.is_empty() {
                let id = format!("rec_{:010}", self.next_record);
                self.next_record += 1;
                let mut stored = Map::new();
                stored.insert("id".into(), Value::String(id.clone()));
                stored.extend(record);
                self.records
                    .entry(collection.clone())
                    .or_default()
                    .push(stored);
                if self.create_returns_ids {
                    result["id"] = Value::String(id);
                }
            }
            results.push(result);
        }
        (200, json!({"data": {"records": results}}))
    }

    fn update(&mut self, body: &Value) -> Reply {
        let collection = body["collectionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let records = body["records"].as_array().cloned().unwrap_or_default();
        if records.len() > 5 {
            return reply_error(400, "At most 5 records can be updated per request");
        }
        let mut results = Vec::new();
        for (index, record) in records.iter().enumerate() {
            let record = record.as_object().cloned().unwrap_or_default();
            let mut errors = self.check_values(&collection, &record);
            let id = record
                .get("recordId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let held = self
                .records
                .get_mut(&collection)
                .and_then(|rs| rs.iter_mut().find(|r| r["id"] == id));
            match held {
                None => errors.push(format!("Record {id} not found")),
                Some(held) if errors.is_empty() => {
                    held.extend(record.into_iter().filter(|(k, _)| k != "recordId"));
                }
                Some(_) => {}
            }
            results.push(json!({"index": index, "success": errors.is_empty(), "errors": errors}));
        }
        (200, json!({"data": {"records": results}}))
    }

    fn invite(&mut self, body: &Value) -> Reply {
        let users = body["users"].as_array().cloned().unwrap_or_default();
        if users.len() > 5 {
            return reply_error(400, "At most 5 users can be invited per request");
        }
        let roles: Vec<String> = self.roles["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        let mut results = Vec::new();
        for (index, user) in users.iter().enumerate() {
            let role = user["role"].as_str().unwrap_or_default();
            let errors: Vec<String> = if ["Organization Admin", "Account Admin"].contains(&role) {
                vec![format!("Role {role} cannot be assigned through the API")]
            } else if !roles.iter().any(|r| r == role) {
                vec![format!("Role {role} not found")]
            } else if user["email"].as_str().is_none_or(str::is_empty) {
                vec!["email is required".into()]
            } else {
                Vec::new()
            };
            if errors.is_empty() {
                self.users.push(user.clone());
            }
            results.push(json!({"index": index, "success": errors.is_empty(), "errors": errors}));
        }
        (200, json!({"data": {"users": results}}))
    }
}
