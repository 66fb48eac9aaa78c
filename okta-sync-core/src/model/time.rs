//! Okta's timestamp format: UTC, millisecond precision, `Z` suffix.

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats a timestamp exactly as Okta writes it, for example `2026-05-28T10:00:00.000Z`.
pub fn format(ts: &DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde helpers for a required Okta timestamp.
pub mod required {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes in Okta's format.
    pub fn serialize<S: Serializer>(ts: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(ts))
    }

    /// Accepts any RFC 3339 timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }
}

/// Serde helpers for a nullable Okta timestamp.
pub mod optional {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes in Okta's format, or `null`.
    pub fn serialize<S: Serializer>(ts: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match ts {
            Some(ts) => s.serialize_str(&super::format(ts)),
            None => s.serialize_none(),
        }
    }

    /// Accepts an RFC 3339 timestamp, `null`, or an absent field (with `#[serde(default)]`).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        let ts: DateTime<Utc> = "2026-05-28T10:00:00Z".parse().unwrap();
        assert_eq!(format(&ts), "2026-05-28T10:00:00.000Z");
    }
}
