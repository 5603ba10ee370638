use super::*;
use crate::aggregate::{Contribution, FigureValue, compute};
use crate::report::Record;
use crate::template::Role;
use std::collections::BTreeMap;

fn child_protection() -> Template {
    Template::from_toml(include_str!("../../../../templates/bao-ve-tre-em.toml")).expect("template")
}

/// Every type, one bound or two, a records field with typed columns.
const SMALL: &str = r#"
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
label = "Số lớp"
label_en = "Classes"
type = "integer"
min = 0
max = 200
aggregate = "sum"
[[sections.fields]]
id = "low"
label = "Chỉ có tối thiểu"
type = "integer"
min = 0
aggregate = "sum"
[[sections.fields]]
id = "high"
label = "Chỉ có tối đa"
type = "decimal"
max = 200.0
aggregate = "sum"
[[sections.fields]]
id = "b"
label = "B"
type = "bool"
aggregate = "count_yes"
[[sections.fields]]
id = "day"
label = "Ngày"
type = "date"
[[sections.fields]]
id = "c"
label = "Chọn"
type = "choice"
options = [{ value = "x", label = "X" }]
[[sections.fields]]
id = "note"
label = "Ghi chú"
type = "text"
max_len = 5
[[sections.fields]]
id = "rows"
label = "Các lớp"
label_en = "Classes held"
type = "records"
aggregate = "list"
[[sections.fields.columns]]
id = "who"
label = "Đơn vị"
type = "choice"
options = [{ value = "xa", label = "Xã" }]
[[sections.fields.columns]]
id = "people"
label = "Số người"
label_en = "People"
type = "integer"
min = 0
max = 1000
"#;

fn small() -> Template {
    Template::from_toml(SMALL).expect("template")
}

fn view(unit: &str, fields: &[(&str, Value)]) -> ReportView {
    ReportView {
        template: "t".into(),
        unit: unit.into(),
        period: "2024".into(),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..Default::default()
    }
}

fn row(id: &str, created: i64, values: &[(&str, Value)]) -> Record {
    Record {
        id: id.into(),
        created,
        values: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn s(x: &str) -> Value {
    Value::Str(x.into())
}

#[test]
fn in_limit_values_are_all_admissible() {
    let t = small();
    let mut v = view(
        "a",
        &[
            ("n", Value::Int(200)),
            ("low", Value::Int(0)),
            ("high", Value::Decimal(-3.5)),
            ("b", Value::Bool(true)),
            ("day", s("2024-07-01")),
            ("c", s("x")),
            ("note", s("năm ký")),
        ],
    );
    // "năm ký" is six characters: the only one out.
    let out = out_of_limits(&t, &v);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].field, "note");
    assert_eq!(out[0].kind, IssueKind::TooLong { max: 5 });
    v.fields.insert("note".into(), s("năm"));
    assert_eq!(out_of_limits(&t, &v), vec![]);
    let (clean, excluded) = admissible(&t, &v);
    assert_eq!(clean, v);
    assert!(excluded.is_empty());
}

#[test]
fn every_hard_rule_is_judged_and_nothing_else() {
    let t = small();
    let v = view(
        "a",
        &[
            ("n", Value::Int(-5000)),
            ("low", Value::Int(-1)),
            ("high", Value::Decimal(200.5)),
            ("b", s("yes")),
            ("day", s("2024-02-30")),
            ("c", s("z")),
            ("note", s("quá dài")),
            // Not in the template: retired, not judged.
            ("gone", Value::Int(-1)),
        ],
    );
    let out = out_of_limits(&t, &v);
    let kinds: Vec<(&str, &IssueKind)> = out.iter().map(|x| (x.field.as_str(), &x.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("n", &IssueKind::BelowMin { min: 0.0 }),
            ("low", &IssueKind::BelowMin { min: 0.0 }),
            ("high", &IssueKind::AboveMax { max: 200.0 }),
            ("b", &IssueKind::WrongType),
            ("day", &IssueKind::WrongType),
            ("c", &IssueKind::WrongType),
            ("note", &IssueKind::TooLong { max: 5 }),
        ]
    );
    assert!(out.iter().all(|x| x.unit == "a" && x.record.is_none()));
    assert_eq!(out[0].value, Value::Int(-5000));

    // A decimal where an integer belongs, and a non-finite decimal.
    let v = view(
        "a",
        &[
            ("n", Value::Decimal(2.5)),
            ("high", Value::Decimal(f64::NAN)),
        ],
    );
    let kinds: Vec<IssueKind> = out_of_limits(&t, &v).into_iter().map(|x| x.kind).collect();
    assert_eq!(kinds, vec![IssueKind::WrongType, IssueKind::WrongType]);
}

