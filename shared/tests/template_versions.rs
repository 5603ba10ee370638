//! A report filled under version 1 of its template meets version 2 (a field
//! renamed, one added, one removed): every value typed under version 1 ends in
//! its new place or is listed as retired — on one phone, and when two phones
//! migrate the same report concurrently and merge.

use shared::automerge::{self, AutoCommit};
use shared::report::migrate::{Part, renames, retired};
use shared::{ReportDoc, ReportKey, ReportView, Template, Timestamp, Value};

const V1: &str = r#"
id = "t"
version = 1
title = "T"
filled_by = "commune"
period = "year"
[[sections]]
id = "s"
title = "S"
[[sections.fields]]
id = "staff"
label = "Cán bộ"
type = "integer"
[[sections.fields]]
id = "villages"
label = "Số thôn"
type = "integer"
[[sections.fields]]
id = "summary"
label = "Tóm tắt"
type = "narrative"
[[sections.fields]]
id = "trainings"
label = "Lớp"
type = "records"
[[sections.fields.columns]]
id = "n"
label = "Số người"
type = "integer"
"#;

/// Version 2: `staff` → `officers`, `summary` → `notes`, `trainings` →
/// `classes`; `villages` removed; `pitches` added.
fn v2() -> Template {
    Template::from_toml(&v2_text()).expect("v2")
}

fn v2_text() -> String {
    V1.replace("version = 1", "version = 2")
        .replace(
            "id = \"staff\"",
            "id = \"officers\"\nrenamed_from = [\"staff\"]",
        )
        .replace(
            "id = \"summary\"",
            "id = \"notes\"\nrenamed_from = [\"summary\"]",
        )
        .replace(
            "id = \"trainings\"",
            "id = \"classes\"\nrenamed_from = [\"trainings\"]",
        )
        .replace(
            "id = \"villages\"\nlabel = \"Số thôn\"",
            "id = \"pitches\"\nlabel = \"Sân bóng\"",
        )
}

fn key() -> ReportKey {
    ReportKey::new("t", "xa-a", "2024")
}

fn now() -> Timestamp {
    Timestamp::from_millis(1_720_000_000_000)
}

/// A phone's report filled under version 1.
fn filled_v1() -> AutoCommit {
    let v1 = Template::from_toml(V1).expect("v1");
    let mut doc = AutoCommit::new();
    let mut r = ReportDoc::open(&mut doc, &key(), &v1, now()).expect("open");
    r.set_field("staff", Some(&Value::Int(3))).unwrap();
    r.set_field("villages", Some(&Value::Int(9))).unwrap();
    r.set_narrative("summary", "Đã tập huấn.").unwrap();
    r.add_record("trainings", "rec-1").unwrap();
    r.set_record_value("trainings", "rec-1", "n", Some(&Value::Int(40)))
        .unwrap();
    r.commit();
    doc
}

fn migrate(doc: &mut AutoCommit, t: &Template) -> Vec<Part> {
    let mut r = ReportDoc::open(doc, &key(), t, now()).expect("open under v2");
    let moves = r.migrate().expect("migrate");
    r.commit();
    moves.into_iter().map(|m| m.part).collect()
}

fn assert_every_v1_value_kept(view: &ReportView, t: &Template) {
    assert_eq!(view.fields.get("officers"), Some(&Value::Int(3)));
    assert_eq!(
        view.narratives.get("notes").map(String::as_str),
        Some("Đã tập huấn.")
    );
    let classes = view.records.get("classes").expect("records moved");
    assert_eq!(classes.len(), 1);
    assert_eq!(classes[0].id, "rec-1");
    assert_eq!(classes[0].values.get("n"), Some(&Value::Int(40)));
    // The removed field's value is kept, and listed as retired.
    let r = retired(t, view);
    assert_eq!(r.fields.get("villages"), Some(&Value::Int(9)));
    assert_eq!(r.len(), 1, "only the removed field is retired: {r:?}");
    assert!(view.conflicts.is_empty(), "conflicts: {:?}", view.conflicts);
}

