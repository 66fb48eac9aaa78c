//! Opaque pagination cursors, the way Okta hands them out.
//!
//! A cursor names the page it leads to and where the previous page stopped. It is
//! hex-encoded so that clients cannot (and must not) build one themselves, exactly as
//! Okta's documentation asks; the page number lets faults target "page N of a path".

/// What a cursor carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// 1-based number of the page this cursor leads to.
    pub page: u32,
    /// Where the previous page stopped (an id, a log sequence number, an offset).
    pub position: String,
    /// Fake-clock time (epoch ms) the cursor was issued, for the System Log's retention.
    pub issued_ms: i64,
}

impl Cursor {
    /// Encodes the cursor as an opaque token.
    pub fn encode(&self) -> String {
        let plain = format!("{}|{}|{}", self.page, self.issued_ms, self.position);
        let mut out = String::with_capacity(plain.len() * 2 + 3);
        out.push_str("000");
        for b in plain.bytes() {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// Decodes a token made by [`Cursor::encode`]; anything else is `None`.
    pub fn decode(token: &str) -> Option<Cursor> {
        let hex = token.strip_prefix("000")?;
        if hex.len() % 2 != 0 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect();
        let plain = String::from_utf8(bytes?).ok()?;
        let mut parts = plain.splitn(3, '|');
        let page = parts.next()?.parse().ok()?;
        let issued_ms = parts.next()?.parse().ok()?;
        let position = parts.next()?.to_string();
        Some(Cursor {
            page,
            position,
            issued_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let c = Cursor {
            page: 7,
            position: "00uAbc|x".into(),
            issued_ms: 1_780_000_000_000,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("00uAbc"), None);
        assert_eq!(Cursor::decode("000zz"), None);
    }
}
