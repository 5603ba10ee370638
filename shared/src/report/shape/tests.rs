use super::*;
use crate::report::ReportDoc;
use crate::time::Timestamp;
use crate::workflow::Step;
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit};

const T: &str = r#"
id = "t"
version = 2
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
min = 0
max = 10
renamed_from = ["n_old"]
[[sections.fields]]
id = "d"
label = "D"
type = "decimal"
max = 5.0
[[sections.fields]]
id = "b"
label = "B"
type = "bool"
[[sections.fields]]
id = "day"
label = "Day"
type = "date"
[[sections.fields]]
id = "c"
label = "C"
type = "choice"
options = [{ value = "x", label = "X" }, { value = "y", label = "Y" }]
[[sections.fields]]
id = "t"
label = "T"
type = "text"
max_len = 5
[[sections.fields]]
id = "story"
label = "Story"
type = "narrative"
renamed_from = ["story_old"]
[[sections.fields]]
id = "rows"
label = "Rows"
type = "records"
renamed_from = ["rows_old"]
[[sections.fields.columns]]
id = "age"
label = "Age"
type = "integer"
[[sections.fields.columns]]
id = "kind"
label = "Kind"
type = "choice"
options = [{ value = "a", label = "A" }]
"#;

/// The previous version: `n_old`, `story_old`, `rows_old` (with a column
/// `gone` that v2 does not have), and `villages`, removed in v2.
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
id = "n_old"
label = "N"
type = "integer"
[[sections.fields]]
id = "villages"
label = "V"
type = "integer"
[[sections.fields]]
id = "story_old"
label = "Story"
type = "narrative"
[[sections.fields]]
id = "rows_old"
label = "Rows"
type = "records"
[[sections.fields.columns]]
id = "age"
label = "Age"
type = "text"
[[sections.fields.columns]]
id = "gone"
label = "Gone"
type = "integer"
"#;

fn template() -> Template {
    Template::from_toml(T).unwrap()
}

fn key() -> ReportKey {
    ReportKey::new("t", "xa", "2024")
}

fn now() -> Timestamp {
    Timestamp::from_millis(1_720_000_000_000)
}

/// Applies `edit` through the product's `ReportDoc` and judges the change.
fn edit_ok(
    doc: &mut AutoCommit,
    t: &Template,
    edit: impl FnOnce(&mut ReportDoc<'_>),
) -> Result<(), ShapeError> {
    let before = doc.document().clone();
    let mut r = ReportDoc::open(doc, &key(), t, now()).unwrap();
    edit(&mut r);
    r.commit();
    check_shape(&template(), &before, doc.document())
}

/// Applies a raw automerge edit (as another client might) and judges it.
fn raw(doc: &mut AutoCommit, edit: impl FnOnce(&mut AutoCommit)) -> Result<(), ShapeError> {
    let mut after = doc.fork().with_actor(ActorId::random());
    edit(&mut after);
    after.commit();
    check_shape(&template(), doc.document(), after.document())
}

fn code(r: Result<(), ShapeError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(e) => e.code(),
    }
}

/// A report with every field type filled, a record and a narrative.
fn filled() -> AutoCommit {
    let t = template();
    let mut doc = AutoCommit::new();
    edit_ok(&mut doc, &t, |r| {
        r.set_field("n", Some(&Value::Int(3))).unwrap();
        r.set_field("d", Some(&Value::Decimal(2.5))).unwrap();
        r.set_field("b", Some(&Value::Bool(true))).unwrap();
        r.set_field("day", Some(&Value::Str("2024-03-01".into())))
            .unwrap();
        r.set_field("c", Some(&Value::Str("x".into()))).unwrap();
        r.set_field("t", Some(&Value::Str("hi".into()))).unwrap();
        r.set_narrative("story", "Đã tập huấn 🎉").unwrap();
        r.add_record("rows", "r1").unwrap();
        r.set_record_value("rows", "r1", "age", Some(&Value::Int(7)))
            .unwrap();
        r.set_record_value("rows", "r1", "kind", Some(&Value::Str("a".into())))
            .unwrap();
    })
    .unwrap();
    doc
}

fn root_obj(doc: &AutoCommit, k: &str) -> ObjId {
    doc.get(ROOT, k).unwrap().unwrap().1
}

