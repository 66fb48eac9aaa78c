//! The System Log: events, their JSON shape, and `GET /api/v1/logs` paging.
//!
//! Two kinds of request, as Okta documents them:
//! - **polling** (no `until`, ascending): events in persistence order after the cursor;
//!   the `next` link is always present, also on an empty page, so a client stores it and
//!   resumes from it;
//! - **bounded** (`until` given, or descending): events in `published` order between
//!   `since` and `until`; the last page has no `next`.
//!
//! Retention is 90 days: older events are silently left out, a `since` more than 180 days
//! back is rejected with E0000053, and (an assumption of this fake, not documented by Okta)
//! a polling cursor issued more than 90 days ago is rejected with E0000053 too.

use std::borrow::Cow;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::cursor::Cursor;
use crate::query::{Attr, Dialect, Expr, Subject, compile, eval};

/// One target of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTarget {
    /// The target's id.
    pub id: String,
    /// `User`, `UserGroup`, ...
    pub target_type: String,
    /// For users, the login.
    pub alternate_id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
}

/// One System Log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeEvent {
    /// Persistence order.
    pub seq: u64,
    /// The event's uuid.
    pub uuid: String,
    /// When it was published (millisecond precision).
    pub published: DateTime<Utc>,
    /// For example `user.lifecycle.deactivate`.
    pub event_type: String,
    /// `outcome.result`, usually `SUCCESS`.
    pub outcome: String,
    /// Targets, users before groups.
    pub targets: Vec<EventTarget>,
}

impl FakeEvent {
    pub(crate) fn new(
        seq: u64,
        seed: u64,
        published: DateTime<Utc>,
        event_type: &str,
        outcome: &str,
        targets: Vec<EventTarget>,
    ) -> Self {
        let a = crate::generate::mix(seed ^ 0x5eed_1095, seq);
        let b = crate::generate::mix(a, seq);
        let uuid = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        );
        FakeEvent {
            seq,
            uuid,
            published,
            event_type: event_type.to_string(),
            outcome: outcome.to_string(),
            targets,
        }
    }

    /// The event as `GET /api/v1/logs` returns it, in the shape of Okta's real events.
    pub fn to_json(&self) -> Value {
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|t| {
                json!({
                    "id": t.id,
                    "type": t.target_type,
                    "alternateId": t.alternate_id,
                    "displayName": t.display_name,
                    "detailEntry": null
                })
            })
            .collect();
        json!({
            "actor": {
                "id": "00ufakeadmin00000001",
                "type": "User",
                "alternateId": "it.admin@example.com",
                "displayName": "IT Admin",
                "detailEntry": null
            },
            "client": {
                "userAgent": { "rawUserAgent": "okta-fake/0.1", "os": "Unknown", "browser": "UNKNOWN" },
                "zone": "null",
                "device": "Unknown",
                "id": null,
                "ipAddress": "203.0.113.10",
                "geographicalContext": null
            },
            "authenticationContext": {
                "authenticationProvider": null,
                "credentialProvider": null,
                "credentialType": null,
                "issuer": null,
                "interface": null,
                "authenticationStep": 0,
                "externalSessionId": "unknown"
            },
            "displayMessage": display_message(&self.event_type),
            "eventType": self.event_type,
            "outcome": { "result": self.outcome, "reason": null },
            "published": crate::org::ts(self.published),
            "securityContext": { "asNumber": null, "asOrg": null, "isp": null, "domain": null, "isProxy": null },
            "severity": "INFO",
            "debugContext": { "debugData": {} },
            "legacyEventType": null,
            "transaction": { "type": "WEB", "id": format!("Zfake{}", self.seq), "detail": {} },
            "uuid": self.uuid,
            "version": "0",
            "request": { "ipChain": [{ "ip": "203.0.113.10", "geographicalContext": null, "version": "V4", "source": null }] },
            "target": targets
        })
    }
}

fn display_message(event_type: &str) -> &'static str {
    match event_type {
        "user.lifecycle.create" => "Create Okta user",
        "user.lifecycle.activate" => "Activate Okta user",
        "user.lifecycle.reactivate" => "Reactivate Okta user",
        "user.lifecycle.deactivate" => "Deactivate Okta user",
        "user.lifecycle.suspend" => "Suspend Okta user",
        "user.lifecycle.unsuspend" => "Unsuspend Okta user",
        "user.lifecycle.delete.initiated" => "Delete Okta user initiated",
        "user.lifecycle.delete.completed" => "Delete Okta user completed",
        "user.account.update_profile" => "Update user profile for Okta",
        "group.user_membership.add" => "Add user to group membership",
        "group.user_membership.remove" => "Remove user from group membership",
        "group.lifecycle.create" => "Create Okta group",
        _ => "Event",
    }
}

