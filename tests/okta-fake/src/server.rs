//! The HTTP side: authentication, rate limits, faults, routing, paging and headers.
//!
//! Every response carries `Date` (by the fake clock), `X-Okta-Request-Id`, the
//! `X-Rate-Limit-*` trio of its bucket, and for listings one `Link` header per relation
//! (`self`, and `next` when there is more), as Okta sends them.

use std::borrow::Cow;
use std::collections::Bound;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::FakeClock;
use crate::cursor::Cursor;
use crate::faults::{Bucket, FaultKind, Faults, RateHeaders, RateState};
use crate::org::{FakeGroup, FakeOrg, FakeUser, UserStatus};
use crate::query::{Attr, Dialect, Expr, Subject, compile, eval};

/// One request the server answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// `GET`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// The status sent.
    pub status: u16,
    /// The `X-Okta-Request-Id` sent.
    pub request_id: String,
    /// The `X-Rate-Limit-Remaining` sent, if any: how much of its bucket's window was
    /// left after this request (tests check a client's share with it).
    pub rate_remaining: Option<u32>,
}

/// Everything a request may read or change.
#[derive(Debug)]
pub(crate) struct ServerState {
    pub org: FakeOrg,
    pub faults: Faults,
    pub rates: RateState,
    pub requests: Vec<RequestRecord>,
    pub authenticated: u64,
    pub expire_after: Option<u64>,
    pub counter: u64,
}

/// Shared between the server task and the test's handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub state: Mutex<ServerState>,
    pub clock: FakeClock,
    pub token: String,
    pub base_url: String,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A response before it becomes HTTP.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub links: Vec<(String, &'static str)>,
    pub rate: Option<RateHeaders>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec(value).unwrap_or_default(),
            links: Vec::new(),
            rate: None,
        }
    }

    /// An Okta error body.
    pub fn error(status: u16, code: &str, summary: &str, causes: &[String]) -> Reply {
        let id = crate::generate::id_from(
            "oae",
            0x0e77,
            u64::from(status) << 32 | summary.len() as u64,
        );
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| json!({ "errorSummary": c }))
            .collect();
        Reply::json(
            status,
            &json!({
                "errorCode": code,
                "errorSummary": summary,
                "errorLink": code,
                "errorId": id,
                "errorCauses": causes
            }),
        )
    }

    /// Okta's usual error for an HTTP status.
    pub fn for_status(status: u16) -> Reply {
        let (code, summary) = match status {
            400 => ("E0000001", "Api validation failed"),
            401 => ("E0000011", "Invalid token provided"),
            403 => (
                "E0000006",
                "You do not have permission to perform the requested action",
            ),
            404 => ("E0000007", "Not found: Resource not found"),
            405 => (
                "E0000022",
                "The endpoint does not support the provided HTTP method",
            ),
            429 => (
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
            ),
            503 => ("E0000010", "Service is in read only mode"),
            _ => ("E0000009", "Internal Server Error"),
        };
        Reply::error(status, code, summary, &[])
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn page_of(params: &[(String, String)]) -> u32 {
    param(params, "after")
        .and_then(Cursor::decode)
        .map_or(1, |c| c.page)
}

/// The axum handler for every route.
pub(crate) async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let page = page_of(&params);
    if path.starts_with("/__fake/") {
        let reply = if authorized(&headers, &shared.token) {
            crate::admin::handle(&shared, &method, &path, &params, &body)
        } else {
            Reply::for_status(401)
        };
        return into_response(reply, "admin".into(), shared.clock.now());
    }
    let delay = shared.lock().faults.take_delay(&path, page);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let (reply, request_id) = {
        let mut state = shared.lock();
        state.counter += 1;
        let request_id = crate::generate::id_from("Xfk", 0x000e_771d, state.counter);
        let reply = respond(
            &shared, &mut state, &method, &path, &query, &params, &headers, page,
        );
        state.requests.push(RequestRecord {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            status: reply.status,
            request_id: request_id.clone(),
            rate_remaining: reply.rate.map(|r| r.remaining),
        });
        (reply, request_id)
    };
    into_response(reply, request_id, shared.clock.now())
}

