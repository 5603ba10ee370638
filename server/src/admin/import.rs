//! Imports of org units and users from CSV files (UTF-8, Vietnamese names; a
//! byte-order mark is accepted). An import takes every good row and reports
//! every bad one with its line number; each row taken is an action of its
//! own in the audit trail.

use super::units::{NewUnit, add_unit};
use super::users::{NewUser, add_user};
use super::{Actor, AdminError};
use crate::catalog::Catalog;
use crate::db::Pool;
use shared::OrgTree;
use std::collections::BTreeSet;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Rows stored.
    pub imported: usize,
    /// Rows refused: (line number in the file, why).
    pub errors: Vec<(usize, String)>,
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// Rows of a CSV file with the given header, as (line, fields); rows that
/// cannot be read are reported.
fn rows(text: &str, header: &[&str], report: &mut ImportReport) -> Vec<(usize, Vec<String>)> {
    let mut r = reader(text);
    let got: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(e) => {
            report
                .errors
                .push((1, format!("cannot read the header: {e}")));
            return Vec::new();
        }
    };
    if got.iter().map(String::as_str).collect::<Vec<_>>() != header {
        report.errors.push((
            1,
            format!(
                "the header must be {}, not {}",
                header.join(","),
                got.join(",")
            ),
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for rec in r.records() {
        match rec {
            Ok(rec) => {
                let line = rec.position().map_or(0, |p| p.line() as usize);
                if rec.len() != header.len() {
                    report.errors.push((
                        line,
                        format!("{} fields instead of {}", rec.len(), header.len()),
                    ));
                    continue;
                }
                out.push((line, rec.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                report.errors.push((line, e.to_string()));
            }
        }
    }
    out
}

fn progress(done: usize, total: usize) {
    if done.is_multiple_of(500) || done == total {
        eprintln!("{done}/{total} rows");
    }
}

/// Imports org units from CSV `id,name,kind,parent` (parents before children).
pub async fn import_units(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    text: &str,
) -> ImportReport {
    let mut report = ImportReport::default();
    // Later rows name earlier ones as their parent: the tree grows as rows
    // are taken.
    let mut catalog = catalog.clone();
    let rows = rows(text, &["id", "name", "kind", "parent"], &mut report);
    let total = rows.len();
    for (n, (line, f)) in rows.into_iter().enumerate() {
        let unit = NewUnit {
            id: f[0].clone(),
            name: f[1].clone(),
            kind: f[2].clone(),
            parent: Some(f[3].clone()).filter(|p| !p.is_empty()),
        };
        match add_unit(pool, &catalog, actor, &unit).await {
            Ok(()) => {
                report.imported += 1;
                let mut units = catalog.tree.units().to_vec();
                units.push(shared::OrgUnit {
                    id: unit.id,
                    name: unit.name,
                    kind: unit.kind,
                    parent: unit.parent,
                    closed: false,
                });
                match OrgTree::from_units(units) {
                    Ok(t) => catalog.tree = t,
                    Err(e) => report.errors.push((line, e.to_string())),
                }
            }
            Err(e) => report.errors.push((line, message(e))),
        }
        progress(n + 1, total);
    }
    report
}

fn message(e: AdminError) -> String {
    e.to_string()
}

/// Imports users from CSV `id,name,role,unit,password`.
pub async fn import_users(
    pool: &Pool,
    catalog: &Catalog,
    actor: &Actor,
    text: &str,
) -> ImportReport {
    let mut report = ImportReport::default();
    let mut seen = BTreeSet::new();
    let rows = rows(
        text,
        &["id", "name", "role", "unit", "password"],
        &mut report,
    );
    let total = rows.len();
    for (n, (line, f)) in rows.into_iter().enumerate() {
        progress(n + 1, total);
        if !seen.insert(f[0].clone()) {
            report
                .errors
                .push((line, format!("user {:?} appears twice in the file", f[0])));
            continue;
        }
        let user = NewUser {
            id: f[0].clone(),
            name: f[1].clone(),
            role: f[2].clone(),
            unit: f[3].clone(),
            password: f[4].clone(),
        };
        match add_user(pool, catalog, actor, &user).await {
            Ok(()) => report.imported += 1,
            Err(e) => report.errors.push((line, message(e))),
        }
    }
    report
}