impl Subject for FakeEvent {
    fn attr(&self, path: &str) -> Attr<'_> {
        let many = |f: fn(&EventTarget) -> Option<&str>| {
            Attr::Many(
                self.targets
                    .iter()
                    .map(|t| f(t).map_or(Attr::Null, |s| Attr::Str(Cow::Borrowed(s))))
                    .collect(),
            )
        };
        match path {
            "eventType" => Attr::Str(Cow::Borrowed(&self.event_type)),
            "uuid" => Attr::Str(Cow::Borrowed(&self.uuid)),
            "outcome.result" => Attr::Str(Cow::Borrowed(&self.outcome)),
            "severity" => Attr::Str(Cow::Borrowed("INFO")),
            "displayMessage" => Attr::Str(Cow::Borrowed(display_message(&self.event_type))),
            "actor.id" => Attr::Str(Cow::Borrowed("00ufakeadmin00000001")),
            "actor.alternateId" => Attr::Str(Cow::Borrowed("it.admin@example.com")),
            "target.id" => many(|t| Some(t.id.as_str())),
            "target.type" => many(|t| Some(t.target_type.as_str())),
            "target.alternateId" => many(|t| t.alternate_id.as_deref()),
            "target.displayName" => many(|t| t.display_name.as_deref()),
            _ => Attr::Missing,
        }
    }
}

/// A System Log request that the fake refuses, with Okta's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogError {
    pub status: u16,
    pub code: &'static str,
    pub summary: String,
}

fn validation(summary: String) -> LogError {
    LogError {
        status: 400,
        code: "E0000001",
        summary,
    }
}

fn invalid_parameter(summary: String) -> LogError {
    LogError {
        status: 400,
        code: "E0000053",
        summary,
    }
}

/// One page of the System Log.
#[derive(Debug)]
pub(crate) struct LogPage<'a> {
    pub events: Vec<&'a FakeEvent>,
    /// The cursor for `next`, if there is one.
    pub next: Option<Cursor>,
}

