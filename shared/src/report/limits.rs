//! Values outside their field's limits never reach a figure.
//!
//! The phone lets an officer save a *draft* with a value her template does
//! not allow (it shows the error, [`crate::validate`]; only submission is
//! refused, [`crate::workflow::check_submission`]), and the server stores it
//! ([`super::shape`] judges types, not ranges). A reviewer consolidates drafts
//! too — a round is rarely complete — so every consolidation (the figures,
//! the district page, every export) first takes the [`admissible`] view of
//! each report: the view without the values that break their *hard rules*,
//! and says which it left out ([`Excluded::message`]), so that a −5.000 typed
//! by mistake neither lowers a district's total nor disappears unseen.
//!
//! The hard rules of a value are its field's (or record column's) own: the
//! type (a choice among its options, a date that parses, a finite number),
//! `min`/`max` and `max_len` — what `validate::check_value` judges with
//! `required == false`; this module adds no rule of its own. Not `required`
//! (a missing value is not counted anyway) and not the template's cross-field
//! `rules` ("villages with a cultural point ≤ villages"): either side of such
//! a rule may be the wrong one, so it blocks submission and nothing more.
//!
//! Values under ids the template does not have ([`super::migrate::retired`])
//! are not judged: no figure names them, so they are not counted anyway.

use super::view::ReportView;
use crate::template::{FieldType, Template};
use crate::validate::{IssueKind, check_value};
use crate::value::{Value, format_decimal_vi};
use serde::{Deserialize, Serialize};

/// One stored value a consolidation leaves out, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    /// The org unit whose report holds it.
    pub unit: String,
    /// Field id.
    pub field: String,
    /// Record id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The record's position in its list (1 for the oldest), for a record
    /// column: what a person finds the row by ("dòng 2").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// Column id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The stored value.
    pub value: Value,
    /// The hard rule it breaks (the first, when it breaks several).
    #[serde(flatten)]
    pub kind: IssueKind,
}

/// Every stored scalar field value and record column value of `view` that
/// breaks its hard rules, in template order (fields, then the rows of a
/// records field in list order, each row's columns in template order).
pub fn out_of_limits(template: &Template, view: &ReportView) -> Vec<Excluded> {
    let mut out = Vec::new();
    for (_, field) in template.fields() {
        match &field.ty {
            FieldType::Narrative => {}
            FieldType::Records { columns, .. } => {
                let rows = view.records.get(&field.id).map(Vec::as_slice);
                for (i, row) in rows.unwrap_or_default().iter().enumerate() {
                    for col in columns {
                        let Some(v) = row.values.get(&col.id) else {
                            continue;
                        };
                        if let Some(kind) = check_value(&col.ty, false, Some(v)).into_iter().next()
                        {
                            out.push(Excluded {
                                unit: view.unit.clone(),
                                field: field.id.clone(),
                                record: Some(row.id.clone()),
                                row: Some(i as u32 + 1),
                                column: Some(col.id.clone()),
                                value: v.clone(),
                                kind,
                            });
                        }
                    }
                }
            }
            ty => {
                let Some(v) = view.fields.get(&field.id) else {
                    continue;
                };
                if let Some(kind) = check_value(ty, false, Some(v)).into_iter().next() {
                    out.push(Excluded {
                        unit: view.unit.clone(),
                        field: field.id.clone(),
                        record: None,
                        row: None,
                        column: None,
                        value: v.clone(),
                        kind,
                    });
                }
            }
        }
    }
    out
}

/// The view a consolidation counts: `view` without the values
/// [`out_of_limits`] finds (a record keeps its other columns, so a training
/// class with an impossible participant count still counts as a class), and
/// the list of what was removed.
pub fn admissible(template: &Template, view: &ReportView) -> (ReportView, Vec<Excluded>) {
    let excluded = out_of_limits(template, view);
    let mut clean = view.clone();
    for x in &excluded {
        match (&x.record, &x.column) {
            (Some(record), Some(column)) => {
                if let Some(row) = clean
                    .records
                    .get_mut(&x.field)
                    .and_then(|rows| rows.iter_mut().find(|r| &r.id == record))
                {
                    row.values.remove(column);
                }
            }
            _ => {
                clean.fields.remove(&x.field);
            }
        }
    }
    (clean, excluded)
}

