//! The phone's JSON readers for templates, org units, users and rounds
//! (`shared::json`) give back exactly what the server's serde encoding
//! wrote, and read missing defaults the way `serde_json` does.

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::dataset::{ReportsFile, Round, User, UserRole, UsersFile};
use shared::json::FromJson;
use shared::template::{
    Aggregate, ChoiceOption, Column, CompareOp, Field, FieldType, Figure, FigureKind, Filter,
    Operand, Role, Rule, Scope, Section,
};
use shared::{Date, OrgTree, OrgUnit, PeriodKind, Template};
use std::fmt::Debug;

/// `v` encoded by serde_json reads back as `v`.
fn round_trip<T: Serialize + FromJson + PartialEq + Debug>(v: &T) {
    let text = serde_json::to_string(v).unwrap();
    assert_eq!(T::from_json_str(&text).as_ref(), Ok(v), "{text}");
}

/// `text` reads the same with serde_json and with `FromJson`.
fn like_serde<T: DeserializeOwned + FromJson + PartialEq + Debug>(text: &str) -> T {
    let want: T = serde_json::from_str(text).unwrap();
    assert_eq!(T::from_json_str(text).as_ref(), Ok(&want), "{text}");
    want
}

/// Both serde_json and `FromJson` refuse `text` (the latter without panicking).
fn both_refuse<T: DeserializeOwned + FromJson + Debug>(text: &str) {
    assert!(
        serde_json::from_str::<T>(text).is_err(),
        "serde accepts {text}"
    );
    assert!(T::from_json_str(text).is_err(), "FromJson accepts {text}");
}

fn field(id: &str, ty: FieldType) -> Field {
    Field {
        id: id.into(),
        label: format!("Nhãn {id}"),
        label_en: None,
        help: None,
        ty,
        required: false,
        aggregate: None,
        renamed_from: vec![],
    }
}

fn column(id: &str, ty: FieldType, required: bool) -> Column {
    Column {
        id: id.into(),
        label: format!("Cột {id}"),
        label_en: Some(format!("Column {id}")),
        ty,
        required,
    }
}

fn figure(id: &str, label_en: Option<&str>, kind: FigureKind) -> Figure {
    Figure {
        id: id.into(),
        label: format!("Chỉ tiêu {id}"),
        label_en: label_en.map(str::to_string),
        kind,
    }
}

