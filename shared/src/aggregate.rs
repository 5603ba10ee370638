//! Consolidation: the figures of a district (or province) computed from the
//! reports of the units below it, as the template says.

use crate::report::{Record, ReportView};
use crate::template::{FieldType, Figure, FigureKind, Filter, Role, Scope, Template};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One unit's part in a consolidation: its role and its report, if it has one.
#[derive(Clone, Copy, Debug)]
pub struct Contribution<'a> {
    /// Org unit id.
    pub unit: &'a str,
    /// Reporting (commune) or consolidating (district).
    pub role: Role,
    /// Its report, `None` when not started.
    pub report: Option<&'a ReportView>,
}

/// A computed figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FigureValue {
    /// A sum or an average.
    Number {
        /// The value.
        value: f64,
    },
    /// A count out of the reporting units ("19/19 xã").
    Count {
        /// How many.
        count: u64,
        /// Out of.
        of: u64,
    },
    /// A ratio of two sums ("93/93 thôn").
    Ratio {
        /// Sum of the numerator field.
        numerator: f64,
        /// Sum of the denominator field.
        denominator: f64,
        /// numerator / denominator, when the denominator is not zero.
        value: Option<f64>,
    },
    /// Records summed per group.
    Groups {
        /// One entry per group value, in the order of the choice options.
        groups: Vec<Group>,
    },
    /// Records of every contributor, ordered.
    List {
        /// The records.
        items: Vec<ListItem>,
    },
}

/// One group of a [`FigureValue::Groups`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The grouping value.
    pub key: String,
    /// Its label (the choice label when the column is a choice).
    pub label: String,
    /// Number of records.
    pub records: u64,
    /// Column sums.
    pub sums: BTreeMap<String, f64>,
}

/// One record of a [`FigureValue::List`], with the unit that entered it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListItem {
    /// Org unit id.
    pub unit: String,
    /// The record.
    pub record: Record,
}

/// Every figure of the template, keyed by figure id.
pub fn compute(
    template: &Template,
    contributions: &[Contribution<'_>],
) -> BTreeMap<String, FigureValue> {
    template
        .all_figures()
        .iter()
        .map(|f| (f.id.clone(), compute_one(template, f, contributions)))
        .collect()
}

fn scope_of(template: &Template, field: &str) -> Scope {
    template.field(field).map(|(_, s)| s).unwrap_or_default()
}

/// Contributions whose role fills the field.
fn contributors<'c, 'a>(
    template: &Template,
    field: &str,
    all: &'c [Contribution<'a>],
) -> impl Iterator<Item = &'c Contribution<'a>> {
    let scope = scope_of(template, field);
    all.iter().filter(move |c| scope.includes(c.role))
}

