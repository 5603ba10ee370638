//! Templates at run time: added from a TOML file or a spreadsheet (.xlsx,
//! the XLSForm convention: [`crate::template_sheet`]), listed, shown and
//! exported. A new version of a template must keep what the old one's
//! reports hold ([`shared::Template::check_successor`]); it takes effect on
//! every server without a restart, and the old versions stay readable (the
//! sync policy and `check` still know them).

use super::{Actor, AdminError, Change, Result, begin, finish};
use crate::catalog::Catalog;
use crate::db::Pool;
use serde::Serialize;
use serde_json::json;
use shared::Template;

/// A template's file format, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// TOML (the format of `templates/`).
    Toml,
    /// A spreadsheet.
    Xlsx,
}

impl FileFormat {
    /// The format a file name's extension names.
    pub fn of(name: &str) -> Result<FileFormat> {
        let lower = name.to_lowercase();
        if lower.ends_with(".toml") {
            Ok(FileFormat::Toml)
        } else if lower.ends_with(".xlsx") {
            Ok(FileFormat::Xlsx)
        } else {
            Err(AdminError::Invalid(format!(
                "{name}: a template is a .toml or an .xlsx file"
            )))
        }
    }
}

/// Reads and checks a template file: the error names the line (TOML) or
/// the sheet and row (spreadsheet).
pub fn parse(name: &str, bytes: &[u8]) -> Result<Template> {
    match FileFormat::of(name)? {
        FileFormat::Toml => {
            let text = std::str::from_utf8(bytes)
                .map_err(|e| AdminError::Invalid(format!("{name}: not UTF-8 text: {e}")))?;
            Template::from_toml(text).map_err(|e| AdminError::Invalid(format!("{name}: {e}")))
        }
        FileFormat::Xlsx => crate::template_sheet::read(bytes)
            .map_err(|e| AdminError::Invalid(format!("{name}: {e}"))),
    }
}

/// Writes a template in a format.
pub fn write(t: &Template, format: FileFormat) -> Result<Vec<u8>> {
    match format {
        FileFormat::Toml => crate::template_sheet::to_toml(t)
            .map(String::into_bytes)
            .map_err(AdminError::Invalid),
        FileFormat::Xlsx => crate::template_sheet::write(t).map_err(AdminError::Invalid),
    }
}

/// What adding a template did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Added {
    /// Template id.
    pub id: String,
    /// Its version now.
    pub version: u32,
    /// The version it replaces, if it had one.
    pub replaces: Option<u32>,
}

/// Adds a template, or a new version of one.
pub async fn add(pool: &Pool, catalog: &Catalog, actor: &Actor, t: &Template) -> Result<Added> {
    actor.may_manage_all(catalog)?;
    let old = catalog.templates.get(&t.id);
    if let Some(old) = old {
        if old == t {
            return Err(AdminError::Conflict(format!(
                "template {:?} version {} is already the current one",
                t.id, t.version
            )));
        }
        t.check_successor(old)
            .map_err(|e| AdminError::Invalid(e.to_string()))?;
    }
    let mut tx = begin(pool).await?;
    crate::template_versions::record_one(&mut tx, t)
        .await
        .map_err(AdminError::Db)?;
    let change = Change {
        action: "template.add",
        target: &t.id,
        scope: None,
        before: old.map(|o| json!({ "version": o.version, "title": o.title })),
        after: Some(json!({ "version": t.version, "title": t.title })),
    };
    finish(tx, actor, change).await?;
    Ok(Added {
        id: t.id.clone(),
        version: t.version,
        replaces: old.map(|o| o.version),
    })
}

/// One template in a list.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    /// Template id.
    pub id: String,
    /// Current version.
    pub version: u32,
    /// Vietnamese title.
    pub title: String,
    /// The kind of unit that fills it in.
    pub filled_by: String,
    /// How often.
    pub period: shared::period::PeriodKind,
    /// Earlier versions still known.
    pub older_versions: Vec<u32>,
}

/// The templates served now.
pub fn list(catalog: &Catalog) -> Vec<Listed> {
    catalog
        .templates
        .values()
        .map(|t| Listed {
            id: t.id.clone(),
            version: t.version,
            title: t.title.clone(),
            filled_by: t.filled_by.clone(),
            period: t.period,
            older_versions: catalog
                .older
                .get(&t.id)
                .into_iter()
                .flatten()
                .map(|o| o.version)
                .collect(),
        })
        .collect()
}

/// A template by id: the current version, or an older one by number.
pub fn get<'c>(catalog: &'c Catalog, id: &str, version: Option<u32>) -> Result<&'c Template> {
    let current = catalog
        .templates
        .get(id)
        .ok_or_else(|| AdminError::NotFound(format!("no template {id:?}")))?;
    match version {
        None => Ok(current),
        Some(v) if v == current.version => Ok(current),
        Some(v) => catalog
            .older
            .get(id)
            .into_iter()
            .flatten()
            .rev()
            .find(|t| t.version == v)
            .ok_or_else(|| AdminError::NotFound(format!("template {id:?} has no version {v}"))),
    }
}