/// Every field type (as a field and as a column), scope, aggregate,
/// comparison, operand form and figure kind.
fn sample() -> Template {
    let scalar_types = || {
        vec![
            FieldType::Integer {
                min: Some(i64::MIN),
                max: Some(i64::MAX),
            },
            FieldType::Integer {
                min: None,
                max: None,
            },
            FieldType::Decimal {
                min: Some(0.0),
                max: Some(2.5e10),
            },
            FieldType::Decimal {
                min: Some(-1.25),
                max: None,
            },
            FieldType::Bool,
            FieldType::Date,
            FieldType::Choice {
                options: vec![
                    ChoiceOption {
                        value: "xa".into(),
                        label: "UBND xã".into(),
                        label_en: Some("Commune".into()),
                    },
                    ChoiceOption {
                        value: "khác".into(),
                        label: "Khác \"đặc biệt\"\n\\ ✓".into(),
                        label_en: None,
                    },
                ],
            },
            FieldType::Choice { options: vec![] },
            FieldType::Text { max_len: Some(300) },
            FieldType::Text { max_len: None },
        ]
    };
    let columns: Vec<Column> = scalar_types()
        .into_iter()
        .enumerate()
        .map(|(i, ty)| column(&format!("c{i}"), ty, i % 2 == 0))
        .collect();
    let mut fields: Vec<Field> = scalar_types()
        .into_iter()
        .enumerate()
        .map(|(i, ty)| field(&format!("f{i}"), ty))
        .collect();
    fields[0].aggregate = Some(Aggregate::Sum);
    fields[0].required = true;
    fields[0].label_en = Some("Officers".into());
    fields[0].help = Some("Phó chủ tịch UBND xã phụ trách".into());
    fields[0].renamed_from = vec!["can_bo".into(), "cán_bộ_cũ".into()];
    fields[1].aggregate = Some(Aggregate::CountNonzero);
    fields[2].aggregate = Some(Aggregate::Average);
    fields[4].aggregate = Some(Aggregate::CountYes);
    fields.push(field("narr", FieldType::Narrative));
    let mut records = field(
        "trainings",
        FieldType::Records {
            columns,
            order_by: Some("c5".into()),
        },
    );
    records.aggregate = Some(Aggregate::List);
    fields.push(records);
    fields.push(field(
        "empty_records",
        FieldType::Records {
            columns: vec![],
            order_by: None,
        },
    ));
    let ops = [
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Eq,
        CompareOp::Ne,
    ];
    let operands = [
        Operand::Number(3.0),
        Operand::Number(-0.5),
        Operand::Field("f1".into()),
        Operand::Number(1e300),
        Operand::Field("f3".into()),
        Operand::Number(0.0),
    ];
    let rules = ops
        .into_iter()
        .zip(operands)
        .enumerate()
        .map(|(i, (op, right))| Rule {
            id: format!("r{i}"),
            left: "f0".into(),
            op,
            right,
            message: "Số cán bộ không được vượt quá số thôn".into(),
            message_en: (i % 2 == 0).then(|| "Too many".into()),
            warning: i % 3 == 0,
        })
        .collect();
    let filter = || {
        Some(Filter {
            column: "c6".into(),
            equals: "xã".into(),
        })
    };
    let figures = vec![
        figure("s", Some("Sum"), FigureKind::Sum { field: "f0".into() }),
        figure("y", None, FigureKind::CountYes { field: "f4".into() }),
        figure("nz", None, FigureKind::CountNonzero { field: "f1".into() }),
        figure("avg", None, FigureKind::Average { field: "f2".into() }),
        figure(
            "ratio",
            Some("Ratio"),
            FigureKind::Ratio {
                numerator: "f0".into(),
                denominator: "f1".into(),
            },
        ),
        figure("units", None, FigureKind::Units),
        figure(
            "uwr",
            None,
            FigureKind::UnitsWithRecords {
                field: "trainings".into(),
                filter: filter(),
            },
        ),
        figure(
            "uwr2",
            None,
            FigureKind::UnitsWithRecords {
                field: "trainings".into(),
                filter: None,
            },
        ),
        figure(
            "sumby",
            None,
            FigureKind::RecordsSumBy {
                field: "trainings".into(),
                group_by: "c6".into(),
                sum: vec!["c0".into(), "c2".into()],
                filter: filter(),
            },
        ),
        figure(
            "sumby2",
            None,
            FigureKind::RecordsSumBy {
                field: "trainings".into(),
                group_by: "c6".into(),
                sum: vec![],
                filter: None,
            },
        ),
        figure(
            "list",
            None,
            FigureKind::RecordsList {
                field: "trainings".into(),
                filter: filter(),
                from: Some(Role::Reporting),
            },
        ),
        figure(
            "list2",
            None,
            FigureKind::RecordsList {
                field: "trainings".into(),
                filter: None,
                from: Some(Role::Consolidating),
            },
        ),
        figure(
            "list3",
            None,
            FigureKind::RecordsList {
                field: "trainings".into(),
                filter: None,
                from: None,
            },
        ),
    ];
    let narr = fields.split_off(fields.len() - 3);
    Template {
        id: "bao-ve-tre-em".into(),
        version: 7,
        title: "Báo cáo kết quả thực hiện công tác bảo vệ trẻ em".into(),
        title_en: Some("Child protection report".into()),
        filled_by: "commune".into(),
        period: PeriodKind::HalfYear,
        deadline_days: 10,
        sections: vec![
            Section {
                id: "kien-toan".into(),
                title: "Kiện toàn đội ngũ".into(),
                title_en: Some("Staff".into()),
                scope: Scope::Unit,
                fields,
            },
            Section {
                id: "huyen".into(),
                title: "Cấp huyện".into(),
                title_en: None,
                scope: Scope::Parent,
                fields: vec![],
            },
            Section {
                id: "tap-huan".into(),
                title: "Tập huấn".into(),
                title_en: None,
                scope: Scope::Any,
                fields: narr,
            },
        ],
        rules,
        figures,
        report: None,
    }
}

#[test]
fn a_template_of_every_kind_of_part_reads_back() {
    let t = sample();
    t.check().expect("the sample is a valid template");
    round_trip(&t);
    for s in &t.sections {
        round_trip(s);
        for f in &s.fields {
            round_trip(f);
            round_trip(&f.ty);
            if let FieldType::Records { columns, .. } = &f.ty {
                columns.iter().for_each(round_trip);
            }
        }
    }
    t.rules.iter().for_each(round_trip);
    t.figures.iter().for_each(round_trip);
    let empty = Template {
        title_en: None,
        deadline_days: 0,
        sections: vec![],
        rules: vec![],
        figures: vec![],
        ..t
    };
    round_trip(&empty);
}

