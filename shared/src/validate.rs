//! Validation from the template, identical on the phone (offline) and on the
//! server. Errors block submission; warnings do not.

use crate::report::ReportView;
use crate::template::{Field, FieldType, Operand, Role, Template};
use crate::value::Value;
use serde::{Deserialize, Serialize};

/// How serious an issue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission.
    Error,
    /// Shown, does not block.
    Warning,
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueKind {
    /// A required value is missing.
    Required,
    /// Below the minimum.
    BelowMin {
        /// The minimum.
        min: f64,
    },
    /// Above the maximum.
    AboveMax {
        /// The maximum.
        max: f64,
    },
    /// Longer than allowed.
    TooLong {
        /// Maximum characters.
        max: u32,
    },
    /// A stored value of the wrong type (e.g. written by another client).
    WrongType,
    /// A template rule does not hold.
    Rule {
        /// Rule id.
        id: String,
        /// Vietnamese message.
        message: String,
        /// English message.
        message_en: Option<String>,
    },
}

/// One validation finding, attached to a field (and record column).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Field id.
    pub field: String,
    /// Record id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Column id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    #[serde(flatten)]
    pub kind: IssueKind,
}

impl Issue {
    /// The message in Vietnamese (`en == false`) or English.
    pub fn message(&self, en: bool) -> String {
        let num = |v: f64| crate::value::format_decimal_vi(v);
        match (&self.kind, en) {
            (IssueKind::Required, false) => "Chưa nhập (bắt buộc)".into(),
            (IssueKind::Required, true) => "Required".into(),
            (IssueKind::BelowMin { min }, false) => format!("Không được nhỏ hơn {}", num(*min)),
            (IssueKind::BelowMin { min }, true) => format!("Must be at least {min}"),
            (IssueKind::AboveMax { max }, false) => format!("Không được lớn hơn {}", num(*max)),
            (IssueKind::AboveMax { max }, true) => format!("Must be at most {max}"),
            (IssueKind::TooLong { max }, false) => format!("Dài quá {max} ký tự"),
            (IssueKind::TooLong { max }, true) => format!("Longer than {max} characters"),
            (IssueKind::WrongType, false) => "Giá trị không đúng kiểu".into(),
            (IssueKind::WrongType, true) => "Value of the wrong type".into(),
            (IssueKind::Rule { message, .. }, false) => message.clone(),
            (
                IssueKind::Rule {
                    message,
                    message_en,
                    ..
                },
                true,
            ) => message_en.clone().unwrap_or_else(|| message.clone()),
        }
    }
}