/// `Authorization: SSWS <token>`, as Okta documents it. The space is optional: Okta's own
/// Python SDK (`okta` 3.x, at least up to 3.4.6) sends `SSWS<token>` for API tokens (its
/// generated `auth_settings` joins mode and token without one), and that SDK is used
/// against real orgs, so Okta evidently accepts it. Anything else (another scheme, a
/// wrong or empty token) is refused.
fn authorized(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("SSWS"))
        .map(|t| t.trim_start_matches(' '))
        .is_some_and(|t| !t.is_empty() && t == token)
}

#[allow(clippy::too_many_arguments)]
fn respond(
    shared: &Shared,
    state: &mut ServerState,
    method: &Method,
    path: &str,
    query: &str,
    params: &[(String, String)],
    headers: &HeaderMap,
    page: u32,
) -> Reply {
    if !authorized(headers, &shared.token) {
        return Reply::for_status(401);
    }
    state.authenticated += 1;
    if state.expire_after.is_some_and(|n| state.authenticated > n) {
        return Reply::for_status(401);
    }
    let now = shared.clock.now();
    let rate = state.rates.consume(Bucket::for_path(path), now);
    if rate.exceeded {
        return Reply {
            rate: Some(rate),
            ..Reply::for_status(429)
        };
    }
    let (mut truncated, mut repeated) = (false, false);
    for fault in state.faults.fire(path, page) {
        match fault {
            FaultKind::Status { status } => {
                return Reply {
                    rate: Some(rate),
                    ..Reply::for_status(status)
                };
            }
            FaultKind::RateLimited { reset_after_secs } => {
                let reset = now.timestamp() + i64::try_from(reset_after_secs).unwrap_or(60);
                return Reply {
                    rate: Some(RateHeaders {
                        remaining: 0,
                        reset,
                        exceeded: true,
                        ..rate
                    }),
                    ..Reply::for_status(429)
                };
            }
            FaultKind::TruncatedBody => truncated = true,
            FaultKind::RepeatedCursor => repeated = true,
            FaultKind::Delay { .. } => {}
        }
    }
    if method != Method::GET {
        return Reply::for_status(405);
    }
    let ctx = Ctx {
        org: &state.org,
        base: &shared.base_url,
        path,
        query,
        params,
        page,
        now,
    };
    let mut reply = route(&ctx);
    reply.rate = Some(rate);
    if repeated {
        let self_link = reply
            .links
            .iter()
            .find(|(_, rel)| *rel == "self")
            .map(|(u, _)| u.clone());
        if let Some(self_link) = self_link {
            reply.links.retain(|(_, rel)| *rel != "next");
            reply.links.push((self_link, "next"));
        }
    }
    if truncated && reply.status == 200 {
        let keep = reply.body.len() / 2;
        reply.body.truncate(keep);
    }
    reply
}

/// What a route handler sees.
struct Ctx<'a> {
    org: &'a FakeOrg,
    base: &'a str,
    path: &'a str,
    query: &'a str,
    params: &'a [(String, String)],
    page: u32,
    now: DateTime<Utc>,
}

impl Ctx<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        param(self.params, name)
    }

    fn self_link(&self) -> String {
        if self.query.is_empty() {
            format!("{}{}", self.base, self.path)
        } else {
            format!("{}{}?{}", self.base, self.path, self.query)
        }
    }

    /// `self` and, when there is a next page, `next` with the cursor and the limit used.
    fn links(
        &self,
        next: Option<Cursor>,
        limit: usize,
        drop_since: bool,
    ) -> Vec<(String, &'static str)> {
        let mut links = vec![(self.self_link(), "self")];
        if let Some(cursor) = next {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            let mut limit_written = false;
            for (k, v) in self.params {
                match k.as_str() {
                    "after" => {}
                    "since" if drop_since => {}
                    "limit" => {
                        ser.append_pair("limit", &limit.to_string());
                        limit_written = true;
                    }
                    _ => {
                        ser.append_pair(k, v);
                    }
                }
            }
            if !limit_written {
                ser.append_pair("limit", &limit.to_string());
            }
            ser.append_pair("after", &cursor.encode());
            links.push((
                format!("{}{}?{}", self.base, self.path, ser.finish()),
                "next",
            ));
        }
        links
    }

    fn limit(&self, default: usize, max: usize) -> Result<usize, Reply> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(0) => Ok(default),
                Ok(n) => Ok(n.min(max)),
                Err(_) => Err(Reply::error(
                    400,
                    "E0000001",
                    "Api validation failed: limit",
                    &[],
                )),
            },
        }
    }

    fn after(&self) -> Result<Option<String>, Reply> {
        match self.get("after") {
            None => Ok(None),
            Some(token) => Cursor::decode(token)
                .map(|c| Some(c.position))
                .ok_or_else(|| Reply::error(400, "E0000001", "Api validation failed: after", &[])),
        }
    }

    fn cursor(&self, position: &str) -> Cursor {
        Cursor {
            page: self.page + 1,
            position: position.to_string(),
            issued_ms: self.now.timestamp_millis(),
        }
    }

    fn page_reply<T>(
        &self,
        items: Vec<Value>,
        last: Option<&T>,
        more: bool,
        limit: usize,
        position: impl Fn(&T) -> String,
    ) -> Reply {
        let next = if more {
            last.map(|l| self.cursor(&position(l)))
        } else {
            None
        };
        let mut reply = Reply::json(200, &Value::Array(items));
        reply.links = self.links(next, limit, false);
        reply
    }
}