/// Answers `GET /api/v1/logs` from `params` against `log`.
pub(crate) fn query<'a>(
    log: &'a [FakeEvent],
    params: &[(String, String)],
    now: DateTime<Utc>,
    page: u32,
) -> Result<LogPage<'a>, LogError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let date = |name: &str| -> Result<Option<DateTime<Utc>>, LogError> {
        get(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| {
                        validation(format!("Api validation failed: '{name}': The date format in your query is not recognized. Please enter dates using ISO8601 string format."))
                    })
            })
            .transpose()
    };
    let limit = match get("limit") {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= 1000 => n,
            _ => {
                return Err(validation(
                    "Api validation failed: limit: must be between 0 and 1000".into(),
                ));
            }
        },
    };
    let until = date("until")?;
    let descending = get("sortOrder").is_some_and(|s| s.eq_ignore_ascii_case("DESCENDING"));
    let filter: Option<Expr> = get("filter")
        .map(|f| {
            compile(f, Dialect::LogFilter)
                .map_err(|e| invalid_parameter(format!("Invalid filter '{f}': {e}")))
        })
        .transpose()?;
    let retention = now - TimeDelta::days(90);
    let after = match get("after") {
        Some(token) => Some(
            Cursor::decode(token)
                .ok_or_else(|| invalid_parameter("Invalid parameter: after".into()))?,
        ),
        None => None,
    };
    let since = match (&after, date("since")?) {
        (Some(_), _) => None,
        (None, Some(since)) => {
            if since < now - TimeDelta::days(180) {
                return Err(invalid_parameter(
                    "Invalid parameter: The since parameter is over 180 days prior to the current day.".into(),
                ));
            }
            Some(since)
        }
        (None, None) => Some(until.unwrap_or(now) - TimeDelta::days(7)),
    };
    let matches = |e: &FakeEvent| {
        e.published >= retention && filter.as_ref().is_none_or(|f| eval(f, e, false))
    };
    let issued_ms = now.timestamp_millis();

    if until.is_none() && !descending {
        // Polling: persistence order after the cursor's sequence number.
        let after_seq = match &after {
            Some(c) => {
                if c.issued_ms < retention.timestamp_millis() {
                    return Err(invalid_parameter(
                        "Invalid parameter: the after cursor is older than the System Log retention".into(),
                    ));
                }
                c.position
                    .parse::<u64>()
                    .map_err(|_| invalid_parameter("Invalid parameter: after".into()))?
            }
            None => 0,
        };
        let since = since.unwrap_or(retention);
        let mut events = Vec::new();
        let mut last_seq = after_seq;
        let start = log.partition_point(|e| e.seq <= after_seq);
        for e in log.get(start..).unwrap_or_default() {
            if events.len() == limit {
                break;
            }
            last_seq = e.seq;
            if e.published >= since && matches(e) {
                events.push(e);
            }
        }
        if events.len() < limit {
            last_seq = log.last().map_or(after_seq, |e| e.seq.max(after_seq));
        }
        return Ok(LogPage {
            events,
            next: Some(Cursor {
                page: page + 1,
                position: last_seq.to_string(),
                issued_ms,
            }),
        });
    }

    // Bounded: published order between since and until, offset paging.
    let until = until.unwrap_or(now);
    let since = match &after {
        Some(c) => c
            .position
            .split(':')
            .nth(1)
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis),
        None => since,
    }
    .unwrap_or(retention);
    let offset: usize = match &after {
        Some(c) => c
            .position
            .split(':')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        None => 0,
    };
    let mut all: Vec<&FakeEvent> = log
        .iter()
        .filter(|e| e.published >= since && e.published < until && matches(e))
        .collect();
    all.sort_by_key(|e| (e.published, e.seq));
    if descending {
        all.reverse();
    }
    let end = (offset + limit).min(all.len());
    let events = all.get(offset..end).map(<[_]>::to_vec).unwrap_or_default();
    let next = (end < all.len()).then(|| Cursor {
        page: page + 1,
        position: format!("{end}:{}", since.timestamp_millis()),
        issued_ms,
    });
    Ok(LogPage { events, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn log() -> Vec<FakeEvent> {
        let user = EventTarget {
            id: "00u1".into(),
            target_type: "User".into(),
            alternate_id: Some("a@example.com".into()),
            display_name: Some("A".into()),
        };
        vec![
            FakeEvent::new(
                1,
                0,
                t("2026-05-01T00:00:00Z"),
                "user.lifecycle.suspend",
                "SUCCESS",
                vec![user.clone()],
            ),
            FakeEvent::new(
                2,
                0,
                t("2026-05-02T00:00:00Z"),
                "user.session.start",
                "SUCCESS",
                vec![user.clone()],
            ),
            FakeEvent::new(
                3,
                0,
                t("2026-05-03T00:00:00Z"),
                "user.lifecycle.deactivate",
                "FAILURE",
                vec![user],
            ),
        ]
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn polling_always_has_next_and_resumes_after_it() {
        let log = log();
        let now = t("2026-05-10T00:00:00Z");
        let filter =
            r#"eventType eq "user.lifecycle.suspend" or eventType eq "user.lifecycle.deactivate""#;
        let page = query(
            &log,
            &p(&[("since", "2026-04-01T00:00:00Z"), ("filter", filter)]),
            now,
            1,
        )
        .unwrap();
        assert_eq!(
            page.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [1, 3]
        );
        let next = page.next.unwrap();
        let again = query(
            &log,
            &p(&[("after", &next.encode()), ("filter", filter)]),
            now,
            2,
        )
        .unwrap();
        assert!(again.events.is_empty());
        assert_eq!(again.next.unwrap().position, "3");
    }

    #[test]
    fn old_since_and_old_cursors_are_rejected() {
        let log = log();
        let now = t("2026-12-01T00:00:00Z");
        let err = query(&log, &p(&[("since", "2026-01-01T00:00:00Z")]), now, 1).unwrap_err();
        assert_eq!(err.code, "E0000053");
        let stale = Cursor {
            page: 2,
            position: "3".into(),
            issued_ms: t("2026-08-01T00:00:00Z").timestamp_millis(),
        };
        let err = query(&log, &p(&[("after", &stale.encode())]), now, 2).unwrap_err();
        assert_eq!(err.code, "E0000053");
    }

    #[test]
    fn bounded_pages_end_without_next() {
        let log = log();
        let now = t("2026-05-10T00:00:00Z");
        let params = p(&[
            ("since", "2026-04-01T00:00:00Z"),
            ("until", "2026-05-09T00:00:00Z"),
            ("limit", "2"),
        ]);
        let first = query(&log, &params, now, 1).unwrap();
        assert_eq!(first.events.len(), 2);
        let cursor = first.next.unwrap().encode();
        let second = query(
            &log,
            &p(&[
                ("until", "2026-05-09T00:00:00Z"),
                ("limit", "2"),
                ("after", &cursor),
            ]),
            now,
            2,
        )
        .unwrap();
        assert_eq!(second.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);
        assert!(second.next.is_none());
        assert!(query(&log, &p(&[("limit", "1001")]), now, 1).is_err());
    }
}
