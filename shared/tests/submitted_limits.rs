//! A submitted report stays within its fields' limits: the phone does not
//! write a value outside them while the report is submitted (a draft takes
//! it), and the rule the server applies judges the status the report had
//! where each change was made, so a phone that edited the draft offline
//! while another submitted it is not refused.

use shared::automerge::AutoCommit;
use shared::report::{ReportError, ReportMeta};
use shared::workflow::{Refusal, Status, Step, check_limits_kept};
use shared::{ReportDoc, ReportKey, ReportView, Template, Timestamp, Value};

fn template() -> Template {
    Template::from_toml(include_str!("../../templates/bao-ve-tre-em.toml")).expect("template")
}

fn key() -> ReportKey {
    ReportKey::new("bao-ve-tre-em", "ba-bich", "2024-H1")
}

fn edit(
    doc: &mut AutoCommit,
    t: &Template,
    f: impl FnOnce(&mut ReportDoc<'_>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut r = ReportDoc::open(doc, &key(), t, Timestamp(1_700_000_000_000))?;
    let out = f(&mut r);
    r.commit();
    out
}

fn view(doc: &mut AutoCommit) -> ReportView {
    ReportView::read(doc.document()).expect("view")
}

#[test]
fn a_draft_takes_an_out_of_range_value_a_submitted_report_does_not() {
    let t = template();
    let mut doc = AutoCommit::new();
    edit(&mut doc, &t, |r| {
        r.set_field("villages", Some(&Value::Int(-5000)))
    })
    .unwrap();
    assert_eq!(view(&mut doc).fields["villages"], Value::Int(-5000));
    edit(&mut doc, &t, |r| {
        r.set_field("villages", Some(&Value::Int(4)))?;
        r.take_step(Step::Submit, "cb", "")
    })
    .unwrap();
    let refused = edit(&mut doc, &t, |r| {
        r.set_field("villages", Some(&Value::Int(-5000)))
    });
    assert!(
        matches!(refused, Err(ReportError::OutOfLimits(ref f)) if f == "villages"),
        "{refused:?}"
    );
    assert_eq!(
        view(&mut doc).fields["villages"],
        Value::Int(4),
        "the old value is kept"
    );
    edit(&mut doc, &t, |r| {
        r.set_field("villages", Some(&Value::Int(7)))
    })
    .unwrap();
    assert_eq!(
        view(&mut doc).fields["villages"],
        Value::Int(7),
        "a value within limits is taken"
    );
}

#[test]
fn the_rule_judges_the_status_where_the_change_was_made() {
    let t = template();
    let mut a = AutoCommit::new();
    edit(&mut a, &t, |r| {
        r.set_field("villages", Some(&Value::Int(4)))
    })
    .unwrap();
    // Phone B has the draft, goes offline, and types an out-of-range value.
    let mut b = a.fork();
    edit(&mut b, &t, |r| {
        r.set_field("officers", Some(&Value::Int(99)))
    })
    .unwrap();
    // Meanwhile phone A submits; the server holds A's copy.
    edit(&mut a, &t, |r| r.take_step(Step::Submit, "cb", "")).unwrap();
    let held = [Status::Submitted, Status::Approved];
    let server = a.document().clone();
    let mut merged = a.fork();
    merged.merge(&mut b).unwrap();
    assert!(
        !ReportMeta::edited_while(&server, merged.document(), &held),
        "B edited a draft"
    );
    assert_eq!(
        view(&mut merged).status.as_deref(),
        Some(Status::Submitted.as_str())
    );

    // An edit made on the submitted report is judged by the limits.
    let mut c = a.fork();
    c.put_raw_villages(-1);
    assert!(ReportMeta::edited_while(&server, c.document(), &held));
    assert_eq!(
        check_limits_kept(&t, &view(&mut a), &view(&mut c)),
        Err(Refusal::OutOfLimits)
    );
    // A value already outside (merged from B) does not block other edits.
    let mut d = merged.fork();
    edit(&mut d, &t, |r| {
        r.set_field("villages", Some(&Value::Int(5)))
    })
    .unwrap();
    assert_eq!(
        check_limits_kept(&t, &view(&mut merged), &view(&mut d)),
        Ok(())
    );
}

/// Writes a value as another client would, without `ReportDoc`'s guard.
trait RawPut {
    fn put_raw_villages(&mut self, v: i64);
}

impl RawPut for AutoCommit {
    fn put_raw_villages(&mut self, v: i64) {
        use shared::automerge::transaction::Transactable;
        use shared::automerge::{ROOT, ReadDoc};
        let Some((_, fields)) = self.get(ROOT, "fields").unwrap() else {
            panic!("no fields map");
        };
        self.put(&fields, "villages", v).unwrap();
        self.commit();
    }
}
