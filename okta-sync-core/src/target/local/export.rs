//! Export of the local store for people: one JSON document, or CSV files a spreadsheet
//! opens (one per collection plus `logins.csv`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::schema::sql_error;
use crate::Result;
use crate::target::{TargetLogin, TargetRecord};

/// Everything the local target holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalExport {
    /// Collections by name, each with its records, oldest first.
    pub collections: BTreeMap<String, Vec<TargetRecord>>,
    /// Login users, oldest first.
    pub logins: Vec<TargetLogin>,
}

impl LocalExport {
    /// Writes the export as pretty-printed JSON.
    pub fn write_json(&self, writer: impl Write) -> Result<()> {
        serde_json::to_writer_pretty(writer, self).map_err(|e| sql_error("export json", e))
    }

    /// Writes `<collection>.csv` per collection and `logins.csv` into `dir` (created if
    /// missing) and returns the paths written. Columns are `id` then the field names in
    /// alphabetical order; strings are written as they are, other values as JSON.
    pub fn write_csv(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)
            .map_err(|e| sql_error("export csv", format!("{}: {e}", dir.display())))?;
        let mut written = Vec::new();
        let mut taken = BTreeSet::from(["logins".to_string()]);
        for (name, records) in &self.collections {
            let path = dir.join(format!("{}.csv", unique_stem(name, &mut taken)));
            let columns = field_names(records.iter().map(|r| &r.fields));
            let mut header = vec!["id".to_string()];
            header.extend(columns.iter().cloned());
            let rows = records.iter().map(|r| {
                let mut row = vec![r.id.clone()];
                row.extend(columns.iter().map(|c| cell(r.fields.get(c))));
                row
            });
            write_table(&path, &header, rows)?;
            written.push(path);
        }
        let path = dir.join("logins.csv");
        let columns = field_names(self.logins.iter().map(|l| &l.fields));
        let mut header: Vec<String> = ["id", "email", "role", "active"].map(String::from).to_vec();
        header.extend(columns.iter().cloned());
        let rows = self.logins.iter().map(|l| {
            let mut row = vec![
                l.id.clone(),
                l.email.clone(),
                l.role.clone().unwrap_or_default(),
                l.active.to_string(),
            ];
            row.extend(columns.iter().map(|c| cell(l.fields.get(c))));
            row
        });
        write_table(&path, &header, rows)?;
        written.push(path);
        Ok(written)
    }
}

fn field_names<'a>(all: impl Iterator<Item = &'a crate::target::Fields>) -> Vec<String> {
    all.flat_map(|fields| fields.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A file name stem for a collection: letters, digits, `-` and `_` kept, anything else
/// replaced by `_`, and a numeric suffix when two names would share a file (`Staff`
/// versus `staff`, or a collection named `logins`).
fn unique_stem(name: &str, taken: &mut BTreeSet<String>) -> String {
    let base: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = if base.is_empty() {
        "collection".to_string()
    } else {
        base
    };
    let mut stem = base.clone();
    let mut n = 2;
    while !taken.insert(stem.to_lowercase()) {
        stem = format!("{base}-{n}");
        n += 1;
    }
    stem
}

fn write_table(
    path: &Path,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<()> {
    let fail = |e: csv::Error| sql_error("export csv", format!("{}: {e}", path.display()));
    let mut out = csv::Writer::from_path(path).map_err(fail)?;
    out.write_record(header).map_err(fail)?;
    for row in rows {
        out.write_record(&row).map_err(fail)?;
    }
    out.flush()
        .map_err(|e| sql_error("export csv", format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe_and_distinct() {
        let mut taken = BTreeSet::from(["logins".to_string()]);
        assert_eq!(unique_stem("People", &mut taken), "People");
        assert_eq!(unique_stem("people", &mut taken), "people-2");
        assert_eq!(unique_stem("Logins", &mut taken), "Logins-2");
        assert_eq!(unique_stem("../etc/passwd", &mut taken), "___etc_passwd");
        assert_eq!(unique_stem("", &mut taken), "collection");
    }

    #[test]
    fn cells_show_strings_plainly_and_other_values_as_json() {
        assert_eq!(cell(None), "");
        assert_eq!(cell(Some(&Value::Null)), "");
        assert_eq!(cell(Some(&Value::from("a, \"b\""))), "a, \"b\"");
        assert_eq!(cell(Some(&serde_json::json!(3))), "3");
        assert_eq!(cell(Some(&serde_json::json!(["x", 1]))), "[\"x\",1]");
    }
}
