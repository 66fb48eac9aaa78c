//! Content hashes: the plan's SHA-256 (what an approval names) and the per-user fingerprint
//! of mapped values (what lets unchanged users be skipped without reading the target).

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::types::Plan;
use serde_json::Value;

use crate::config::Mapping;
use crate::{Error, Result};

/// The canonical JSON of `plan` with its `hash` field empty.
///
/// Canonical here means: the serde field order of the plan types, `BTreeMap` key order,
/// and no whitespace. Values taken from Okta keep their order as decoded, which the same
/// inputs always reproduce, and which a JSON round trip preserves.
pub fn canonical_json(plan: &Plan) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_canonical(plan, &mut out)?;
    Ok(out)
}

/// Writes the canonical JSON of `plan` into `out`, so that hashing a plan of a million
/// actions streams it through the digest instead of holding its whole text in memory.
fn write_canonical(plan: &Plan, out: &mut impl Write) -> Result<()> {
    // Serialize through a thin view so the plan itself need not be cloned.
    #[derive(serde::Serialize)]
    struct Unhashed<'a> {
        format: &'a str,
        mode: super::types::PlanMode,
        first_import: bool,
        hash: &'a str,
        counts: &'a std::collections::BTreeMap<String, u64>,
        actions: &'a [super::types::Action],
        unchanged: &'a std::collections::BTreeMap<String, u64>,
        in_scope: &'a std::collections::BTreeMap<String, u64>,
        warnings: &'a [super::types::Warning],
        held_back: &'a [super::types::HeldBack],
        brake: &'a super::types::BrakeAssessment,
        state_changes: &'a crate::state::StateChanges,
        #[serde(skip_serializing_if = "Option::is_none")]
        basis: &'a Option<super::types::PlanBasis>,
    }
    let view = Unhashed {
        format: &plan.format,
        mode: plan.mode,
        first_import: plan.first_import,
        hash: "",
        counts: &plan.counts,
        actions: &plan.actions,
        unchanged: &plan.unchanged,
        in_scope: &plan.in_scope,
        warnings: &plan.warnings,
        held_back: &plan.held_back,
        brake: &plan.brake,
        state_changes: &plan.state_changes,
        basis: &plan.basis,
    };
    serde_json::to_writer(out, &view).map_err(|e| Error::Decode {
        what: "plan".into(),
        path: ".".into(),
        message: format!("cannot serialize: {e}"),
    })
}

/// `sha256:<hex>` of the plan's canonical JSON.
pub fn plan_hash(plan: &Plan) -> Result<String> {
    let mut digest = DigestWriter(Sha256::new());
    // serde_json issues many tiny writes; a buffer turns them into block-sized updates.
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, &mut digest);
    write_canonical(plan, &mut buffered)?;
    buffered.flush().map_err(|e| Error::Decode {
        what: "plan".into(),
        path: ".".into(),
        message: format!("cannot hash: {e}"),
    })?;
    drop(buffered);
    Ok(format!("sha256:{}", hex::encode(digest.0.finalize())))
}

/// Feeds written bytes into a SHA-256 digest.
struct DigestWriter(Sha256);

impl Write for DigestWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A stable 64-bit fingerprint of field values, seeded with the mapping's configuration.
///
/// FNV-1a over the seed, then each field name and the compact JSON of its value, in the
/// order given (callers pass them sorted). Empty values (`null`, `""`) are skipped, since
/// the target treats them as absent. The seed makes a changed mapping change every
/// fingerprint, so a new transform reaches every entry. The fingerprint is stored in the
/// sync state, so it must not change between versions or platforms: FNV-1a is fixed by
/// its definition, unlike the std or Fx hashers. It only needs to notice change, not
/// resist an adversary (a collision costs a skipped update, nothing more).
pub fn fingerprint<'a>(
    seed: u64,
    fields: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> u64 {
    let mut hasher = Fnv1a::default();
    hasher.feed(&seed.to_le_bytes());
    for (name, value) in fields {
        if value.is_null() || value.as_str() == Some("") {
            continue;
        }
        hasher.feed(name.as_bytes());
        hasher.feed(&[0x1f]);
        // Writing into the hasher cannot fail, and `Value` always serializes.
        let _ = serde_json::to_writer(&mut hasher, value);
        hasher.feed(&[0x1e]);
    }
    hasher.0
}

/// The seed of a mapping's fingerprints: a hash of its configuration.
pub fn mapping_seed(mapping: &Mapping) -> u64 {
    let mut hasher = Fnv1a::default();
    let _ = serde_json::to_writer(&mut hasher, mapping);
    hasher.0
}

struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

impl Write for Fnv1a {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.feed(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vector() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (from the FNV reference test suite).
        let mut h = Fnv1a::default();
        h.feed(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn fingerprint_depends_on_names_values_and_seed() {
        use crate::target::Fields;
        let fp = |fields: &Fields, seed| fingerprint(seed, fields);
        let mut a = Fields::new();
        a.insert("Email".into(), json!("a@example.com"));
        a.insert("Name".into(), json!("A"));
        let mut b = Fields::new();
        b.insert("Name".into(), json!("A"));
        b.insert("Email".into(), json!("a@example.com"));
        assert_eq!(fp(&a, 1), fp(&b, 1));
        assert_ne!(fp(&a, 1), fp(&a, 2));

        let mut c = a.clone();
        c.insert("Name".into(), json!("B"));
        assert_ne!(fp(&a, 1), fp(&c, 1));

        // A value moved to another field is a change.
        let mut d = Fields::new();
        d.insert("Email".into(), json!("A"));
        d.insert("Name".into(), json!("a@example.com"));
        assert_ne!(fp(&a, 1), fp(&d, 1));

        // Empty values count as absent.
        let mut e = a.clone();
        e.insert("Title".into(), json!(""));
        e.insert("Phone".into(), json!(null));
        assert_eq!(fp(&a, 1), fp(&e, 1));
    }
}