#[test]
fn every_unit_enum_reads_back_by_serde_names() {
    for k in [
        PeriodKind::Year,
        PeriodKind::HalfYear,
        PeriodKind::Quarter,
        PeriodKind::Month,
        PeriodKind::AdHoc,
        PeriodKind::Nd09Month,
        PeriodKind::Nd09Quarter,
        PeriodKind::Nd09HalfYear,
        PeriodKind::Nd09Year,
    ] {
        round_trip(&k);
        round_trip(&Template {
            period: k,
            ..sample()
        });
    }
    [Scope::Unit, Scope::Parent, Scope::Any]
        .iter()
        .for_each(round_trip);
    [Role::Reporting, Role::Consolidating]
        .iter()
        .for_each(round_trip);
    [
        Aggregate::Sum,
        Aggregate::CountYes,
        Aggregate::CountNonzero,
        Aggregate::Average,
        Aggregate::List,
    ]
    .iter()
    .for_each(round_trip);
    [
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Eq,
        CompareOp::Ne,
    ]
    .iter()
    .for_each(round_trip);
    [
        UserRole::Officer,
        UserRole::Reviewer,
        UserRole::Viewer,
        UserRole::Admin,
    ]
    .iter()
    .for_each(round_trip);
}

#[test]
fn org_units_users_and_rounds_read_back() {
    let units = vec![
        OrgUnit {
            id: "quang-ngai".into(),
            name: "Tỉnh Quảng Ngãi".into(),
            kind: "province".into(),
            parent: None,
        },
        OrgUnit {
            id: "huyen-ba-to".into(),
            name: "Huyện Ba Tơ".into(),
            kind: "district".into(),
            parent: Some("quang-ngai".into()),
        },
    ];
    round_trip(&units);
    round_trip(&Vec::<OrgUnit>::new());
    for (i, role) in [
        UserRole::Officer,
        UserRole::Reviewer,
        UserRole::Viewer,
        UserRole::Admin,
    ]
    .into_iter()
    .enumerate()
    {
        round_trip(&User {
            id: format!("u{i}"),
            name: "Chuyên viên Phòng LĐ-TB&XH huyện Ba Tơ".into(),
            role,
            unit: "huyen-ba-to".into(),
        });
    }
    round_trip(&vec![
        Round {
            template: "bao-ve-tre-em".into(),
            period: "2024-H1".into(),
            unit: "huyen-ba-to".into(),
            deadline: Some(Date::new(2024, 7, 10).unwrap()),
        },
        Round {
            template: "phong-chong-duoi-nuoc".into(),
            period: "2024".into(),
            unit: "huyen-ba-to".into(),
            deadline: None,
        },
    ]);
}

#[test]
fn every_real_template_reads_back_without_its_report_wording() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../templates");
    let (mut seen, mut worded) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let t = Template::from_toml(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = serde_json::to_string(&t).unwrap();
        let read = <Template as FromJson>::from_json_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            read,
            Template {
                report: None,
                ..t.clone()
            },
            "{}",
            path.display()
        );
        read.check().unwrap();
        // The serde form without the wording reads the same both ways.
        let bare = serde_json::to_string(&read).unwrap();
        assert_eq!(like_serde::<Template>(&bare), read);
        seen += 1;
        worded += usize::from(t.report.is_some());
    }
    assert!(seen >= 2, "templates/*.toml not found");
    assert!(worded >= 1, "no template's `report` member was skipped");
}

#[test]
fn the_demo_directory_reads_back() {
    let tree = OrgTree::from_toml(include_str!("../../demo/org_units.toml")).unwrap();
    let units = tree.units().to_vec();
    assert!(units.iter().any(|u| u.parent.is_none()));
    round_trip(&units);
    let users: UsersFile = toml::from_str(include_str!("../../demo/users.toml")).unwrap();
    assert!(!users.users.is_empty());
    round_trip(&users.users);
    let reports: ReportsFile = toml::from_str(include_str!("../../demo/reports.toml")).unwrap();
    assert!(!reports.rounds.is_empty());
    round_trip(&reports.rounds);
}

