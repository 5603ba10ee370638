//! Exports of a reporting round: the consolidated report as .docx (Nghị định
//! 30/2020 layout), as a print view (HTML for A4) and as plain text or JSON,
//! and the underlying data of every unit as .xlsx and CSV.
//!
//! Loading is async (SQLite); rendering is plain synchronous code over a
//! [`RoundData`] snapshot, so the HTTP route runs it on the blocking pool and
//! the CLI calls it directly. The wording and the figures come from
//! `shared::report_text`; nothing here decides what the report says.

mod csv;
mod docx;
mod html;
mod xlsx;

use crate::catalog::Catalog;
use crate::db::Pool;
use crate::http::error::AppError;
use crate::round::{self, RoundError, admit};
use shared::aggregate::{Contribution, FigureValue, compute};
use shared::report::Excluded;
use shared::report_text::{Document, RenderInput, render};
use shared::review::Progress;
use shared::template::{FieldType, Role, Section};
use shared::{Date, OrgUnit, Period, ReportView, Template, Value};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The report as a Word document.
    Docx,
    /// All units' data as a workbook.
    Xlsx,
    /// All units' fields as CSV (UTF-8 with BOM).
    Csv,
    /// The report as an A4 print view.
    Html,
    /// The report as plain text.
    Txt,
    /// The report as a structured document (what the exporters consume).
    Json,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Format, String> {
        Ok(match s {
            "docx" => Format::Docx,
            "xlsx" => Format::Xlsx,
            "csv" => Format::Csv,
            "html" => Format::Html,
            "txt" => Format::Txt,
            "json" => Format::Json,
            _ => {
                return Err(format!(
                    "unknown format {s:?}: use docx, xlsx, csv, html, txt or json"
                ));
            }
        })
    }
}

impl Format {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Txt => "txt",
            Format::Json => "json",
        }
    }

    /// MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Txt => "text/plain; charset=utf-8",
            Format::Json => "application/json",
        }
    }

    /// Whether a browser should download it rather than show it.
    pub fn is_download(self) -> bool {
        matches!(self, Format::Docx | Format::Xlsx | Format::Csv)
    }
}

/// One unit taking part in a round, with its report if it has one.
#[derive(Clone, Debug)]
pub struct UnitReport {
    /// The unit.
    pub unit: OrgUnit,
    /// Reporting (commune) or consolidating (district).
    pub role: Role,
    /// Its merged report as consolidations count it: without the values
    /// outside their field's limits ([`RoundData::excluded`] lists them), so
    /// that no table shows such a value as if it counted.
    pub view: Option<ReportView>,
}

/// Everything an export of one round needs, read once.
#[derive(Clone, Debug)]
pub struct RoundData {
    /// Org units, templates.
    pub catalog: Arc<Catalog>,
    /// The round's units as they were when it was opened (their names and
    /// places in the tree then).
    pub tree: shared::OrgTree,
    /// Template id.
    pub template: String,
    /// The consolidating unit.
    pub unit: OrgUnit,
    /// The period.
    pub period: Period,
    /// Reporting units in org order, then the consolidating units.
    pub units: Vec<UnitReport>,
    /// The consolidated figures.
    pub figures: BTreeMap<String, FigureValue>,
    /// The values left out of the figures and of `units` (outside their
    /// field's limits), in unit order.
    pub excluded: Vec<Excluded>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The .docx writer failed.
    #[error("writing the .docx: {0}")]
    Docx(String),
    /// The document could not be written as JSON.
    #[error("writing JSON: {0}")]
    Json(String),
    /// The .xlsx writer failed.
    #[error("writing the .xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

/// Reads the round: every participating unit's merged report (as projected
/// when it was last saved, without its values outside their field's limits)
/// and the figures.
pub async fn load(
    pool: &Pool,
    catalog: Arc<Catalog>,
    template: &str,
    period: &str,
    unit: &str,
) -> Result<RoundData, RoundError> {
    let (scope, period) = round::scope(&catalog, template, period, unit)?;
    let t = scope.template;
    let (reporting, consolidating) = scope.participants();
    // From the projection, like the figures: one query for the whole round.
    let mut views = crate::store::round_views(pool, template, &period.id()).await?;
    let all = reporting
        .iter()
        .chain(&consolidating)
        .map(|x| x.id.as_str());
    let excluded = admit(t, &mut views, all);
    let mut units = Vec::new();
    for (list, role) in [
        (&reporting, Role::Reporting),
        (&consolidating, Role::Consolidating),
    ] {
        for x in list.iter() {
            units.push(UnitReport {
                unit: (*x).clone(),
                role,
                view: views.remove(&x.id),
            });
        }
    }
    let contributions: Vec<Contribution<'_>> = units
        .iter()
        .map(|x| Contribution {
            unit: &x.unit.id,
            role: x.role,
            report: x.view.as_ref(),
        })
        .collect();
    let figures = compute(t, &contributions);
    let unit = scope.unit.clone();
    let tree = scope.tree.clone();
    Ok(RoundData {
        tree,
        catalog: catalog.clone(),
        template: template.to_string(),
        unit,
        period,
        units,
        figures,
        excluded,
    })
}

impl RoundData {
    /// The template.
    pub fn template(&self) -> &Template {
        &self.catalog.templates[&self.template]
    }

