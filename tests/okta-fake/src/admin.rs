//! A small control API under `/__fake/` for test suites that run the fake as a process
//! (Python, Node): the same mutations, clock and faults the Rust handle offers. It needs
//! the same `SSWS` token as the Okta API.
//!
//! | method and path | effect |
//! |---|---|
//! | `GET /__fake/clock`, `POST /__fake/clock/advance?seconds=N` | read or advance the clock |
//! | `POST /__fake/users` `{"profile": {...}, "activate": true}` | create a user → `{"id"}` |
//! | `POST /__fake/users/{id}/{action}` | `suspend`, `unsuspend`, `deactivate`, `activate`, `reactivate`, `delete` |
//! | `POST /__fake/users/{id}/profile` `{...}` | merge a profile patch |
//! | `POST /__fake/groups` `{"name": ...}` | create an OKTA_GROUP → `{"id"}` |
//! | `GET /__fake/groups` | every group with its id, type and member count |
//! | `POST`/`DELETE /__fake/groups/{gid}/members/{uid}` | add or remove a member |
//! | `POST /__fake/faults` (a [`crate::Fault`] as JSON), `DELETE /__fake/faults` | arm or clear faults |
//! | `POST /__fake/token/expire-after?requests=N` | 401 E0000011 after N more requests |
//! | `GET`/`DELETE /__fake/requests` | the request log, or clear it |

use std::time::Duration;

use axum::http::Method;
use serde_json::{Map, Value, json};

use crate::faults::Fault;
use crate::org::FakeError;
use crate::server::{Reply, Shared};

pub(crate) fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    params: &[(String, String)],
    body: &[u8],
) -> Reply {
    let segments: Vec<&str> = path.trim_matches('/').split('/').skip(1).collect();
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Reply::error(
                    400,
                    "E0000003",
                    &format!("The request body was not well-formed: {e}"),
                    &[],
                );
            }
        }
    };
    let number = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let now = shared.clock.now();
    let mut state = shared.lock();
    let org = &mut state.org;
    let done = |r: Result<(), FakeError>| match r {
        Ok(()) => Reply::json(200, &json!({ "ok": true })),
        Err(e) => fake_error(&e),
    };
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["clock"]) => Reply::json(200, &json!({ "now": crate::org::ts(now) })),
        ("POST", ["clock", "advance"]) => {
            shared
                .clock
                .advance(Duration::from_secs(number("seconds").unwrap_or(0)));
            Reply::json(200, &json!({ "now": crate::org::ts(shared.clock.now()) }))
        }
        ("POST", ["users"]) => {
            let profile = body
                .get("profile")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let activate = body
                .get("activate")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            match org.create_user(profile, activate, now) {
                Ok(id) => Reply::json(200, &json!({ "id": id })),
                Err(e) => fake_error(&e),
            }
        }
        ("POST", ["users", id, "profile"]) => {
            let patch: Map<String, Value> = body.as_object().cloned().unwrap_or_default();
            done(org.update_profile(id, patch, now))
        }
        ("POST", ["users", id, action]) => done(match *action {
            "suspend" => org.suspend(id, now),
            "unsuspend" => org.unsuspend(id, now),
            "deactivate" => org.deactivate(id, now),
            "activate" | "reactivate" => org.activate(id, now),
            "delete" => org.delete_user(id, now),
            other => Err(FakeError::Invalid(format!("unknown action {other}"))),
        }),
        ("POST", ["groups"]) => {
            let name = body
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("New Group");
            let description = body.get("description").and_then(Value::as_str);
            let id = org.create_group(name, description, now);
            Reply::json(200, &json!({ "id": id }))
        }
        ("GET", ["groups"]) => {
            let groups: Vec<Value> = org
                .groups()
                .map(|g| {
                    json!({
                        "id": g.id,
                        "name": g.name,
                        "type": g.group_type.as_str(),
                        "members": org.member_count(&g.id)
                    })
                })
                .collect();
            Reply::json(200, &Value::Array(groups))
        }
        ("POST", ["groups", gid, "members", uid]) => done(org.add_member(gid, uid, now)),
        ("DELETE", ["groups", gid, "members", uid]) => done(org.remove_member(gid, uid, now)),
        ("POST", ["faults"]) => match serde_json::from_value::<Fault>(body) {
            Ok(fault) => {
                state.faults.arm(fault);
                Reply::json(200, &json!({ "ok": true }))
            }
            Err(e) => Reply::error(400, "E0000003", &format!("not a fault: {e}"), &[]),
        },
        ("DELETE", ["faults"]) => {
            state.faults.clear();
            Reply::json(200, &json!({ "ok": true }))
        }
        ("POST", ["token", "expire-after"]) => {
            let after = state.authenticated + number("requests").unwrap_or(0);
            state.expire_after = Some(after);
            Reply::json(200, &json!({ "ok": true }))
        }
        ("GET", ["requests"]) => Reply::json(
            200,
            &serde_json::to_value(&state.requests).unwrap_or(Value::Null),
        ),
        ("DELETE", ["requests"]) => {
            state.requests.clear();
            Reply::json(200, &json!({ "ok": true }))
        }
        _ => Reply::error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {path}"),
            &[],
        ),
    }
}

fn fake_error(e: &FakeError) -> Reply {
    match e {
        FakeError::NotFound(_) => Reply::error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {e}"),
            &[],
        ),
        FakeError::InvalidState { .. } => Reply::error(
            403,
            "E0000038",
            "This operation is not allowed in the user's current status.",
            &[e.to_string()],
        ),
        FakeError::NotEditable(_) | FakeError::Invalid(_) => {
            Reply::error(400, "E0000001", "Api validation failed", &[e.to_string()])
        }
    }
}
