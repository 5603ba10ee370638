//! The phone's JSON readers for reports, consolidated figures and the review
//! screens give back exactly what the server's serde encoding wrote, read
//! missing defaults as serde does, and refuse wrong shapes without panicking.

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::aggregate::{FigureValue, Group, ListItem};
use shared::collections::Map;
use shared::json::FromJson;
use shared::report::{Conflict, ConflictValue, Record};
use shared::review::{
    AuthoredConflict, AuthoredValue, Completeness, Progress, ReportConflicts, UnitProgress,
};
use shared::workflow::{Status, Step, Transition};
use shared::{Date, DocumentId, ReportView, Value};
use std::fmt::Debug;

/// Encodes with serde and reads back with [`FromJson`].
fn round_trip<T: Serialize + FromJson + PartialEq + Debug>(v: &T) {
    let text = serde_json::to_string(v).unwrap();
    assert_eq!(T::from_json_str(&text).as_ref(), Ok(v), "{text}");
}

/// Reads `text` both ways and expects the same value.
fn like_serde<T: DeserializeOwned + FromJson + PartialEq + Debug>(text: &str) -> T {
    let ours = T::from_json_str(text).unwrap();
    assert_eq!(ours, serde_json::from_str::<T>(text).unwrap(), "{text}");
    ours
}

/// Both refuse `text`.
fn refused<T: DeserializeOwned + FromJson + Debug>(text: &str) {
    assert!(T::from_json_str(text).is_err(), "{text}");
    assert!(serde_json::from_str::<T>(text).is_err(), "{text}");
}

