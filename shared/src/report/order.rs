//! The order records are shown and listed in: by the records field's
//! `order_by` column (ascending; see [`crate::template::FieldType::Records`]),
//! the same on the phone's form, in the consolidated list and in the
//! spreadsheet export, so a document reads the same wherever it appears.
//!
//! Rows without a value in that column go last: they are usually the row
//! being typed, and an officer expects it under the rows already done, next
//! to the "add a row" button. Ties (and fields without `order_by`) keep the
//! order rows were added in, then the record id, so every device and the
//! server agree on one order.

use crate::report::Record;
use crate::template::{Field, FieldType, Template};
use crate::value::Value;
use std::cmp::Ordering;

/// The column that orders the records of `field`, if the template names one.
pub fn order_column<'t>(template: &'t Template, field: &str) -> Option<&'t str> {
    template.field(field).and_then(|(f, _)| order_of(f))
}

/// The `order_by` column of a records field (`None` for other fields).
pub fn order_of(field: &Field) -> Option<&str> {
    match &field.ty {
        FieldType::Records { order_by, .. } => order_by.as_deref(),
        _ => None,
    }
}

/// How two records compare when ordered by `column`.
pub fn compare(column: Option<&str>, a: &Record, b: &Record) -> Ordering {
    fn key<'r>(column: Option<&str>, r: &'r Record) -> Option<SortKey<'r>> {
        column.and_then(|c| r.values.get(c)).map(SortKey::of)
    }
    let by_value = match (key(column, a), key(column, b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_value
        .then_with(|| a.created.cmp(&b.created))
        .then_with(|| a.id.cmp(&b.id))
}

/// The records of `rows` in the order of `column`.
pub fn ordered<'r>(column: Option<&str>, rows: &'r [Record]) -> Vec<&'r Record> {
    let mut out: Vec<&Record> = rows.iter().collect();
    out.sort_by(|a, b| compare(column, a, b));
    out
}

/// Numbers order numerically, text (ISO dates, choice keys) lexically, and
/// numbers before text (a column holds one type; this only keeps a stray
/// value of another type from making the order depend on the input order).
#[derive(Debug, PartialEq)]
enum SortKey<'v> {
    Num(f64),
    Text(&'v str),
    Bool(bool),
}

impl<'v> SortKey<'v> {
    fn of(v: &'v Value) -> SortKey<'v> {
        match v {
            Value::Int(_) | Value::Decimal(_) => SortKey::Num(v.as_f64().unwrap_or_default()),
            Value::Str(s) => SortKey::Text(s),
            Value::Bool(b) => SortKey::Bool(*b),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            SortKey::Num(_) => 0,
            SortKey::Text(_) => 1,
            SortKey::Bool(_) => 2,
        }
    }

    fn cmp(&self, other: &SortKey<'_>) -> Ordering {
        match (self, other) {
            (SortKey::Num(x), SortKey::Num(y)) => x.total_cmp(y),
            (SortKey::Text(x), SortKey::Text(y)) => x.cmp(y),
            (SortKey::Bool(x), SortKey::Bool(y)) => x.cmp(y),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn row(id: &str, created: i64, date: Option<&str>) -> Record {
        let mut values = BTreeMap::new();
        if let Some(d) = date {
            values.insert("date".to_string(), Value::Str(d.to_string()));
        }
        values.insert("title".to_string(), Value::Str(format!("văn bản {id}")));
        Record {
            id: id.to_string(),
            created,
            values,
        }
    }

    fn ids(rows: Vec<&Record>) -> Vec<&str> {
        rows.into_iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn by_date_with_undated_rows_last_in_typing_order() {
        let rows = vec![
            row("a", 1, Some("2024-05-20")),
            row("b", 2, None),
            row("c", 3, Some("2024-01-15")),
            row("d", 4, Some("2024-03-01")),
            row("e", 5, None),
        ];
        assert_eq!(ids(ordered(Some("date"), &rows)), ["c", "d", "a", "b", "e"]);
        // Without an order column: typing order.
        assert_eq!(ids(ordered(None, &rows)), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn ties_keep_typing_order_then_id() {
        let rows = vec![
            row("z", 2, Some("2024-02-01")),
            row("y", 2, Some("2024-02-01")),
            row("x", 1, Some("2024-02-01")),
        ];
        assert_eq!(ids(ordered(Some("date"), &rows)), ["x", "y", "z"]);
    }

    #[test]
    fn numbers_order_numerically() {
        let num = |id: &str, n: i64| Record {
            id: id.into(),
            created: 0,
            values: BTreeMap::from([("n".to_string(), Value::Int(n))]),
        };
        let rows = vec![num("ten", 10), num("two", 2), num("half", 0)];
        assert_eq!(ids(ordered(Some("n"), &rows)), ["half", "two", "ten"]);
    }

    #[test]
    fn the_templates_order_column_is_found() {
        let t = crate::template::Template::from_toml(include_str!(
            "../../../templates/bao-ve-tre-em.toml"
        ))
        .expect("template");
        assert_eq!(order_column(&t, "documents"), Some("date"));
        assert_eq!(order_column(&t, "officers"), None);
        assert_eq!(order_column(&t, "no-such-field"), None);
    }
}