fn reporting_units(all: &[Contribution<'_>]) -> u64 {
    all.iter().filter(|c| c.role == Role::Reporting).count() as u64
}

fn number(c: &Contribution<'_>, field: &str) -> Option<f64> {
    c.report?.fields.get(field).and_then(Value::as_f64)
}

fn sum(template: &Template, field: &str, all: &[Contribution<'_>]) -> f64 {
    total(contributors(template, field, all).filter_map(|c| number(c, field)))
}

/// The sum of `values`, `0` when there are none.
///
/// Not `Iterator::sum`: since Rust 1.81 the float sum of an empty iterator is
/// `-0.0` (the IEEE additive identity), which every formatter then writes as
/// "-0" — a district with no report yet would read "-0 cán bộ". Starting the
/// fold at `+0.0` gives `+0.0` for no values and the same result otherwise
/// (`0.0 + x == x` for every `x`, and `0.0 + -0.0 == 0.0`).
pub fn total(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().fold(0.0, |acc, v| acc + v)
}

fn matches(r: &Record, filter: &Option<Filter>) -> bool {
    filter.as_ref().is_none_or(|f| {
        r.values
            .get(&f.column)
            .and_then(Value::as_str)
            .is_some_and(|v| v == f.equals)
    })
}

fn compute_one(template: &Template, fig: &Figure, all: &[Contribution<'_>]) -> FigureValue {
    match &fig.kind {
        FigureKind::Sum { field } => FigureValue::Number {
            value: sum(template, field, all),
        },
        FigureKind::Average { field } => {
            let vals: Vec<f64> = contributors(template, field, all)
                .filter_map(|c| number(c, field))
                .collect();
            let value = if vals.is_empty() {
                0.0
            } else {
                total(vals.iter().copied()) / vals.len() as f64
            };
            FigureValue::Number { value }
        }
        FigureKind::CountYes { field } => FigureValue::Count {
            count: contributors(template, field, all)
                .filter(|c| {
                    c.report
                        .and_then(|r| r.fields.get(field))
                        .and_then(Value::as_bool)
                        == Some(true)
                })
                .count() as u64,
            of: contributors(template, field, all).count() as u64,
        },
        FigureKind::CountNonzero { field } => FigureValue::Count {
            count: contributors(template, field, all)
                .filter(|c| number(c, field).is_some_and(|v| v != 0.0))
                .count() as u64,
            of: contributors(template, field, all).count() as u64,
        },
        FigureKind::Ratio {
            numerator,
            denominator,
        } => {
            let n = sum(template, numerator, all);
            let d = sum(template, denominator, all);
            FigureValue::Ratio {
                numerator: n,
                denominator: d,
                value: (d != 0.0).then(|| n / d),
            }
        }
        FigureKind::Units => FigureValue::Count {
            count: reporting_units(all),
            of: reporting_units(all),
        },
        FigureKind::UnitsWithRecords { field, filter } => FigureValue::Count {
            count: all
                .iter()
                .filter(|c| c.role == Role::Reporting)
                .filter(|c| {
                    c.report
                        .and_then(|r| r.records.get(field))
                        .is_some_and(|rows| rows.iter().any(|r| matches(r, filter)))
                })
                .count() as u64,
            of: reporting_units(all),
        },
        FigureKind::RecordsSumBy {
            field,
            group_by,
            sum: cols,
            filter,
        } => {
            let mut groups: Vec<Group> = Vec::new();
            if let Some(FieldType::Choice { options }) = column_type(template, field, group_by) {
                for o in options {
                    groups.push(Group {
                        key: o.value.clone(),
                        label: o.label.clone(),
                        records: 0,
                        sums: cols.iter().map(|c| (c.clone(), 0.0)).collect(),
                    });
                }
            }
            for c in contributors(template, field, all) {
                let Some(rows) = c.report.and_then(|r| r.records.get(field)) else {
                    continue;
                };
                for r in rows.iter().filter(|r| matches(r, filter)) {
                    let key = r
                        .values
                        .get(group_by)
                        .map(Value::display_vi)
                        .unwrap_or_default();
                    let idx = match groups.iter().position(|g| g.key == key) {
                        Some(i) => i,
                        None => {
                            groups.push(Group {
                                key: key.clone(),
                                label: key,
                                records: 0,
                                sums: cols.iter().map(|c| (c.clone(), 0.0)).collect(),
                            });
                            groups.len() - 1
                        }
                    };
                    let g = &mut groups[idx];
                    g.records += 1;
                    for col in cols {
                        if let Some(v) = r.values.get(col).and_then(Value::as_f64) {
                            *g.sums.entry(col.clone()).or_default() += v;
                        }
                    }
                }
            }
            FigureValue::Groups { groups }
        }
        FigureKind::RecordsList {
            field,
            filter,
            from,
        } => {
            let mut items: Vec<ListItem> = contributors(template, field, all)
                .filter(|c| from.is_none_or(|f| f == c.role))
                .flat_map(|c| {
                    c.report
                        .and_then(|r| r.records.get(field))
                        .into_iter()
                        .flatten()
                        .filter(|r| matches(r, filter))
                        .map(|r| ListItem {
                            unit: c.unit.to_string(),
                            record: r.clone(),
                        })
                })
                .collect();
            let order_by = crate::report::order::order_column(template, field);
            items.sort_by(|a, b| {
                crate::report::order::compare(order_by, &a.record, &b.record)
                    .then_with(|| a.unit.cmp(&b.unit))
            });
            FigureValue::List { items }
        }
    }
}

fn column_type<'t>(template: &'t Template, field: &str, column: &str) -> Option<&'t FieldType> {
    match template.field(field)? {
        (
            crate::template::Field {
                ty: FieldType::Records { columns, .. },
                ..
            },
            _,
        ) => columns.iter().find(|c| c.id == column).map(|c| &c.ty),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_field_template() -> Template {
        Template::from_toml(
            r#"
id = "t"
version = 1
title = "T"
filled_by = "commune"
period = "year"
[[sections]]
id = "s"
title = "S"
[[sections.fields]]
id = "n"
label = "N"
type = "integer"
aggregate = "sum"
[[sections.fields]]
id = "x"
label = "X"
type = "decimal"
aggregate = "average"
"#,
        )
        .expect("template parses")
    }

    #[test]
    fn a_sum_over_no_values_is_zero_not_minus_zero() {
        assert!(total(std::iter::empty()).is_sign_positive());
        assert_eq!(format!("{}", total(std::iter::empty())), "0");
        assert_eq!(format!("{}", total([-0.0])), "0");
        assert_eq!(total([1.5, 2.0, -0.5]), 3.0);
        assert_eq!(total([-2.0]), -2.0);

        // Two communes without reports, and none at all: every number is +0.
        let t = one_field_template();
        let none = [
            Contribution {
                unit: "a",
                role: Role::Reporting,
                report: None,
            },
            Contribution {
                unit: "b",
                role: Role::Reporting,
                report: None,
            },
        ];
        for all in [&none[..], &[]] {
            let figures = compute(&t, all);
            for id in ["n", "x"] {
                match &figures[id] {
                    FigureValue::Number { value } => {
                        assert!(value.is_sign_positive(), "{id}: {value}");
                        assert_eq!(format!("{value}"), "0", "{id}");
                    }
                    other => panic!("{id}: {other:?}"),
                }
            }
        }
    }
}
