//! Reads and writes of the local store's rows. Every function takes a connection or an
//! open transaction; committing is the caller's business.

use rusqlite::{Connection, OptionalExtension, params};

use super::schema::sql_error;
use crate::Result;
use crate::identity;
use crate::target::{Fields, TargetLogin, TargetRecord, TargetWrite, WriteOutcome};

/// Record ids look like `rec-000001`: stable, never reused, readable in exports.
pub(super) fn record_id(seq: i64) -> String {
    format!("rec-{seq:06}")
}

/// Login ids look like `login-000001`.
pub(super) fn login_id(seq: i64) -> String {
    format!("login-{seq:06}")
}

/// The row number behind an id, accepting only the canonical spelling so that one row
/// has exactly one id.
fn parse_id(id: &str, prefix: &str, format: fn(i64) -> String) -> Option<i64> {
    let seq = id.strip_prefix(prefix)?.parse::<i64>().ok()?;
    (seq > 0 && format(seq) == id).then_some(seq)
}

fn decode_fields(text: &str, what: &str) -> Result<Fields> {
    serde_json::from_str(text)
        .map_err(|e| sql_error("read", format!("{what} has unreadable fields: {e}")))
}

fn encode_fields(fields: &Fields) -> Result<String> {
    serde_json::to_string(fields).map_err(|e| sql_error("write", e))
}

/// Collections with their record counts, by name.
pub(super) fn collections(conn: &Connection) -> Result<Vec<(String, u64)>> {
    let fail = |e| sql_error("list collections", e);
    let mut stmt = conn
        .prepare(
            "SELECT c.name, COUNT(r.seq) FROM collections c \
             LEFT JOIN records r ON r.collection = c.name GROUP BY c.name ORDER BY c.name",
        )
        .map_err(fail)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .map_err(fail)?;
    rows.map(|r| r.map(|(n, c)| (n, c.max(0) as u64)).map_err(fail))
        .collect()
}