#[test]
fn a_v1_report_keeps_every_value_under_v2() {
    let t = v2();
    let mut doc = filled_v1();
    assert_eq!(
        migrate(&mut doc, &t),
        vec![Part::Scalar, Part::Narrative, Part::Records]
    );
    let view = ReportView::read(doc.document()).unwrap();
    assert_every_v1_value_kept(&view, &t);
    // A second migration finds nothing to do.
    assert!(migrate(&mut doc, &t).is_empty());
    // The new field is editable.
    let mut r = ReportDoc::open(&mut doc, &key(), &t, now()).unwrap();
    r.set_field("pitches", Some(&Value::Int(2))).unwrap();
    r.commit();
}

#[test]
fn two_phones_migrating_the_same_report_agree() {
    let t = v2();
    let mut a = filled_v1();
    let mut b = a.fork().with_actor(automerge::ActorId::random());
    migrate(&mut a, &t);
    migrate(&mut b, &t);
    a.merge(&mut b).unwrap();
    let view = ReportView::read(a.document()).unwrap();
    assert_every_v1_value_kept(&view, &t);
}

fn view_v1() -> ReportView {
    let mut doc = filled_v1();
    ReportView::read(doc.document()).unwrap()
}

#[test]
fn the_plan_moves_renamed_values_and_retires_the_rest() {
    let t = v2();
    let view = view_v1();
    let plan: Vec<(Part, String, String)> = renames(&t, &view)
        .into_iter()
        .map(|m| (m.part, m.from, m.to))
        .collect();
    let owned = |p, a: &str, b: &str| (p, a.to_string(), b.to_string());
    assert_eq!(
        plan,
        vec![
            owned(Part::Scalar, "staff", "officers"),
            owned(Part::Narrative, "summary", "notes"),
            owned(Part::Records, "trainings", "classes"),
        ]
    );
    // Before the move the old ids are listed as retired: nothing is hidden.
    assert_eq!(retired(&t, &view).len(), 4);
}

#[test]
fn a_filled_new_place_is_never_overwritten() {
    let t = v2();
    let mut view = view_v1();
    view.fields.insert("officers".into(), Value::Int(5));
    view.narratives.insert("notes".into(), "Mới".into());
    view.records
        .insert("classes".into(), view.records["trainings"].clone());
    assert!(renames(&t, &view).is_empty());
    let r = retired(&t, &view);
    assert_eq!(r.fields.get("staff"), Some(&Value::Int(3)));
    assert_eq!(
        r.narratives.get("summary").map(String::as_str),
        Some("Đã tập huấn.")
    );
    assert_eq!(r.records.get("trainings").map(Vec::len), Some(1));
}

#[test]
fn a_value_that_no_longer_fits_stays_retired() {
    let text = v2_text().replace("[\"staff\"]", "[\"staff\", \"staff_old\"]");
    let t = Template::from_toml(&text).expect("template");
    let mut view = ReportView::default();
    view.fields.insert("staff".into(), Value::Str("ba".into()));
    view.fields.insert("staff_old".into(), Value::Int(4));
    // The first old id cannot move (text into an integer); the second can.
    let plan: Vec<String> = renames(&t, &view).into_iter().map(|m| m.from).collect();
    assert_eq!(plan, vec!["staff_old".to_string()]);
}

#[test]
fn old_ids_must_not_collide() {
    let with = |old: &str| v2_text().replace("[\"staff\"]", &format!("[\"{old}\"]"));
    assert!(Template::from_toml(&with("staff")).is_ok());
    assert!(
        Template::from_toml(&with("pitches")).is_err(),
        "a current field"
    );
    assert!(
        Template::from_toml(&with("summary")).is_err(),
        "claimed twice"
    );
    assert!(Template::from_toml(&with("x:y")).is_err());
}