/// Takes up to `limit` items and says whether at least one more follows.
fn take_page<T>(mut iter: impl Iterator<Item = T>, limit: usize) -> (Vec<T>, bool) {
    let items: Vec<T> = iter.by_ref().take(limit).collect();
    let more = items.len() == limit && iter.next().is_some();
    (items, more)
}

fn after_bound(after: &Option<String>) -> (Bound<String>, Bound<String>) {
    match after {
        Some(a) => (Bound::Excluded(a.clone()), Bound::Unbounded),
        None => (Bound::Unbounded, Bound::Unbounded),
    }
}

fn invalid_search(message: String) -> Reply {
    Reply::error(400, "E0000031", "Invalid search criteria.", &[message])
}

fn route(ctx: &Ctx<'_>) -> Reply {
    let segments: Vec<&str> = ctx.path.trim_matches('/').split('/').collect();
    let result = match segments.as_slice() {
        ["api", "v1", "users"] => list_users(ctx),
        ["api", "v1", "users", id] => get_user(ctx, id),
        ["api", "v1", "users", id, "groups"] => user_groups(ctx, id),
        ["api", "v1", "groups"] => list_groups(ctx),
        ["api", "v1", "groups", id] => get_group(ctx, id),
        ["api", "v1", "groups", id, "users"] => group_members(ctx, id),
        ["api", "v1", "logs"] => logs(ctx),
        _ => Err(Reply::error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {}", ctx.path),
            &[],
        )),
    };
    result.unwrap_or_else(|reply| reply)
}

struct UserSubject<'a> {
    org: &'a FakeOrg,
    user: &'a FakeUser,
}

impl Subject for UserSubject<'_> {
    fn attr(&self, path: &str) -> Attr<'_> {
        let date = |d: Option<DateTime<Utc>>| d.map_or(Attr::Null, Attr::Date);
        let u = self.user;
        match path {
            "id" => Attr::Str(Cow::Borrowed(&u.id)),
            "status" => Attr::Str(Cow::Borrowed(u.status.as_str())),
            "created" => Attr::Date(u.created),
            "activated" => date(u.activated),
            "statusChanged" => date(u.status_changed),
            "lastUpdated" => Attr::Date(u.last_updated),
            "lastLogin" => date(u.last_login),
            "passwordChanged" => date(u.password_changed),
            "type.id" => Attr::Str(Cow::Borrowed("oty1fakeusertype0001")),
            _ => match path.strip_prefix("profile.") {
                Some(key) => self
                    .org
                    .profile_value(u, key)
                    .map_or(Attr::Missing, |v| Attr::from_json(&v)),
                None => Attr::Missing,
            },
        }
    }
}

struct GroupSubject<'a>(&'a FakeGroup);

impl Subject for GroupSubject<'_> {
    fn attr(&self, path: &str) -> Attr<'_> {
        let g = self.0;
        match path {
            "id" => Attr::Str(Cow::Borrowed(&g.id)),
            "type" => Attr::Str(Cow::Borrowed(g.group_type.as_str())),
            "created" => Attr::Date(g.created),
            "lastUpdated" => Attr::Date(g.last_updated),
            "lastMembershipUpdated" => Attr::Date(g.last_membership_updated),
            "profile.name" => Attr::Str(Cow::Borrowed(&g.name)),
            "profile.description" => g
                .description
                .as_deref()
                .map_or(Attr::Null, |d| Attr::Str(Cow::Borrowed(d))),
            _ => Attr::Missing,
        }
    }
}