fn values(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn record(id: &str, created: i64) -> Record {
    Record {
        id: id.into(),
        created,
        values: values(&[
            ("ho_ten", Value::Str("Nguyễn Thị Hoa".into())),
            ("so_nguoi", Value::Int(4)),
            ("dien_tich", Value::Decimal(12.5)),
            ("ho_ngheo", Value::Bool(true)),
        ]),
    }
}

fn full_view() -> ReportView {
    let steps = [
        (Step::Submit, Status::Submitted, ""),
        (
            Step::Return,
            Status::Returned,
            "Thiếu số liệu thôn Đồng Răm",
        ),
        (Step::Submit, Status::Submitted, ""),
        (Step::Approve, Status::Approved, "Đạt"),
        (Step::Reopen, Status::Draft, "Mở lại để sửa"),
    ];
    ReportView {
        template: "bao-cao-6-thang".into(),
        unit: "xa-ba-vi".into(),
        period: "2024-H1".into(),
        status: Some("draft".into()),
        fields: values(&[
            ("so_thon", Value::Int(12)),
            ("am", Value::Int(i64::MIN)),
            ("lon", Value::Int(i64::MAX)),
            ("ty_le", Value::Decimal(93.75)),
            ("tron", Value::Decimal(3.0)),
            ("am_thap_phan", Value::Decimal(-0.001)),
            ("rat_lon", Value::Decimal(1e300)),
            ("co_truong", Value::Bool(false)),
            ("ngay", Value::Str("2024-06-30".into())),
            (
                "ghi_chu",
                Value::Str("Xã đã hoàn thành \"chỉ tiêu\"\n".into()),
            ),
            ("trong", Value::Str(String::new())),
        ]),
        records: Map::from([
            ("ho_gia_dinh".into(), vec![record("r1", 1), record("r2", 2)]),
            ("khong_co".into(), vec![]),
        ]),
        narratives: Map::from([
            (
                "tinh_hinh".into(),
                "Tình hình kinh tế – xã hội ổn định.".into(),
            ),
            ("trong".into(), String::new()),
        ]),
        conflicts: vec![
            Conflict {
                field: "so_thon".into(),
                record: None,
                column: None,
                values: vec![
                    ConflictValue {
                        value: Value::Int(12),
                        actor: "a1b2".into(),
                        time: 1_719_700_000,
                    },
                    ConflictValue {
                        value: Value::Decimal(11.5),
                        actor: "c3d4".into(),
                        time: 1_719_700_001,
                    },
                ],
            },
            Conflict {
                field: "ho_gia_dinh".into(),
                record: Some("r1".into()),
                column: Some("ho_ten".into()),
                values: vec![ConflictValue {
                    value: Value::Str("Trần Văn Ân".into()),
                    actor: "e5f6".into(),
                    time: 0,
                }],
            },
        ],
        history: steps
            .iter()
            .enumerate()
            .map(|(i, (step, status, comment))| Transition {
                step: *step,
                status: *status,
                by: "can-bo-xa".into(),
                at: 1_719_000_000_000 + i as i64,
                comment: comment.to_string(),
            })
            .collect(),
    }
}

#[test]
fn report_views_round_trip() {
    round_trip(&full_view());
    round_trip(&ReportView::default());
    round_trip(&ReportView {
        status: None,
        ..full_view()
    });
}

#[test]
fn figures_round_trip() {
    let figures = vec![
        FigureValue::Number { value: 42.0 },
        FigureValue::Number { value: 0.125 },
        FigureValue::Count { count: 19, of: 19 },
        FigureValue::Ratio {
            numerator: 93.0,
            denominator: 93.0,
            value: Some(1.0),
        },
        FigureValue::Ratio {
            numerator: 5.0,
            denominator: 0.0,
            value: None,
        },
        FigureValue::Groups { groups: vec![] },
        FigureValue::Groups {
            groups: vec![
                Group {
                    key: "kinh".into(),
                    label: "Kinh".into(),
                    records: 3,
                    sums: Map::from([("so_nguoi".into(), 12.0), ("dien_tich".into(), 7.5)]),
                },
                Group {
                    key: "hre".into(),
                    label: "Hrê".into(),
                    records: 0,
                    sums: Map::new(),
                },
            ],
        },
        FigureValue::List { items: vec![] },
        FigureValue::List {
            items: vec![ListItem {
                unit: "xa-ba-vi".into(),
                record: record("r1", 1_719_000_000_000),
            }],
        },
    ];
    for f in &figures {
        round_trip(f);
    }
    let keyed: Map<String, FigureValue> = figures
        .into_iter()
        .enumerate()
        .map(|(i, f)| (format!("f{i}"), f))
        .collect();
    round_trip(&keyed);
}

fn unit(name: &str, state: Progress, times: Option<(i64, i64, bool)>) -> UnitProgress {
    UnitProgress {
        unit: name.to_lowercase().replace(' ', "-"),
        unit_name: name.into(),
        document_id: DocumentId::from_bytes([name.len() as u8; 16]),
        state,
        last_sync: times.map(|t| t.0),
        submitted_at: times.map(|t| t.1),
        on_time: times.map(|t| t.2),
    }
}

#[test]
fn review_answers_round_trip() {
    round_trip(&Completeness {
        template: "bao-cao-6-thang".into(),
        period: "2024-H1".into(),
        unit: "huyen-ba-to".into(),
        deadline: Date::new(2024, 6, 30).unwrap(),
        units: vec![
            unit("Xã Ba Vì", Progress::NotStarted, None),
            unit("Xã Ba Tô", Progress::InProgress, None),
            unit("Xã Ba Điền", Progress::Submitted, Some((1, 2, true))),
            unit("Xã Ba Nam", Progress::Returned, Some((3, 4, false))),
            unit("Xã Ba Xa", Progress::Approved, Some((5, 6, true))),
        ],
    });
    round_trip(&Completeness {
        template: String::new(),
        period: String::new(),
        unit: String::new(),
        deadline: Date::new(1999, 12, 31).unwrap(),
        units: vec![],
    });
    round_trip(&vec![
        ReportConflicts {
            document_id: DocumentId::from_bytes([7; 16]),
            template: "bao-cao-6-thang".into(),
            unit: "xa-ba-vi".into(),
            period: "2024-H1".into(),
            conflicts: vec![
                AuthoredConflict {
                    field: "so_thon".into(),
                    record: None,
                    column: None,
                    values: vec![
                        AuthoredValue {
                            value: Value::Int(12),
                            user: Some("can-bo-xa".into()),
                            user_name: Some("Phạm Thị Lệ".into()),
                            actor: "a1b2".into(),
                            at: 1_719_700_000_000,
                        },
                        AuthoredValue {
                            value: Value::Decimal(11.5),
                            user: None,
                            user_name: None,
                            actor: "c3d4".into(),
                            at: 0,
                        },
                    ],
                },
                AuthoredConflict {
                    field: "ho_gia_dinh".into(),
                    record: Some("r1".into()),
                    column: Some("ho_ngheo".into()),
                    values: vec![AuthoredValue {
                        value: Value::Bool(true),
                        user: Some("u".into()),
                        user_name: None,
                        actor: String::new(),
                        at: -1,
                    }],
                },
            ],
        },
        ReportConflicts {
            document_id: DocumentId::from_bytes([0; 16]),
            template: "t".into(),
            unit: "u".into(),
            period: "p".into(),
            conflicts: vec![],
        },
    ]);
}

#[test]
fn missing_defaults_and_options_read_as_serde_reads_them() {
    let v: ReportView = like_serde(r#"{"template":"t","unit":"xã","period":"2024-Q2"}"#);
    assert!(v.fields.is_empty() && v.history.is_empty() && v.status.is_none());
    like_serde::<ReportView>(
        r#"{"template":"t","unit":"u","period":"p","status":null,"extra":[1,{"a":2}],
            "history":[{"step":"return","status":"returned","by":"x","at":5}],
            "conflicts":[{"field":"f","values":[{"value":1.0,"actor":"a","time":1}]}]}"#,
    );
    like_serde::<FigureValue>(r#"{"numerator":1,"type":"ratio","denominator":2}"#);
    like_serde::<FigureValue>(r#"{"type":"number","value":7}"#);
    let id = DocumentId::from_bytes([3; 16]).url();
    like_serde::<UnitProgress>(&format!(
        r#"{{"unit":"u","unit_name":"Thị trấn","document_id":"{id}","state":"in_progress"}}"#
    ));
    like_serde::<AuthoredValue>(r#"{"value":"có","actor":"a","at":3}"#);
    // The date's Deserialize also takes the Vietnamese order.
    let c: Completeness = like_serde(
        r#"{"template":"t","period":"p","unit":"u","deadline":"31/12/2024","units":[]}"#,
    );
    assert_eq!(c.deadline, Date::new(2024, 12, 31).unwrap());
    // Integers beyond i64 are decimals for both.
    let big: Vec<Value> = like_serde("[18446744073709551615, -9223372036854775808, 1e2, 0]");
    assert_eq!(big[2], Value::Decimal(100.0));
}

#[test]
fn wrong_shapes_are_errors() {
    refused::<ReportView>(r#"{"template":"t","unit":"u","period":"p","fields":[1]}"#);
    refused::<ReportView>(r#"{"template":1,"unit":"u","period":"p"}"#);
    refused::<ReportView>(r#"{"unit":"u","period":"p"}"#);
    refused::<ReportView>("[]");
    refused::<Value>("null");
    refused::<Value>("[1]");
    refused::<Transition>(r#"{"step":"sign","status":"draft","by":"x","at":1}"#);
    refused::<FigureValue>(r#"{"type":"median","value":1}"#);
    refused::<FigureValue>(r#"{"value":1}"#);
    refused::<FigureValue>(r#"{"type":"count","count":-1,"of":2}"#);
    refused::<Completeness>(
        r#"{"template":"t","period":"p","unit":"u","deadline":"2024-02-30","units":[]}"#,
    );
    refused::<ReportConflicts>(
        r#"{"document_id":"not-an-id","template":"t","unit":"u","period":"p","conflicts":[]}"#,
    );
    refused::<Progress>(r#""done""#);
    refused::<Record>(r#"{"id":"r","created":1.5,"values":{}}"#);
}