#[test]
fn required_and_cross_field_rules_are_not_hard_rules() {
    // The child-protection template: every commune field required, and
    // "villages with a cultural point ≤ villages".
    let t = child_protection();
    assert!(t.fields().any(|(_, f)| f.required));
    assert!(!t.rules.is_empty());
    let mut v = view("xa", &[("villages", Value::Int(3))]);
    v.template = t.id.clone();
    v.fields.insert("cultural_points".into(), Value::Int(9));
    assert_eq!(out_of_limits(&t, &v), vec![]);
    assert!(!crate::validate::can_submit(&crate::validate::validate(
        &t,
        &v,
        Role::Reporting
    )));
}

#[test]
fn a_record_keeps_its_other_columns() {
    let t = small();
    let mut v = view("a", &[]);
    v.records.insert(
        "rows".into(),
        vec![
            row("r1", 1, &[("who", s("xa")), ("people", Value::Int(10))]),
            row("r2", 2, &[("who", s("huyen")), ("people", Value::Int(-3))]),
            // Not a column of the template: not judged, kept.
            row("r3", 3, &[("old", Value::Int(-3))]),
        ],
    );
    let (clean, excluded) = admissible(&t, &v);
    let at: Vec<(Option<&str>, Option<u32>, Option<&str>)> = excluded
        .iter()
        .map(|x| (x.record.as_deref(), x.row, x.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![
            (Some("r2"), Some(2), Some("who")),
            (Some("r2"), Some(2), Some("people")),
        ]
    );
    let rows = &clean.records["rows"];
    assert_eq!(rows.len(), 3, "no record is dropped");
    assert_eq!(rows[0], v.records["rows"][0]);
    assert!(rows[1].values.is_empty());
    assert_eq!(rows[2], v.records["rows"][2]);
    // What is left is in limits.
    assert_eq!(out_of_limits(&t, &clean), vec![]);
}

#[test]
fn admissible_views_leave_out_of_limit_values_out_of_the_figures() {
    let t = small();
    let good = view(
        "a",
        &[
            ("n", Value::Int(7)),
            ("low", Value::Int(5)),
            ("b", Value::Bool(true)),
        ],
    );
    let bad = view(
        "b",
        &[
            ("n", Value::Int(-5000)),
            ("low", Value::Int(2)),
            ("b", s("có")),
        ],
    );
    let (good_clean, none) = admissible(&t, &good);
    let (bad_clean, excluded) = admissible(&t, &bad);
    assert!(none.is_empty());
    assert_eq!(excluded.len(), 2);
    let contributions = |a: &ReportView, b: &ReportView| -> BTreeMap<String, FigureValue> {
        let all = [
            Contribution {
                unit: "a",
                role: Role::Reporting,
                report: Some(a),
            },
            Contribution {
                unit: "b",
                role: Role::Reporting,
                report: Some(b),
            },
        ];
        compute(&t, &all)
    };
    let figures = contributions(&good_clean, &bad_clean);
    assert_eq!(figures["n"], FigureValue::Number { value: 7.0 });
    assert_eq!(figures["low"], FigureValue::Number { value: 7.0 });
    assert_eq!(figures["b"], FigureValue::Count { count: 1, of: 2 });
    // Without it, the mistake would be the district's total.
    let raw = contributions(&good, &bad);
    assert_eq!(raw["n"], FigureValue::Number { value: -4993.0 });
}

fn message_of(t: &Template, v: &ReportView, en: bool) -> Vec<String> {
    out_of_limits(t, v)
        .iter()
        .map(|x| x.message(t, "Xã Ba Điền", en))
        .collect()
}

#[test]
fn messages_say_unit_field_value_limit_and_not_counted() {
    let t = child_protection();
    let mut v = view("xa", &[("villages", Value::Int(-5000))]);
    v.template = t.id.clone();
    assert_eq!(
        message_of(&t, &v, false),
        vec!["Xã Ba Điền: Số thôn, tổ dân phố = −5.000, ngoài 0–200, không tính"]
    );

    let t = small();
    let mut v = view(
        "a",
        &[
            ("n", Value::Int(201)),
            ("low", Value::Int(-1)),
            ("high", Value::Decimal(1234.5)),
            ("b", Value::Int(1)),
            ("day", s("30/02/2024")),
            ("c", s("z")),
            ("note", s(&"x".repeat(50))),
        ],
    );
    v.records.insert(
        "rows".into(),
        vec![
            row("r1", 1, &[("people", Value::Int(1))]),
            row("r2", 2, &[("people", Value::Int(-3))]),
        ],
    );
    let long = format!("“{}…”", "x".repeat(40));
    assert_eq!(
        message_of(&t, &v, false),
        vec![
            "Xã Ba Điền: Số lớp = 201, ngoài 0–200, không tính".to_string(),
            "Xã Ba Điền: Chỉ có tối thiểu = −1, nhỏ hơn 0, không tính".into(),
            "Xã Ba Điền: Chỉ có tối đa = 1.234,5, lớn hơn 200, không tính".into(),
            "Xã Ba Điền: B = 1, không đúng kiểu, không tính".into(),
            "Xã Ba Điền: Ngày = “30/02/2024”, không đúng kiểu, không tính".into(),
            "Xã Ba Điền: Chọn = “z”, không có trong danh sách lựa chọn, không tính".into(),
            format!("Xã Ba Điền: Ghi chú = {long}, dài quá 5 ký tự, không tính"),
            "Xã Ba Điền: Các lớp (dòng 2), Số người = −3, ngoài 0–1.000, không tính".into(),
        ]
    );
    // English: the English labels where the template has them.
    assert_eq!(
        message_of(&t, &v, true),
        vec![
            "Xã Ba Điền: Classes = 201, outside 0–200, not counted".to_string(),
            "Xã Ba Điền: Chỉ có tối thiểu = −1, below 0, not counted".into(),
            "Xã Ba Điền: Chỉ có tối đa = 1.234,5, above 200, not counted".into(),
            "Xã Ba Điền: B = 1, not of the field's type, not counted".into(),
            "Xã Ba Điền: Ngày = “30/02/2024”, not of the field's type, not counted".into(),
            "Xã Ba Điền: Chọn = “z”, not one of the options, not counted".into(),
            format!("Xã Ba Điền: Ghi chú = {long}, longer than 5 characters, not counted"),
            "Xã Ba Điền: Classes held (row 2), People = −3, outside 0–1.000, not counted".into(),
        ]
    );
}

#[test]
fn a_negative_decimal_and_a_negative_bound_read_with_a_minus_sign() {
    let t = Template::from_toml(
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
id = "temp"
label = "Nhiệt độ"
type = "decimal"
min = -10.5
max = 45.0
"#,
    )
    .expect("template");
    let v = view("a", &[("temp", Value::Decimal(-20.25))]);
    assert_eq!(
        message_of(&t, &v, false),
        vec!["Xã Ba Điền: Nhiệt độ = −20,25, ngoài −10,5–45, không tính"]
    );
    let v = view("a", &[("temp", Value::Decimal(-0.5))]);
    assert_eq!(out_of_limits(&t, &v), vec![]);
}

#[test]
fn excluded_values_travel_as_json() {
    let t = small();
    let v = view("a", &[("n", Value::Int(-5000))]);
    let out = out_of_limits(&t, &v);
    let json = serde_json::to_value(&out).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!([{
            "unit": "a", "field": "n", "value": -5000, "kind": "below_min", "min": 0.0
        }])
    );
    let back: Vec<Excluded> = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, out);
}