/// All issues of a report filled by a unit in `role`.
pub fn validate(template: &Template, view: &ReportView, role: Role) -> Vec<Issue> {
    let mut out = Vec::new();
    for (section, field) in template.fields() {
        if !section.scope.includes(role) {
            continue;
        }
        let issue = |kind, severity| Issue {
            field: field.id.clone(),
            record: None,
            column: None,
            severity,
            kind,
        };
        match &field.ty {
            FieldType::Narrative => {
                let empty = view
                    .narratives
                    .get(&field.id)
                    .is_none_or(|t| t.trim().is_empty());
                if field.required && empty {
                    out.push(issue(IssueKind::Required, Severity::Error));
                }
            }
            FieldType::Records { columns, .. } => {
                let rows = view
                    .records
                    .get(&field.id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                if field.required && rows.is_empty() {
                    out.push(issue(IssueKind::Required, Severity::Error));
                }
                for row in rows {
                    for col in columns {
                        let v = row.values.get(&col.id);
                        for kind in check_value(&col.ty, col.required, v) {
                            out.push(Issue {
                                field: field.id.clone(),
                                record: Some(row.id.clone()),
                                column: Some(col.id.clone()),
                                severity: Severity::Error,
                                kind,
                            });
                        }
                    }
                }
            }
            ty => {
                for kind in check_value(ty, field.required, view.fields.get(&field.id)) {
                    out.push(issue(kind, Severity::Error));
                }
            }
        }
    }
    for rule in &template.rules {
        let in_scope = |id: &str| {
            template
                .fields()
                .any(|(s, f)| f.id == id && s.scope.includes(role))
        };
        if !in_scope(&rule.left) {
            continue;
        }
        let Some(left) = view.fields.get(&rule.left).and_then(Value::as_f64) else {
            continue;
        };
        let right = match &rule.right {
            Operand::Number(n) => Some(*n),
            Operand::Field(f) => view.fields.get(f).and_then(Value::as_f64),
        };
        if let Some(right) = right
            && !rule.op.holds(left, right)
        {
            out.push(Issue {
                field: rule.left.clone(),
                record: None,
                column: None,
                severity: if rule.warning {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                kind: IssueKind::Rule {
                    id: rule.id.clone(),
                    message: rule.message.clone(),
                    message_en: rule.message_en.clone(),
                },
            });
        }
    }
    out
}

/// True when nothing blocks submission.
pub fn can_submit(issues: &[Issue]) -> bool {
    issues.iter().all(|i| i.severity != Severity::Error)
}

/// Whether a stored value keeps its field's own rules (type, options,
/// `min`/`max`, `max_len`, a real date) — what a figure may count. Not
/// `required`, nor the template's rules between fields.
pub fn within_limits(ty: &FieldType, v: &Value) -> bool {
    check_value(ty, false, Some(v)).is_empty()
}

/// Everything wrong with one stored value of type `ty`: its type, range,
/// length and (when `required`) presence. With `required == false` these are
/// the value's *hard rules*, the ones [`crate::report::limits`] holds every
/// counted value to.
pub(crate) fn check_value(ty: &FieldType, required: bool, v: Option<&Value>) -> Vec<IssueKind> {
    let Some(v) = v else {
        return if required {
            vec![IssueKind::Required]
        } else {
            vec![]
        };
    };
    let mut out = Vec::new();
    let range = |x: f64, min: Option<f64>, max: Option<f64>, out: &mut Vec<IssueKind>| {
        if let Some(m) = min
            && x < m
        {
            out.push(IssueKind::BelowMin { min: m });
        }
        if let Some(m) = max
            && x > m
        {
            out.push(IssueKind::AboveMax { max: m });
        }
    };
    match ty {
        FieldType::Integer { min, max } => match v.as_i64() {
            Some(x) => range(
                x as f64,
                min.map(|m| m as f64),
                max.map(|m| m as f64),
                &mut out,
            ),
            None => out.push(IssueKind::WrongType),
        },
        // A stored NaN or infinity is no number a person typed: it would
        // make every sum it enters NaN.
        FieldType::Decimal { min, max } => match v.as_f64().filter(|x| x.is_finite()) {
            Some(x) => range(x, *min, *max, &mut out),
            None => out.push(IssueKind::WrongType),
        },
        FieldType::Bool => {
            if v.as_bool().is_none() {
                out.push(IssueKind::WrongType)
            }
        }
        FieldType::Date => {
            if v.as_date().is_none() {
                out.push(IssueKind::WrongType)
            }
        }
        FieldType::Choice { options } => {
            if !v
                .as_str()
                .is_some_and(|s| options.iter().any(|o| o.value == s))
            {
                out.push(IssueKind::WrongType)
            }
        }
        FieldType::Text { max_len } => match v.as_str() {
            Some(s) => {
                if required && s.trim().is_empty() {
                    out.push(IssueKind::Required);
                }
                if let Some(m) = max_len
                    && s.chars().count() > *m as usize
                {
                    out.push(IssueKind::TooLong { max: *m });
                }
            }
            None => out.push(IssueKind::WrongType),
        },
        FieldType::Narrative | FieldType::Records { .. } => {}
    }
    out
}

/// Number of fields in scope that are done, and how many there are — the
/// "12/40 mục đã nhập" progress shown on the phone.
///
/// An optional records list with no rows counts as done: empty is the only
/// way to answer "no training was held, no document was issued this
/// period", so it is a finished answer, and an officer who has filled in
/// everything else expects "40/40", not a missing item she cannot supply.
/// (Not counting it instead would make the total jump when she adds the
/// first row.) A required list still needs a row.
pub fn progress(template: &Template, view: &ReportView, role: Role) -> (usize, usize) {
    let mut filled = 0;
    let mut total = 0;
    for (section, field) in template.fields() {
        if !section.scope.includes(role) {
            continue;
        }
        total += 1;
        if is_filled(field, view) {
            filled += 1;
        }
    }
    (filled, total)
}

fn is_filled(field: &Field, view: &ReportView) -> bool {
    match field.ty {
        FieldType::Narrative => view
            .narratives
            .get(&field.id)
            .is_some_and(|t| !t.trim().is_empty()),
        FieldType::Records { .. } => {
            !field.required || view.records.get(&field.id).is_some_and(|r| !r.is_empty())
        }
        _ => view.fields.contains_key(&field.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Record;

    fn template() -> Template {
        Template::from_toml(include_str!("../../templates/bao-ve-tre-em.toml")).expect("template")
    }

    fn is_list(f: &Field) -> bool {
        matches!(f.ty, FieldType::Records { .. })
    }

    #[test]
    fn an_empty_optional_records_list_counts_as_done() {
        let t = template();
        let lists: Vec<&Field> = t
            .fields()
            .filter(|(s, f)| s.scope.includes(Role::Reporting) && is_list(f))
            .map(|(_, f)| f)
            .collect();
        assert!(lists.len() >= 2 && lists.iter().all(|f| !f.required));
        let empty = ReportView::default();
        let (filled, total) = progress(&t, &empty, Role::Reporting);
        assert_eq!(
            filled,
            lists.len(),
            "only the empty optional lists are done"
        );
        assert!(total > filled);

        // With a row it still counts once.
        let mut one_row = empty.clone();
        one_row.records.insert(
            lists[0].id.clone(),
            vec![Record {
                id: "r1".into(),
                created: 1,
                values: Default::default(),
            }],
        );
        assert_eq!(progress(&t, &one_row, Role::Reporting), (filled, total));
    }

    #[test]
    fn a_required_records_list_needs_a_row() {
        let mut t = template();
        for s in &mut t.sections {
            for f in &mut s.fields {
                if is_list(f) {
                    f.required = true;
                }
            }
        }
        let (filled, _) = progress(&t, &ReportView::default(), Role::Reporting);
        assert_eq!(filled, 0);
    }
}