fn find_user<'a>(org: &'a FakeOrg, id_or_login: &str) -> Result<&'a FakeUser, Reply> {
    if let Some(user) = org.users.get(id_or_login) {
        return Ok(&**user);
    }
    let wanted = id_or_login.to_lowercase();
    org.users
        .values()
        .map(|u| &**u)
        .find(|u| {
            org.profile_value(u, "login")
                .and_then(|v| v.as_str().map(str::to_lowercase))
                .is_some_and(|l| l == wanted)
        })
        .ok_or_else(|| {
            Reply::error(
                404,
                "E0000007",
                &format!("Not found: Resource not found: {id_or_login} (User)"),
                &[],
            )
        })
}

fn find_group<'a>(org: &'a FakeOrg, id: &str) -> Result<&'a FakeGroup, Reply> {
    org.groups.get(id).ok_or_else(|| {
        Reply::error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {id} (UserGroup)"),
            &[],
        )
    })
}

fn list_users(ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let org = ctx.org;
    if let Some(q) = ctx.get("q") {
        // `q`: prefix match on names and e-mail, no paging, DEPROVISIONED hidden.
        let limit = ctx.limit(10, 200)?;
        let q = q.to_lowercase();
        let hit = |u: &&FakeUser| {
            u.status != UserStatus::Deprovisioned
                && ["firstName", "lastName", "email"].iter().any(|k| {
                    org.profile_value(u, k)
                        .and_then(|v| v.as_str().map(str::to_lowercase))
                        .is_some_and(|v| v.starts_with(&q))
                })
        };
        let items = org
            .users
            .values()
            .map(|u| &**u)
            .filter(hit)
            .take(limit)
            .map(|u| org.user_json(u, ctx.base))
            .collect();
        let mut reply = Reply::json(200, &Value::Array(items));
        reply.links = ctx.links(None, limit, false);
        return Ok(reply);
    }
    let limit = ctx.limit(200, 200)?;
    let after = ctx.after()?;
    let expr: Option<(Expr, bool)> = match (ctx.get("filter"), ctx.get("search")) {
        (Some(_), Some(_)) => {
            return Err(invalid_search(
                "filter and search cannot be combined".into(),
            ));
        }
        (Some(f), None) => Some((
            compile(f, Dialect::UserFilter).map_err(invalid_search)?,
            false,
        )),
        (None, Some(s)) => Some((
            compile(s, Dialect::UserSearch).map_err(invalid_search)?,
            true,
        )),
        (None, None) => None,
    };
    let matches = |u: &&FakeUser| match &expr {
        Some((e, ci)) => eval(e, &UserSubject { org, user: u }, *ci),
        None => u.status != UserStatus::Deprovisioned,
    };
    let (users, more) = take_page(
        org.users
            .range(after_bound(&after))
            .map(|(_, u)| &**u)
            .filter(matches),
        limit,
    );
    let items = users.iter().map(|u| org.user_json(u, ctx.base)).collect();
    Ok(ctx.page_reply(items, users.last(), more, limit, |u| u.id.clone()))
}

fn get_user(ctx: &Ctx<'_>, id: &str) -> Result<Reply, Reply> {
    let user = find_user(ctx.org, id)?;
    Ok(Reply::json(200, &ctx.org.user_json(user, ctx.base)))
}

fn user_groups(ctx: &Ctx<'_>, id: &str) -> Result<Reply, Reply> {
    let user = find_user(ctx.org, id)?;
    let limit = ctx.limit(200, 10_000)?;
    let after = ctx.after()?;
    let groups = ctx
        .org
        .groups
        .range(after_bound(&after))
        .map(|(_, g)| g)
        .filter(|g| ctx.org.is_member(&g.id, &user.id));
    let (groups, more) = take_page(groups, limit);
    let items = groups
        .iter()
        .map(|g| ctx.org.group_json(g, ctx.base))
        .collect();
    Ok(ctx.page_reply(items, groups.last(), more, limit, |g| g.id.clone()))
}