/// One edit through the product's `ReportDoc`.
type Edit = Box<dyn FnOnce(&mut ReportDoc<'_>)>;

#[test]
fn every_edit_the_product_makes_is_accepted() {
    let t = template();
    let mut doc = AutoCommit::new();
    // A new report: identity only, then every field type.
    edit_ok(&mut doc, &t, |_| {}).unwrap();
    let mut doc = filled();
    let steps: Vec<Edit> = vec![
        // Out of range, over-long and decimal-as-integer: types fit.
        Box::new(|r| r.set_field("n", Some(&Value::Int(99))).unwrap()),
        Box::new(|r| r.set_field("d", Some(&Value::Int(9))).unwrap()),
        Box::new(|r| {
            r.set_field("t", Some(&Value::Str("much too long".into())))
                .unwrap()
        }),
        Box::new(|r| {
            r.set_field("day", Some(&Value::Str("1/2/1900".into())))
                .unwrap()
        }),
        Box::new(|r| r.set_field("c", None).unwrap()),
        Box::new(|r| r.set_narrative("story", "Khác hẳn").unwrap()),
        Box::new(|r| r.splice_narrative("story", 0, 2, "ab").unwrap()),
        Box::new(|r| {
            r.add_record("rows", "r2").unwrap();
            r.set_record_value("rows", "r2", "age", Some(&Value::Int(-1)))
                .unwrap();
        }),
        Box::new(|r| r.set_record_value("rows", "r1", "age", None).unwrap()),
        Box::new(|r| r.remove_record("rows", "r1").unwrap()),
        Box::new(|r| r.take_step(Step::Submit, "officer", "").unwrap()),
        Box::new(|r| r.take_step(Step::Return, "district", "sửa lại").unwrap()),
        Box::new(|r| r.take_step(Step::Submit, "officer", "").unwrap()),
        Box::new(|r| r.take_step(Step::Approve, "district", "").unwrap()),
        Box::new(|r| r.take_step(Step::Reopen, "district", "").unwrap()),
        Box::new(|r| r.set_status("draft").unwrap()),
        Box::new(|r| r.set_field("n", None).unwrap()),
    ];
    for (i, step) in steps.into_iter().enumerate() {
        assert_eq!(edit_ok(&mut doc, &t, step), Ok(()), "step {i}");
    }
}

#[test]
fn concurrent_product_edits_merge_into_an_accepted_document() {
    let t = template();
    let mut a = filled();
    let mut b = a.fork().with_actor(ActorId::random());
    let before = a.document().clone();
    edit_ok(&mut a, &t, |r| {
        r.set_field("n", Some(&Value::Int(4))).unwrap();
        r.add_record("rows", "ra").unwrap();
    })
    .unwrap();
    edit_ok(&mut b, &t, |r| {
        r.set_field("n", Some(&Value::Int(5))).unwrap();
        r.add_record("rows", "rb").unwrap();
        r.take_step(Step::Submit, "officer", "").unwrap();
    })
    .unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(check_shape(&t, &before, a.document()), Ok(()));
}

/// v1 report (with `villages`, `n_old`, `story_old`, `rows_old` and its
/// column `gone`) migrated under v2.
#[test]
fn migration_and_retired_values_are_accepted() {
    let v1 = Template::from_toml(V1).unwrap();
    let mut doc = AutoCommit::new();
    let empty = doc.document().clone();
    let mut r = ReportDoc::open(&mut doc, &key(), &v1, now()).unwrap();
    r.set_field("n_old", Some(&Value::Int(3))).unwrap();
    r.set_field("villages", Some(&Value::Int(9))).unwrap();
    r.set_narrative("story_old", "cũ").unwrap();
    r.add_record("rows_old", "r1").unwrap();
    r.set_record_value("rows_old", "r1", "age", Some(&Value::Str("bảy".into())))
        .unwrap();
    r.set_record_value("rows_old", "r1", "gone", Some(&Value::Int(1)))
        .unwrap();
    r.commit();
    let t = template();
    // v1 phone's report reaching a server that knows v1's ids.
    let shape = Shape::new(&t).with_older(&v1);
    assert_eq!(shape.check(&empty, doc.document()), Ok(()));
    // Without v1, the removed field's first write is an unknown key.
    assert_eq!(
        code(check_shape(&t, &empty, doc.document())),
        "shape:unknown-key"
    );
    // Migration (moves, deletes of old containers, copies of a column
    // that is not v2's and of a value whose type no longer fits).
    let before = doc.document().clone();
    let mut r = ReportDoc::open(&mut doc, &key(), &t, now()).unwrap();
    assert_eq!(r.migrate().unwrap().len(), 3);
    r.commit();
    assert_eq!(check_shape(&t, &before, doc.document()), Ok(()));
    // A v1 phone keeps editing the retired value already in the document.
    let before = doc.document().clone();
    let mut r = ReportDoc::open(&mut doc, &key(), &v1, now()).unwrap();
    r.set_field("villages", Some(&Value::Int(10))).unwrap();
    r.commit();
    assert_eq!(check_shape(&t, &before, doc.document()), Ok(()));
}

#[test]
fn the_identity_is_never_rewritten() {
    let mut doc = filled();
    for k in [keys::TEMPLATE, keys::UNIT, keys::PERIOD, keys::SCHEMA] {
        assert_eq!(
            code(raw(&mut doc, |d| d.put(ROOT, k, "other").unwrap())),
            "shape:identity",
            "{k}"
        );
        assert_eq!(
            code(raw(&mut doc, |d| d.delete(ROOT, k).unwrap())),
            "shape:identity",
            "{k}"
        );
    }
    // A new op with the same text (automerge drops an identical put, so an
    // integer first) is still a rewrite.
    assert_eq!(
        code(raw(&mut doc, |d| {
            d.put(ROOT, keys::UNIT, 1).unwrap();
            d.put(ROOT, keys::UNIT, "xa").unwrap();
        })),
        "shape:identity"
    );
    // A new document whose identity was not written by the identity change.
    let mut fake = AutoCommit::new();
    fake.put(ROOT, keys::SCHEMA, 1).unwrap();
    fake.put(ROOT, keys::TEMPLATE, "t").unwrap();
    fake.put(ROOT, keys::UNIT, "xa").unwrap();
    fake.put(ROOT, keys::PERIOD, "2024").unwrap();
    fake.commit();
    let mut empty = AutoCommit::new();
    assert_eq!(
        code(check_shape(&template(), empty.document(), fake.document())),
        "shape:identity"
    );
    // Judged by another template.
    let mut other = template();
    other.id = "other".into();
    assert_eq!(
        code(check_shape(&other, empty.document(), doc.document())),
        "shape:identity"
    );
}

#[test]
fn containers_stay_what_they_are() {
    let mut doc = filled();
    for k in [keys::FIELDS, "records:rows", "text:story"] {
        assert_eq!(
            code(raw(&mut doc, |d| d.delete(ROOT, k).unwrap())),
            "shape:container",
            "{k}"
        );
        for ty in [ObjType::Map, ObjType::List, ObjType::Text] {
            assert_eq!(
                code(raw(&mut doc, |d| drop(d.put_object(ROOT, k, ty).unwrap()))),
                "shape:container",
                "{k} {ty:?}"
            );
        }
        assert_eq!(
            code(raw(&mut doc, |d| d.put(ROOT, k, 1).unwrap())),
            "shape:container",
            "{k}"
        );
    }
    let mut stepped = doc.fork();
    edit_ok(&mut stepped, &template(), |r| {
        r.take_step(Step::Submit, "o", "").unwrap()
    })
    .unwrap();
    assert_eq!(
        code(raw(&mut stepped, |d| d
            .delete(ROOT, keys::HISTORY)
            .unwrap())),
        "shape:container"
    );
    // A container that is new but not the deterministic one.
    assert_eq!(
        code(raw(&mut doc, |d| drop(
            d.put_object(ROOT, keys::HISTORY, ObjType::List).unwrap()
        ))),
        "shape:container"
    );
    // A narrative that is a scalar, or a JavaScript-style string in a Text.
    assert_eq!(
        code(raw(&mut doc, |d| d.put(ROOT, "text:story", "abc").unwrap())),
        "shape:container"
    );
}

#[test]
fn values_keep_their_field_type() {
    let mut doc = filled();
    let f = root_obj(&doc, keys::FIELDS);
    let wrong: Vec<(&str, ScalarValue)> = vec![
        ("n", "3".into()),
        ("n", ScalarValue::F64(3.0)),
        ("n", ScalarValue::Uint(3)),
        ("n", ScalarValue::counter(3)),
        ("n", ScalarValue::Timestamp(3)),
        ("n", ScalarValue::Null),
        ("d", ScalarValue::F64(f64::NAN)),
        ("d", "2,5".into()),
        ("b", ScalarValue::Int(1)),
        ("day", "not a date".into()),
        ("day", ScalarValue::Int(20240301)),
        ("c", "z".into()),
        ("t", ScalarValue::Boolean(true)),
        ("t", ScalarValue::Bytes(vec![1])),
    ];
    for (k, v) in wrong {
        assert_eq!(
            code(raw(&mut doc, |d| d.put(&f, k, v.clone()).unwrap())),
            "shape:type",
            "{k} {v:?}"
        );
    }
    for ty in [ObjType::Text, ObjType::Map, ObjType::List] {
        assert_eq!(
            code(raw(&mut doc, |d| drop(d.put_object(&f, "t", ty).unwrap()))),
            "shape:type"
        );
    }
    // A narrative or records id in the fields map, or as the wrong container.
    assert_eq!(
        code(raw(&mut doc, |d| d.put(&f, "story", "x").unwrap())),
        "shape:type"
    );
    assert_eq!(
        code(raw(&mut doc, |d| drop(
            d.put_object(ROOT, "text:n", ObjType::Text).unwrap()
        ))),
        "shape:type"
    );
    assert_eq!(
        code(raw(&mut doc, |d| drop(
            d.put_object(ROOT, "records:n", ObjType::Map).unwrap()
        ))),
        "shape:type"
    );
    // Record columns and rows.
    let rows = root_obj(&doc, "records:rows");
    let r1 = doc.get(&rows, "r1").unwrap().unwrap().1;
    assert_eq!(
        code(raw(&mut doc, |d| d.put(&r1, "age", "7").unwrap())),
        "shape:type"
    );
    assert_eq!(
        code(raw(&mut doc, |d| d.put(&r1, "kind", "b").unwrap())),
        "shape:type"
    );
    assert_eq!(
        code(raw(&mut doc, |d| d
            .put(&r1, keys::RECORD_CREATED, "now")
            .unwrap())),
        "shape:type"
    );
    assert_eq!(
        code(raw(&mut doc, |d| d
            .delete(&r1, keys::RECORD_CREATED)
            .unwrap())),
        "shape:type"
    );
    assert_eq!(
        code(raw(&mut doc, |d| d.put(&rows, "r2", 5).unwrap())),
        "shape:type"
    );
    assert_eq!(
        code(raw(&mut doc, |d| drop(
            d.put_object(&rows, "r2", ObjType::Map).unwrap()
        ))),
        "shape:type"
    );
    // Accepted: what fits, even out of range, from any client.
    assert_eq!(code(raw(&mut doc, |d| d.put(&f, "n", 1000).unwrap())), "ok");
    assert_eq!(
        code(raw(&mut doc, |d| d
            .put(&f, "t", "a very long text")
            .unwrap())),
        "ok"
    );
    assert_eq!(code(raw(&mut doc, |d| d.delete(&f, "n").unwrap())), "ok");
}

#[test]
fn keys_outside_the_template_are_refused() {
    let mut doc = filled();
    let f = root_obj(&doc, keys::FIELDS);
    let rows = root_obj(&doc, "records:rows");
    let r1 = doc.get(&rows, "r1").unwrap().unwrap().1;
    let unknown = |r| assert_eq!(code(r), "shape:unknown-key");
    unknown(raw(&mut doc, |d| d.put(&f, "nope", 1).unwrap()));
    unknown(raw(&mut doc, |d| d.put(&r1, "nope", 1).unwrap()));
    unknown(raw(&mut doc, |d| d.put(&r1, "_secret", 1).unwrap()));
    unknown(raw(&mut doc, |d| {
        drop(d.put_object(&rows, "_x", ObjType::Map).unwrap())
    }));
    unknown(raw(&mut doc, |d| d.put(ROOT, "nope", 1).unwrap()));
    unknown(raw(&mut doc, |d| {
        drop(d.put_object(ROOT, "text:nope", ObjType::Text).unwrap())
    }));
    unknown(raw(&mut doc, |d| {
        drop(d.put_object(ROOT, "records:nope", ObjType::Map).unwrap())
    }));
    // An old id is not unknown: a phone on the old version writes it.
    assert_eq!(
        code(raw(&mut doc, |d| d.put(&f, "n_old", 1).unwrap())),
        "ok"
    );
    // But only with a value the product writes.
    assert_eq!(
        code(raw(&mut doc, |d| d
            .put(&f, "n_old", ScalarValue::Uint(1))
            .unwrap())),
        "shape:type"
    );
}

#[test]
fn the_status_is_a_workflow_word_in_a_string() {
    let mut doc = filled();
    edit_ok(&mut doc, &template(), |r| {
        r.take_step(Step::Submit, "o", "").unwrap()
    })
    .unwrap();
    let status = |r| assert_eq!(code(r), "shape:status");
    status(raw(&mut doc, |d| {
        d.put(ROOT, keys::STATUS, "done").unwrap()
    }));
    status(raw(&mut doc, |d| d.put(ROOT, keys::STATUS, 1).unwrap()));
    status(raw(&mut doc, |d| d.delete(ROOT, keys::STATUS).unwrap()));
    status(raw(&mut doc, |d| {
        let t = d.put_object(ROOT, keys::STATUS, ObjType::Text).unwrap();
        d.splice_text(&t, 0, 0, "approved").unwrap();
    }));
    assert_eq!(
        code(raw(&mut doc, |d| d
            .put(ROOT, keys::STATUS, "approved")
            .unwrap())),
        "ok"
    );
}

#[test]
fn history_entries_are_written_as_the_workflow_writes_them() {
    let mut doc = filled();
    edit_ok(&mut doc, &template(), |r| {
        r.take_step(Step::Submit, "o", "").unwrap()
    })
    .unwrap();
    let h = root_obj(&doc, keys::HISTORY);
    let e0 = doc.get(&h, 0).unwrap().unwrap().1;
    let history = |r| assert_eq!(code(r), "shape:history");
    history(raw(&mut doc, |d| d.delete(&h, 0).unwrap()));
    history(raw(&mut doc, |d| d.put(&e0, "comment", "changed").unwrap()));
    history(raw(&mut doc, |d| d.put(&e0, "extra", 1).unwrap()));
    history(raw(&mut doc, |d| d.insert(&h, 1, "submit").unwrap()));
    let mut entry = |step: &str, status: &str, at: ScalarValue, extra: Option<&str>| {
        raw(&mut doc, |d| {
            let e = d.insert_object(&h, 1, ObjType::Map).unwrap();
            d.put(&e, "step", step).unwrap();
            d.put(&e, "status", status).unwrap();
            d.put(&e, "by", "o").unwrap();
            d.put(&e, "at", at).unwrap();
            d.put(&e, "comment", "").unwrap();
            if let Some(k) = extra {
                d.put(&e, k, 1).unwrap();
            }
        })
    };
    assert_eq!(
        entry("approve", "approved", ScalarValue::Int(1), None),
        Ok(())
    );
    history(entry("fly", "approved", ScalarValue::Int(1), None));
    history(entry("approve", "submitted", ScalarValue::Int(1), None));
    history(entry("approve", "approved", "now".into(), None));
    history(entry("approve", "approved", ScalarValue::Int(1), Some("x")));
}

#[test]
fn codes_round_trip_and_errors_name_the_path() {
    for r in ShapeReason::ALL {
        assert_eq!(ShapeReason::from_code(r.code()), Some(r));
    }
    let mut doc = filled();
    let f = root_obj(&doc, keys::FIELDS);
    let e = raw(&mut doc, |d| d.put(&f, "n", "x").unwrap()).unwrap_err();
    assert_eq!(e.path, "fields/n");
    assert!(e.to_string().starts_with("shape:type: fields/n: "), "{e}");
}