impl Excluded {
    /// The sentence a person reads, in Vietnamese (`en == false`) or English:
    /// "Xã Ba Điền: Số thôn, tổ dân phố = −5.000, ngoài 0–200, không tính".
    /// `unit_name` is the unit's display name (the caller has the org tree).
    /// Numbers are written the Vietnamese way in both languages, as
    /// everywhere in the app, with a real minus sign.
    pub fn message(&self, template: &Template, unit_name: &str, en: bool) -> String {
        let field = template.field(&self.field).map(|(f, _)| f);
        let pick = |vi: &str, en_label: Option<&str>| -> String {
            match en_label {
                Some(l) if en && !l.is_empty() => l.to_string(),
                _ => vi.to_string(),
            }
        };
        let field_label = field.map_or_else(
            || self.field.clone(),
            |f| pick(&f.label, f.label_en.as_deref()),
        );
        let column = match (field, &self.column) {
            (
                Some(crate::template::Field {
                    ty: FieldType::Records { columns, .. },
                    ..
                }),
                Some(c),
            ) => columns.iter().find(|col| &col.id == c),
            _ => None,
        };
        let ty = match (column, field) {
            (Some(col), _) => Some(&col.ty),
            (None, Some(f)) if self.column.is_none() => Some(&f.ty),
            _ => None,
        };
        let mut what = field_label;
        if let Some(row) = self.row {
            what.push_str(&if en {
                format!(" (row {row})")
            } else {
                format!(" (dòng {row})")
            });
        }
        if let Some(c) = &self.column {
            let label = column.map_or_else(
                || c.clone(),
                |col| pick(&col.label, col.label_en.as_deref()),
            );
            what.push_str(", ");
            what.push_str(&label);
        }
        let value = readable_value(&self.value);
        let limit = limit_text(&self.kind, ty, en);
        if en {
            format!("{unit_name}: {what} = {value}, {limit}, not counted")
        } else {
            format!("{unit_name}: {what} = {value}, {limit}, không tính")
        }
    }
}

/// Longest text shown in a message; a longer one ends in "…".
const SHOWN_CHARS: usize = 40;

/// A stored value as a person reads it: Vietnamese number conventions with a
/// real minus sign, dd/mm/yyyy dates, a long text cut short, a text in quotes.
fn readable_value(v: &Value) -> String {
    match v {
        Value::Int(_) | Value::Decimal(_) => minus(v.display_vi()),
        Value::Bool(_) => v.display_vi(),
        Value::Str(s) => {
            let shown = v.display_vi();
            if shown != *s {
                // A date, written dd/mm/yyyy.
                return shown;
            }
            let mut cut: String = s.chars().take(SHOWN_CHARS).collect();
            if s.chars().count() > SHOWN_CHARS {
                cut.push('…');
            }
            format!("\u{201c}{cut}\u{201d}")
        }
    }
}

/// A number in Vietnamese conventions with "−" (U+2212) for a negative one:
/// the hyphen of `format_decimal_vi` reads as a dash in a sentence.
fn number(v: f64) -> String {
    minus(format_decimal_vi(v))
}

fn minus(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// The broken limit: "ngoài 0–200" when the field has both bounds, "nhỏ hơn 0"
/// or "lớn hơn 200" when it has one, "dài quá 50 ký tự", "không có trong danh
/// sách lựa chọn" for a choice, "không đúng kiểu" for any other type.
fn limit_text(kind: &IssueKind, ty: Option<&FieldType>, en: bool) -> String {
    let bounds = match ty {
        Some(FieldType::Integer { min, max }) => (min.map(|m| m as f64), max.map(|m| m as f64)),
        Some(FieldType::Decimal { min, max }) => (*min, *max),
        _ => (None, None),
    };
    let range = |lo: f64, hi: f64| {
        if en {
            format!("outside {}–{}", number(lo), number(hi))
        } else {
            format!("ngoài {}–{}", number(lo), number(hi))
        }
    };
    match (kind, bounds) {
        (IssueKind::BelowMin { .. } | IssueKind::AboveMax { .. }, (Some(lo), Some(hi))) => {
            range(lo, hi)
        }
        (IssueKind::BelowMin { min }, _) if en => format!("below {}", number(*min)),
        (IssueKind::BelowMin { min }, _) => format!("nhỏ hơn {}", number(*min)),
        (IssueKind::AboveMax { max }, _) if en => format!("above {}", number(*max)),
        (IssueKind::AboveMax { max }, _) => format!("lớn hơn {}", number(*max)),
        (IssueKind::TooLong { max }, _) if en => format!("longer than {max} characters"),
        (IssueKind::TooLong { max }, _) => format!("dài quá {max} ký tự"),
        (IssueKind::WrongType, _) => match (ty, en) {
            (Some(FieldType::Choice { .. }), false) => "không có trong danh sách lựa chọn".into(),
            (Some(FieldType::Choice { .. }), true) => "not one of the options".into(),
            (_, false) => "không đúng kiểu".into(),
            (_, true) => "not of the field's type".into(),
        },
        // `check_value` with `required == false` gives neither; written out
        // so that a new kind is a compile error here, not a blank.
        (IssueKind::Required | IssueKind::Rule { .. }, _) if en => "not allowed".into(),
        (IssueKind::Required | IssueKind::Rule { .. }, _) => "không hợp lệ".into(),
    }
}

#[cfg(test)]
mod tests;