#[test]
fn missing_defaults_nulls_and_unknown_members_read_like_serde() {
    let t: Template = like_serde(
        r#"{"id":"t","version":1,"title":"Phòng chống đuối nước","filled_by":"commune",
            "period":"year","extra":{"x":[1,2]},
            "sections":[{"id":"s","title":"Mục","fields":[
                {"id":"a","label":"Số thôn","type":"integer"},
                {"id":"b","label":"Tỷ lệ","type":"decimal","min":0,"max":1.5,"help":null},
                {"type":"records","id":"c","label":"Lớp","columns":[
                    {"id":"d","label":"Ngày","type":"date"},
                    {"id":"o","label":"Ai","type":"choice","options":[{"value":"x","label":"Xã"}]}]},
                {"id":"n","label":"Tường thuật","type":"narrative","label_en":null,"aggregate":null}]}]}"#,
    );
    assert_eq!(t.deadline_days, 0);
    // The wording is skipped unread, whatever it holds (serde would check it).
    let worded = r#"{"id":"t","version":1,"title":"T","filled_by":"x","period":"year",
        "sections":[],"report":{"anything":"ignored"}}"#;
    assert_eq!(
        <Template as FromJson>::from_json_str(worded).map(|t| t.report),
        Ok(None)
    );
    assert!(t.rules.is_empty() && t.figures.is_empty());
    assert_eq!(t.sections[0].scope, Scope::Unit);
    assert_eq!(
        t.sections[0].fields[1].ty,
        FieldType::Decimal {
            min: Some(0.0),
            max: Some(1.5)
        }
    );
    // A whole-number literal is a number operand, as with serde's untagged enum.
    let r: Rule = like_serde(r#"{"id":"r","left":"a","op":">=","right":3,"message":"Sai"}"#);
    assert_eq!(r.right, Operand::Number(3.0));
    assert!(!r.warning && r.message_en.is_none());
    like_serde::<Rule>(
        r#"{"id":"r","left":"a","op":"!=","right":"b","message":"Sai","warning":true}"#,
    );
    like_serde::<Figure>(r#"{"kind":"units_with_records","id":"f","label":"Đơn vị","field":"c"}"#);
    like_serde::<Figure>(
        r#"{"id":"f","label":"L","kind":"records_list","field":"c","from":"consolidating"}"#,
    );
    like_serde::<Figure>(r#"{"id":"f","label":"L","kind":"units","label_en":null}"#);
    like_serde::<Column>(r#"{"id":"c","label":"C","type":"text"}"#);
    like_serde::<Vec<OrgUnit>>(
        r#"[{"id":"a","name":"Ấp","kind":"village"},{"id":"b","name":"B","kind":"x","parent":null}]"#,
    );
    let round: Round = like_serde(r#"{"template":"t","period":"2024","unit":"u"}"#);
    assert_eq!(round.deadline, None);
    // Dates read through `Date`'s own parsing, both orders.
    like_serde::<Round>(r#"{"template":"t","period":"2024","unit":"u","deadline":"10/07/2024"}"#);
}

#[test]
fn wrong_input_is_an_error_not_a_panic() {
    let ok = serde_json::to_string(&sample()).unwrap();
    for (from, to) in [
        (r#""version":7"#, r#""version":"7""#),
        (r#""version":7"#, r#""version":-7"#),
        (r#""period":"half-year""#, r#""period":"HalfYear""#),
        (r#""type":"bool""#, r#""type":"boolean""#),
        (r#""type":"bool""#, r#""type":true"#),
        (r#""kind":"units""#, r#""kind":"unit""#),
        (r#""scope":"any""#, r#""scope":3"#),
        (r#""right":3.0"#, r#""right":true"#),
        (r#""right":3.0"#, r#""right":[3]"#),
        (r#""op":"<""#, r#""op":"lt""#),
        (r#""min":-9223372036854775808"#, r#""min":1.5"#),
        (r#""sections":["#, r#""sections":{"x":"#),
    ] {
        assert!(ok.contains(from), "{from}");
        both_refuse::<Template>(&ok.replacen(from, to, 1));
    }
    both_refuse::<Template>(&ok[..ok.len() - 1]);
    both_refuse::<Template>("[]");
    both_refuse::<Template>(r#"{"id":"t"}"#);
    both_refuse::<Field>(r#"{"id":"a","label":"Số"}"#);
    both_refuse::<Field>(r#"{"id":"a","label":"Số","type":"records"}"#);
    both_refuse::<Figure>(r#"{"id":"f","label":"L","kind":"ratio","numerator":"a"}"#);
    both_refuse::<User>(r#"{"id":"u","name":"N","role":"boss","unit":"x"}"#);
    both_refuse::<Round>(r#"{"template":"t","period":"p","unit":"u","deadline":"31/02/2024"}"#);
    both_refuse::<Round>(r#"{"template":"t","period":"p","unit":"u","deadline":20240710}"#);
    both_refuse::<OrgUnit>(r#"{"id":"a","name":"B","kind":null}"#);
}