fn list_groups(ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let org = ctx.org;
    if let Some(q) = ctx.get("q") {
        // `q`: name prefix for pickers, no paging and (as observed) no Link header.
        let limit = ctx.limit(300, 10_000)?;
        let q = q.to_lowercase();
        let items = org
            .groups
            .values()
            .filter(|g| g.name.to_lowercase().starts_with(&q))
            .take(limit)
            .map(|g| org.group_json(g, ctx.base))
            .collect();
        return Ok(Reply::json(200, &Value::Array(items)));
    }
    let limit = ctx.limit(10_000, 10_000)?;
    let after = ctx.after()?;
    let expr: Option<(Expr, bool)> = match (ctx.get("filter"), ctx.get("search")) {
        (Some(_), Some(_)) => {
            return Err(invalid_search(
                "filter and search cannot be combined".into(),
            ));
        }
        (Some(f), None) => Some((
            compile(f, Dialect::GroupFilter).map_err(invalid_search)?,
            false,
        )),
        (None, Some(s)) => Some((
            compile(s, Dialect::GroupSearch).map_err(invalid_search)?,
            true,
        )),
        (None, None) => None,
    };
    let matches = |g: &&FakeGroup| {
        expr.as_ref()
            .is_none_or(|(e, ci)| eval(e, &GroupSubject(g), *ci))
    };
    let (groups, more) = take_page(
        org.groups
            .range(after_bound(&after))
            .map(|(_, g)| g)
            .filter(matches),
        limit,
    );
    let items = groups.iter().map(|g| org.group_json(g, ctx.base)).collect();
    Ok(ctx.page_reply(items, groups.last(), more, limit, |g| g.id.clone()))
}

fn get_group(ctx: &Ctx<'_>, id: &str) -> Result<Reply, Reply> {
    let group = find_group(ctx.org, id)?;
    Ok(Reply::json(200, &ctx.org.group_json(group, ctx.base)))
}

fn group_members(ctx: &Ctx<'_>, id: &str) -> Result<Reply, Reply> {
    let org = ctx.org;
    let group = find_group(org, id)?;
    let limit = ctx.limit(1000, 10_000)?;
    let after = ctx.after()?;
    let (users, more) = if group.everyone {
        take_page(
            org.users.range(after_bound(&after)).map(|(_, u)| &**u),
            limit,
        )
    } else {
        take_page(
            group
                .members
                .range(after_bound(&after))
                .filter_map(|id| org.users.get(id).map(|u| &**u)),
            limit,
        )
    };
    let items = users.iter().map(|u| org.user_json(u, ctx.base)).collect();
    Ok(ctx.page_reply(items, users.last(), more, limit, |u| u.id.clone()))
}

fn logs(ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let page = crate::logs::query(&ctx.org.log, ctx.params, ctx.now, ctx.page)
        .map_err(|e| Reply::error(e.status, e.code, &e.summary, &[]))?;
    let limit = param(ctx.params, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100);
    let items: Vec<Value> = page.events.iter().map(|e| e.to_json()).collect();
    let mut reply = Reply::json(200, &Value::Array(items));
    reply.links = ctx.links(page.next, limit, true);
    Ok(reply)
}

/// Turns a reply into an HTTP response with Okta's headers.
pub(crate) fn into_response(reply: Reply, request_id: String, now: DateTime<Utc>) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(name, v);
        }
    };
    put("content-type", "application/json".into());
    put("date", httpdate::fmt_http_date(SystemTime::from(now)));
    put("x-okta-request-id", request_id);
    if let Some(rate) = reply.rate {
        put("x-rate-limit-limit", rate.limit.to_string());
        put("x-rate-limit-remaining", rate.remaining.to_string());
        put("x-rate-limit-reset", rate.reset.to_string());
    }
    for (url, rel) in reply.links {
        put("link", format!("<{url}>; rel=\"{rel}\""));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_ssws_token_is_accepted_with_or_without_the_space() {
        let token = "00abcToken";
        assert!(authorized(&with_auth("SSWS 00abcToken"), token));
        // What okta 3.4.6 (Python) sends.
        assert!(authorized(&with_auth("SSWS00abcToken"), token));
        assert!(!authorized(&with_auth("SSWS 00abcTokenX"), token));
        assert!(!authorized(&with_auth("Bearer 00abcToken"), token));
        assert!(!authorized(&with_auth("SSWS "), ""));
        assert!(!authorized(&with_auth("00abcToken"), token));
        assert!(!authorized(&HeaderMap::new(), token));
    }
}
