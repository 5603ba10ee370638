//! Template versions: a report filled offline under an old version of its
//! template must keep every value when the phone meets the new version.
//!
//! - A **renamed** field declares its old ids (`renamed_from` in the template);
//!   [`renames`] finds the values still stored under an old id whose new place
//!   is empty, and [`crate::ReportDoc::migrate`] moves them there.
//! - A **removed** field's values stay in the document: [`retired`] lists every
//!   value stored under an id the template no longer has, for the form to show
//!   as "retired" (and for a reviewer to copy by hand if they still matter).
//!
//! Both are pure functions of the template and a [`ReportView`], so they are
//! tested without a document, and a report migrated twice (or by two phones)
//! ends the same: a move happens only while the new place is empty, and a
//! value that cannot move (its new place was filled meanwhile, or its type no
//! longer fits) is retired rather than dropped.

use super::view::{Record, ReportView};
use crate::template::{Field, FieldType, Template};
use crate::value::Value;
use std::collections::BTreeMap;

/// Which part of a report a value lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// A single value in the fields map.
    Scalar,
    /// The rows of a records field.
    Records,
    /// The text of a narrative field.
    Narrative,
}

/// One value to move from an old field id to the field that replaced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// Where the value lives.
    pub part: Part,
    /// The id it was stored under.
    pub from: String,
    /// The id of the field that is now its home.
    pub to: String,
}

/// Values stored under ids the template does not have (fields removed in a
/// later version, or old ids whose value could not move).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retired {
    /// Single values, by old id.
    pub fields: BTreeMap<String, Value>,
    /// Rows of old records fields, by old id.
    pub records: BTreeMap<String, Vec<Record>>,
    /// Texts of old narratives, by old id (empty texts are not listed).
    pub narratives: BTreeMap<String, String>,
}

impl Retired {
    /// True when nothing is retired.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.records.is_empty() && self.narratives.is_empty()
    }

    /// The number of retired values (a records field counts its rows).
    pub fn len(&self) -> usize {
        self.fields.len()
            + self.records.values().map(Vec::len).sum::<usize>()
            + self.narratives.len()
    }
}

/// The moves that bring `view` to `template`'s field ids, in template order.
pub fn renames(template: &Template, view: &ReportView) -> Vec<Move> {
    let mut out = Vec::new();
    for (_, field) in template.fields() {
        for old in &field.renamed_from {
            if let Some(part) = movable(field, old, view) {
                out.push(Move {
                    part,
                    from: old.clone(),
                    to: field.id.clone(),
                });
                // One old value fills the new place; later old ids are retired.
                break;
            }
        }
    }
    out
}

/// Whether the value under `old` can move into `field`, and from which part.
fn movable(field: &Field, old: &str, view: &ReportView) -> Option<Part> {
    match &field.ty {
        FieldType::Records { .. } => {
            let has_old = view.records.get(old).is_some_and(|r| !r.is_empty());
            let new_empty = view.records.get(&field.id).is_none_or(Vec::is_empty);
            (has_old && new_empty).then_some(Part::Records)
        }
        FieldType::Narrative => {
            let has_old = view.narratives.get(old).is_some_and(|t| !t.is_empty());
            let new_empty = view.narratives.get(&field.id).is_none_or(String::is_empty);
            (has_old && new_empty).then_some(Part::Narrative)
        }
        ty => {
            let value = view.fields.get(old)?;
            (!view.fields.contains_key(&field.id) && fits(ty, value)).then_some(Part::Scalar)
        }
    }
}

/// Whether a value stored under an old version is a valid value of `ty`.
pub(crate) fn fits(ty: &FieldType, v: &Value) -> bool {
    match (ty, v) {
        (FieldType::Integer { .. }, Value::Int(_)) => true,
        (FieldType::Decimal { .. }, Value::Int(_) | Value::Decimal(_)) => true,
        (FieldType::Bool, Value::Bool(_)) => true,
        (FieldType::Date, Value::Str(s)) => s.parse::<crate::date::Date>().is_ok(),
        (FieldType::Choice { options }, Value::Str(s)) => options.iter().any(|o| &o.value == s),
        (FieldType::Text { .. }, Value::Str(_)) => true,
        _ => false,
    }
}

/// Every value of `view` stored under an id that is not a field of `template`.
pub fn retired(template: &Template, view: &ReportView) -> Retired {
    let known = |id: &str| template.field(id).is_some();
    Retired {
        fields: view
            .fields
            .iter()
            .filter(|(id, _)| !known(id))
            .map(|(id, v)| (id.clone(), v.clone()))
            .collect(),
        records: view
            .records
            .iter()
            .filter(|(id, rows)| !known(id) && !rows.is_empty())
            .map(|(id, rows)| (id.clone(), rows.clone()))
            .collect(),
        narratives: view
            .narratives
            .iter()
            .filter(|(id, text)| !known(id) && !text.is_empty())
            .map(|(id, text)| (id.clone(), text.clone()))
            .collect(),
    }
}
