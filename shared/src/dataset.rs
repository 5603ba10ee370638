//! Data files loaded at first start: users, reporting rounds and report
//! contents (the demo district, or a real district's initial load).

use crate::report::{ReportDoc, ReportError, ReportKey};
use crate::template::{FieldType, Template};
use crate::time::Timestamp;
use crate::value::Value;
use automerge::AutoCommit;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a user may do; applies to the whole subtree of the user's unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Fills in the reports of their unit.
    Officer,
    /// Reviews and consolidates the units below theirs.
    Reviewer,
    /// Reads everything below their unit.
    Viewer,
    /// Manages org units, users and templates.
    Admin,
}

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Login id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: UserRole,
    /// Org unit the user belongs to.
    pub unit: String,
}

/// A reporting round: a template to be reported for a period by the units
/// below `unit`, by a deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// Template id.
    pub template: String,
    /// Period id.
    pub period: String,
    /// The consolidating unit whose reporting units take part.
    pub unit: String,
    /// Submission deadline.
    #[serde(default)]
    pub deadline: Option<crate::date::Date>,
    /// Closed: its reports are locked, as approval locks them, until it is
    /// reopened.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
}

/// A report's content as written in a data file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportSeed {
    /// Template id.
    pub template: String,
    /// Org unit id.
    pub unit: String,
    /// Period id.
    pub period: String,
    /// Workflow status.
    #[serde(default)]
    pub status: Option<String>,
    /// Scalar fields.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// Records per records field.
    #[serde(default)]
    pub records: BTreeMap<String, Vec<BTreeMap<String, Value>>>,
    /// Narratives.
    #[serde(default)]
    pub narratives: BTreeMap<String, String>,
}

/// Users file: `[[users]]`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UsersFile {
    /// The users.
    pub users: Vec<User>,
}

/// Reports file: `[[rounds]]` and `[[reports]]`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReportsFile {
    /// Reporting rounds.
    #[serde(default)]
    pub rounds: Vec<Round>,
    /// Report contents.
    #[serde(default)]
    pub reports: Vec<ReportSeed>,
}

impl ReportSeed {
    /// The report's key.
    pub fn key(&self) -> ReportKey {
        ReportKey::new(&self.template, &self.unit, &self.period)
    }

    /// Writes the content into a new report document. Dates may be written
    /// dd/mm/yyyy or ISO; record ids come from `record_id(field, index)`.
    pub fn to_doc(
        &self,
        template: &Template,
        now: Timestamp,
        record_id: &dyn Fn(&str, usize) -> String,
    ) -> Result<AutoCommit, ReportError> {
        let mut doc = AutoCommit::new();
        let key = self.key();
        let mut r = ReportDoc::open(&mut doc, &key, template, now)?;
        for (field, v) in &self.fields {
            let v = normalise(template, field, None, v)?;
            r.set_field(field, Some(&v))?;
        }
        for (field, rows) in &self.records {
            for (i, row) in rows.iter().enumerate() {
                let id = record_id(field, i);
                r.add_record(field, &id)?;
                for (col, v) in row {
                    let v = normalise(template, field, Some(col), v)?;
                    r.set_record_value(field, &id, col, Some(&v))?;
                }
            }
        }
        for (field, text) in &self.narratives {
            r.set_narrative(field, text)?;
        }
        if let Some(s) = &self.status {
            r.set_status(s)?;
        }
        r.commit();
        Ok(doc)
    }
}

/// Dates in data files may be written either way; store them ISO.
fn normalise(
    template: &Template,
    field: &str,
    column: Option<&str>,
    v: &Value,
) -> Result<Value, ReportError> {
    let (f, _) = template
        .field(field)
        .ok_or_else(|| ReportError::UnknownField(field.into()))?;
    let ty = match (column, &f.ty) {
        (Some(c), FieldType::Records { columns, .. }) => {
            &columns
                .iter()
                .find(|x| x.id == c)
                .ok_or_else(|| ReportError::UnknownColumn {
                    field: field.into(),
                    column: c.into(),
                })?
                .ty
        }
        (_, ty) => ty,
    };
    Ok(match (ty, v) {
        (FieldType::Date, Value::Str(s)) => match s.parse::<crate::date::Date>() {
            Ok(d) => Value::Str(d.to_iso()),
            Err(_) => return Err(ReportError::WrongType(field.into())),
        },
        _ => v.clone(),
    })
}