    /// The consolidating unit's own report.
    pub fn own(&self) -> Option<&ReportView> {
        self.units
            .iter()
            .find(|u| u.unit.id == self.unit.id)
            .and_then(|u| u.view.as_ref())
    }

    /// The consolidated report, as of `today`.
    pub fn document(&self, today: Date) -> Document {
        render(&RenderInput {
            template: self.template(),
            tree: &self.tree,
            unit: &self.unit.id,
            period: &self.period,
            figures: &self.figures,
            own: self.own(),
            today,
            excluded: &self.excluded,
        })
    }

    /// The sentence of each excluded value, in Vietnamese ("Xã Ba Điền: Số
    /// thôn, tổ dân phố = −5.000, ngoài 0–200, không tính"), with its unit's
    /// name.
    pub fn excluded_messages(&self) -> Vec<(&Excluded, String)> {
        self.excluded
            .iter()
            .map(|x| {
                let name = self.unit_name(&x.unit);
                (x, x.message(self.template(), name, false))
            })
            .collect()
    }

    /// A unit's display name (its id when the tree does not have it).
    pub fn unit_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.tree.get(id).map_or(id, |u| u.name.as_str())
    }

    /// The units that fill a section in.
    pub fn units_of(&self, section: &Section) -> impl Iterator<Item = &UnitReport> {
        self.units
            .iter()
            .filter(move |u| section.scope.includes(u.role))
    }

    /// A suggested file name: `bao-ve-tre-em_2024-H1_huyen-ba-to.docx`.
    pub fn file_name(&self, format: Format) -> String {
        format!(
            "{}_{}_{}.{}",
            self.template,
            self.period.id(),
            self.unit.id,
            format.extension()
        )
    }

    /// Writes the export.
    pub fn export(&self, format: Format, today: Date) -> std::result::Result<Vec<u8>, ExportError> {
        Ok(match format {
            Format::Docx => docx::write(&self.document(today))?,
            Format::Html => html::write(&self.document(today)).into_bytes(),
            Format::Txt => self.document(today).plain_text().into_bytes(),
            Format::Json => serde_json::to_vec_pretty(&self.document(today))
                .map_err(|e| ExportError::Json(e.to_string()))?,
            Format::Xlsx => xlsx::write(self, &self.document(today))?,
            Format::Csv => csv::write(self),
        })
    }
}

/// Workflow status as a person reads it: the words of the web app
/// ([`Progress::label_vi`]), so "Đã nộp" on screen is "Đã nộp" in the file.
pub(crate) fn status_label(u: &UnitReport) -> &'static str {
    match &u.view {
        None => Progress::NotStarted,
        Some(v) => Progress::of(v.status.as_deref()),
    }
    .label_vi()
}

/// A stored value as a person reads it: choice labels, dd/mm/yyyy dates,
/// Có/Không.
pub(crate) fn display(ty: &FieldType, v: &Value) -> String {
    match (ty, v) {
        (FieldType::Choice { options }, Value::Str(s)) => options
            .iter()
            .find(|o| o.value == *s)
            .map_or_else(|| s.clone(), |o| o.label.clone()),
        _ => v.display_vi(),
    }
}

/// Today in Vietnam (UTC+7), the date a report generated now carries.
pub fn today_vn() -> Date {
    let ms = crate::db::now_ms() + 7 * 3_600_000;
    Date::from_days_since_epoch(ms.div_euclid(86_400_000))
}

/// A field's consolidated total, when it aggregates to one number: the sum,
/// the average, or the count of units (yes / non-zero).
pub(crate) fn total(data: &RoundData, field: &shared::template::Field) -> Option<f64> {
    field.aggregate?;
    match data.figures.get(&field.id)? {
        FigureValue::Number { value } => Some(*value),
        FigureValue::Count { count, .. } => Some(*count as f64),
        _ => None,
    }
}