/// Every record of `collection`, oldest first. An unknown collection holds nothing.
pub(super) fn records(conn: &Connection, collection: &str) -> Result<Vec<TargetRecord>> {
    let fail = |e| sql_error("list records", e);
    let mut stmt = conn
        .prepare("SELECT seq, fields FROM records WHERE collection = ?1 ORDER BY seq")
        .map_err(fail)?;
    let rows = stmt
        .query_map([collection], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(fail)?;
    rows.map(|row| {
        let (seq, text) = row.map_err(fail)?;
        let id = record_id(seq);
        let fields = decode_fields(&text, &id)?;
        Ok(TargetRecord { id, fields })
    })
    .collect()
}

/// Every login user, oldest first.
pub(super) fn logins(conn: &Connection) -> Result<Vec<TargetLogin>> {
    let fail = |e| sql_error("list logins", e);
    let mut stmt = conn
        .prepare("SELECT seq, email, role, active, fields FROM logins ORDER BY seq")
        .map_err(fail)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, bool>(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .map_err(fail)?;
    rows.map(|row| {
        let (seq, email, role, active, text) = row.map_err(fail)?;
        let id = login_id(seq);
        let fields = decode_fields(&text, &id)?;
        Ok(TargetLogin {
            id,
            email,
            role: Some(role),
            active,
            fields,
        })
    })
    .collect()
}

fn refused(reason: impl Into<String>) -> WriteOutcome {
    WriteOutcome::Failed {
        reason: reason.into(),
        retryable: false,
    }
}

/// Applies one write. `Ok(Failed)` is a refusal that changed nothing; `Err` is a storage
/// failure, after which the caller rolls the whole batch back.
pub(super) fn apply(conn: &Connection, write: &TargetWrite, now: &str) -> Result<WriteOutcome> {
    match write {
        TargetWrite::CreateRecord { collection, fields } => {
            create_record(conn, collection, fields, now)
        }
        TargetWrite::UpdateRecord {
            collection,
            record_id,
            fields,
        } => update_record(conn, collection, record_id, fields, now),
        TargetWrite::CreateLogin {
            email,
            role,
            fields,
        } => create_login(conn, email, role, fields, now),
        TargetWrite::ChangeRole { login_id, role } => {
            if role.trim().is_empty() {
                return Ok(refused("the new role is empty"));
            }
            update_login(conn, login_id, now, |login| login.role = role.clone())
        }
        TargetWrite::UpdateLogin { login_id, fields } => {
            update_login(conn, login_id, now, |login| {
                login
                    .fields
                    .extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            })
        }
        TargetWrite::DeactivateLogin { login_id } => {
            update_login(conn, login_id, now, |login| login.active = false)
        }
        TargetWrite::ReactivateLogin { login_id } => {
            update_login(conn, login_id, now, |login| login.active = true)
        }
    }
}

fn create_record(
    conn: &Connection,
    collection: &str,
    fields: &Fields,
    now: &str,
) -> Result<WriteOutcome> {
    if collection.trim().is_empty() {
        return Ok(refused("the collection name is empty"));
    }
    let fail = |e| sql_error("create record", e);
    conn.execute(
        "INSERT OR IGNORE INTO collections(name, created_at) VALUES (?1, ?2)",
        params![collection, now],
    )
    .map_err(fail)?;
    conn.execute(
        "INSERT INTO records(collection, fields, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![collection, encode_fields(fields)?, now],
    )
    .map_err(fail)?;
    Ok(WriteOutcome::Done {
        id: record_id(conn.last_insert_rowid()),
    })
}

fn update_record(
    conn: &Connection,
    collection: &str,
    id: &str,
    changes: &Fields,
    now: &str,
) -> Result<WriteOutcome> {
    let fail = |e| sql_error("update record", e);
    let Some(seq) = parse_id(id, "rec-", record_id) else {
        return Ok(refused(format!("no record {id}: not a local record id")));
    };
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT collection, fields FROM records WHERE seq = ?1",
            [seq],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(fail)?;
    let Some((held_in, text)) = row else {
        return Ok(refused(format!("no record {id}")));
    };
    if held_in != collection {
        return Ok(refused(format!(
            "record {id} is in collection {held_in:?}, not {collection:?}"
        )));
    }
    let mut fields = decode_fields(&text, id)?;
    fields.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
    conn.execute(
        "UPDATE records SET fields = ?1, updated_at = ?2 WHERE seq = ?3",
        params![encode_fields(&fields)?, now, seq],
    )
    .map_err(fail)?;
    Ok(WriteOutcome::Done { id: id.to_string() })
}

fn create_login(
    conn: &Connection,
    email: &str,
    role: &str,
    fields: &Fields,
    now: &str,
) -> Result<WriteOutcome> {
    let fail = |e| sql_error("create login", e);
    let key = identity::normalize_email(email);
    if key.is_empty() {
        return Ok(refused("the email is empty"));
    }
    if role.trim().is_empty() {
        return Ok(refused(format!("no role given for {email}")));
    }
    let existing: Option<i64> = conn
        .query_row(
            "SELECT seq FROM logins WHERE email_key = ?1",
            [&key],
            |row| row.get(0),
        )
        .optional()
        .map_err(fail)?;
    if let Some(seq) = existing {
        return Ok(refused(format!(
            "a login for {email} already exists ({})",
            login_id(seq)
        )));
    }
    conn.execute(
        "INSERT INTO logins(email, email_key, role, active, fields, created_at, updated_at) \
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)",
        params![email.trim(), key, role, encode_fields(fields)?, now],
    )
    .map_err(fail)?;
    Ok(WriteOutcome::Done {
        id: login_id(conn.last_insert_rowid()),
    })
}

/// The mutable part of a login row.
struct LoginRow {
    role: String,
    active: bool,
    fields: Fields,
}

fn update_login(
    conn: &Connection,
    id: &str,
    now: &str,
    change: impl FnOnce(&mut LoginRow),
) -> Result<WriteOutcome> {
    let fail = |e| sql_error("update login", e);
    let Some(seq) = parse_id(id, "login-", login_id) else {
        return Ok(refused(format!("no login {id}: not a local login id")));
    };
    let row: Option<(String, bool, String)> = conn
        .query_row(
            "SELECT role, active, fields FROM logins WHERE seq = ?1",
            [seq],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(fail)?;
    let Some((role, active, text)) = row else {
        return Ok(refused(format!("no login {id}")));
    };
    let mut login = LoginRow {
        role,
        active,
        fields: decode_fields(&text, id)?,
    };
    change(&mut login);
    conn.execute(
        "UPDATE logins SET role = ?1, active = ?2, fields = ?3, updated_at = ?4 WHERE seq = ?5",
        params![
            login.role,
            login.active,
            encode_fields(&login.fields)?,
            now,
            seq
        ],
    )
    .map_err(fail)?;
    Ok(WriteOutcome::Done { id: id.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_only_in_canonical_form() {
        assert_eq!(record_id(1), "rec-000001");
        assert_eq!(record_id(1_234_567), "rec-1234567");
        assert_eq!(parse_id("rec-000042", "rec-", record_id), Some(42));
        assert_eq!(parse_id("rec-1234567", "rec-", record_id), Some(1_234_567));
        assert_eq!(parse_id("rec-42", "rec-", record_id), None);
        assert_eq!(parse_id("rec-000000", "rec-", record_id), None);
        assert_eq!(parse_id("login-000001", "rec-", record_id), None);
        assert_eq!(parse_id("rec--00001", "rec-", record_id), None);
        assert_eq!(parse_id("login-000007", "login-", login_id), Some(7));
    }
}
