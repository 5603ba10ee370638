//! Administration: org units and users, one at a time or imported from CSV
//! files (UTF-8, Vietnamese names; a byte-order mark is accepted). An import
//! takes every good row and reports every bad one with its line number.

use crate::auth::{parse_role, password, session};
use crate::db::Pool;
use std::collections::BTreeSet;

/// A new org unit.
#[derive(Clone, Debug)]
pub struct NewUnit {
    /// Id (letters, digits, `-`).
    pub id: String,
    /// Name, e.g. "Xã Ba Bích".
    pub name: String,
    /// Kind, e.g. province, district, commune, village.
    pub kind: String,
    /// Parent unit id; none for a root.
    pub parent: Option<String>,
}

/// A new user.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Login id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// officer, reviewer, viewer or admin.
    pub role: String,
    /// Org unit id.
    pub unit: String,
    /// Initial password.
    pub password: String,
}

fn check_id(what: &str, id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} id {id:?} must be 1–64 lowercase letters, digits, '-' or '_'"
        ))
    }
}

async fn unit_exists(pool: &Pool, id: &str) -> Result<bool, String> {
    let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM org_units WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok(n.0 > 0)
}

/// Adds an org unit.
pub async fn add_unit(pool: &Pool, u: &NewUnit) -> Result<(), String> {
    check_id("unit", &u.id)?;
    if u.name.trim().is_empty() || u.kind.trim().is_empty() {
        return Err("a unit needs a name and a kind".into());
    }
    if unit_exists(pool, &u.id).await? {
        return Err(format!("unit {:?} exists already", u.id));
    }
    if let Some(p) = &u.parent
        && !unit_exists(pool, p).await?
    {
        return Err(format!("parent unit {p:?} does not exist"));
    }
    sqlx::query(
        "INSERT INTO org_units (id, name, kind, parent, pos) \
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(pos), -1) + 1 FROM org_units))",
    )
    .bind(&u.id)
    .bind(u.name.trim())
    .bind(u.kind.trim())
    .bind(&u.parent)
    .execute(pool)
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// Adds a user with a password.
pub async fn add_user(pool: &Pool, u: &NewUser) -> Result<(), String> {
    check_id("user", &u.id)?;
    let role = parse_role(&u.role).ok_or_else(|| {
        format!(
            "role {:?} is not officer, reviewer, viewer or admin",
            u.role
        )
    })?;
    if u.name.trim().is_empty() {
        return Err("a user needs a name".into());
    }
    if !unit_exists(pool, &u.unit).await? {
        return Err(format!("unit {:?} does not exist", u.unit));
    }
    let exists: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(&u.id)
        .fetch_one(pool)
        .await
        .map_err(|e| e.to_string())?;
    if exists.0 > 0 {
        return Err(format!("user {:?} exists already", u.id));
    }
    let hash = password::hash(&u.password)?;
    let role = serde_json::to_value(role).map_err(|e| e.to_string())?;
    sqlx::query(
        "INSERT INTO users (id, name, role, unit, password_hash) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&u.id)
    .bind(u.name.trim())
    .bind(role.as_str().unwrap_or_default())
    .bind(&u.unit)
    .bind(hash)
    .execute(pool)
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// Sets a new password and ends the user's sessions.
pub async fn reset_password(pool: &Pool, id: &str, new: &str) -> Result<(), String> {
    let hash = password::hash(new)?;
    let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(pool)
        .await
        .map_err(|e| e.to_string())?;
    if r.rows_affected() == 0 {
        return Err(format!("no user {id:?}"));
    }
    session::expire_user(pool, id, crate::db::now_ms())
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

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

/// Imports org units from CSV `id,name,kind,parent` (parents before children).
pub async fn import_units(pool: &Pool, text: &str) -> ImportReport {
    let mut report = ImportReport::default();
    for (line, f) in rows(text, &["id", "name", "kind", "parent"], &mut report) {
        let unit = NewUnit {
            id: f[0].clone(),
            name: f[1].clone(),
            kind: f[2].clone(),
            parent: Some(f[3].clone()).filter(|p| !p.is_empty()),
        };
        match add_unit(pool, &unit).await {
            Ok(()) => report.imported += 1,
            Err(e) => report.errors.push((line, e)),
        }
    }
    report
}

/// Imports users from CSV `id,name,role,unit,password`.
pub async fn import_users(pool: &Pool, text: &str) -> ImportReport {
    let mut report = ImportReport::default();
    let mut seen = BTreeSet::new();
    for (line, f) in rows(
        text,
        &["id", "name", "role", "unit", "password"],
        &mut report,
    ) {
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
        match add_user(pool, &user).await {
            Ok(()) => report.imported += 1,
            Err(e) => report.errors.push((line, e)),
        }
    }
    report
}
