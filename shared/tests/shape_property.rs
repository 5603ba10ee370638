//! Random Automerge operations on a report (puts, deletes, inserts, text
//! splices, increments, of every scalar and object type, at random places),
//! one change at a time, each judged by `check_shape`; interleaved with the
//! product's own edits through `ReportDoc`, which must always be accepted.
//! Whenever a change is accepted, the document still reads as a
//! `ReportView` whose every value has its template type, its figures
//! compute, and no value outside its field's hard limits (judged here
//! independently of `shared::validate`) reaches a figure: the `admissible`
//! view is exactly the view with those values removed, and every Sum figure
//! is the sum of the in-limit values.
//!
//! Seeded and bounded; a failure names its case's seed
//! (`SHAPE_SEED=<seed> cargo test -p baocao-shared --test shape_property`).

use shared::aggregate::{Contribution, FigureValue, compute};
use shared::automerge::transaction::Transactable;
use shared::automerge::{self, ActorId, AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use shared::report::{admissible, check_shape, keys};
use shared::template::{FieldType, FigureKind, Role};
use shared::workflow::{Status, Step};
use shared::{ReportDoc, ReportKey, ReportView, Template, Timestamp, Value};

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The shipped template plus a decimal field that was renamed.
fn template() -> Template {
    let extra = r#"
[[sections]]
id = "extra"
title = "Extra"
[[sections.fields]]
id = "ratio"
label = "Tỉ lệ"
type = "decimal"
min = 0.0
max = 1.0
aggregate = "sum"
renamed_from = ["ratio_old"]
"#;
    let text = format!(
        "{}\n{extra}",
        include_str!("../../templates/bao-ve-tre-em.toml")
    );
    Template::from_toml(&text).expect("template")
}

fn key() -> ReportKey {
    ReportKey::new("bao-ve-tre-em", "xa-a", "2024-H1")
}

/// Whether a value has the type (as `ReportDoc` accepts it).
fn fits(ty: &FieldType, v: &Value) -> bool {
    match (ty, v) {
        (FieldType::Integer { .. }, Value::Int(_)) => true,
        (FieldType::Decimal { .. }, Value::Int(_)) => true,
        (FieldType::Decimal { .. }, Value::Decimal(f)) => f.is_finite(),
        (FieldType::Bool, Value::Bool(_)) => true,
        (FieldType::Date, Value::Str(s)) => s.parse::<shared::Date>().is_ok(),
        (FieldType::Choice { options }, Value::Str(s)) => options.iter().any(|o| &o.value == s),
        (FieldType::Text { .. }, Value::Str(_)) => true,
        _ => false,
    }
}

/// Whether a value keeps its field's hard limits: its type (an integer
/// field takes a whole decimal, as `Value::as_i64` reads it), `min`/`max`,
/// `max_len`. Written out here rather than calling the validator, so that the
/// test judges the code instead of repeating it.
fn in_limits(ty: &FieldType, v: &Value) -> bool {
    let within = |x: f64, min: Option<f64>, max: Option<f64>| {
        x.is_finite() && min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m)
    };
    match (ty, v) {
        (FieldType::Integer { min, max }, Value::Int(i)) => {
            within(*i as f64, min.map(|m| m as f64), max.map(|m| m as f64))
        }
        (FieldType::Integer { min, max }, Value::Decimal(f)) => {
            f.fract() == 0.0 && within(*f, min.map(|m| m as f64), max.map(|m| m as f64))
        }
        (FieldType::Decimal { min, max }, Value::Int(i)) => within(*i as f64, *min, *max),
        (FieldType::Decimal { min, max }, Value::Decimal(f)) => within(*f, *min, *max),
        (FieldType::Text { max_len }, Value::Str(s)) => {
            max_len.is_none_or(|m| s.chars().count() <= m as usize)
        }
        _ => fits(ty, v),
    }
}

/// Strings worth trying anywhere: dates, options, statuses, steps, junk.
fn strings(t: &Template) -> Vec<String> {
    let mut out: Vec<String> = [
        "2024-03-01",
        "01/03/2024",
        "2024-13-01",
        "draft",
        "submitted",
        "returned",
        "approved",
        "done",
        "submit",
        "approve",
        "",
        "Đã tập huấn 🎉",
        "xa-a",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (_, f) in t.fields() {
        if let FieldType::Choice { options } = &f.ty {
            out.extend(options.iter().map(|o| o.value.clone()));
        }
        if let FieldType::Records { columns, .. } = &f.ty {
            for c in columns {
                if let FieldType::Choice { options } = &c.ty {
                    out.extend(options.iter().map(|o| o.value.clone()));
                }
            }
        }
    }
    out
}

/// Keys worth trying in any map.
fn key_pool(t: &Template) -> Vec<String> {
    let mut out: Vec<String> = [
        keys::SCHEMA,
        keys::TEMPLATE,
        keys::UNIT,
        keys::PERIOD,
        keys::STATUS,
        keys::HISTORY,
        keys::FIELDS,
        keys::RECORD_CREATED,
        "step",
        "status",
        "by",
        "at",
        "comment",
        "zz",
        "rec-1",
        "ratio_old",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (_, f) in t.fields() {
        out.push(f.id.clone());
        out.push(format!("{}{}", keys::RECORDS_PREFIX, f.id));
        out.push(format!("{}{}", keys::TEXT_PREFIX, f.id));
        if let FieldType::Records { columns, .. } = &f.ty {
            out.extend(columns.iter().map(|c| c.id.clone()));
        }
    }
    out
}

fn scalar(rng: &mut Rng, strs: &[String]) -> ScalarValue {
    match rng.below(10) {
        0 | 1 => ScalarValue::Int(rng.below(300) as i64 - 50),
        2 => ScalarValue::F64(*rng.pick(&[0.5, -1.0, 3.0, f64::NAN, f64::INFINITY])),
        3 => ScalarValue::Boolean(rng.below(2) == 0),
        4..=6 => ScalarValue::Str(rng.pick(strs).as_str().into()),
        7 => ScalarValue::Uint(rng.below(5) as u64),
        8 => ScalarValue::counter(rng.below(5) as i64),
        _ => rng
            .pick(&[
                ScalarValue::Null,
                ScalarValue::Timestamp(5),
                ScalarValue::Bytes(vec![1, 2]),
            ])
            .clone(),
    }
}

/// Every object of the document, with its kind.
fn objects(doc: &AutoCommit) -> Vec<(ObjId, ObjType)> {
    let mut out = vec![(ROOT, ObjType::Map)];
    let mut i = 0;
    while i < out.len() {
        let (obj, ty) = out[i].clone();
        i += 1;
        let props: Vec<automerge::Prop> = match ty {
            ObjType::List => (0..doc.length(&obj)).map(automerge::Prop::Seq).collect(),
            ObjType::Text => Vec::new(),
            _ => doc.keys(&obj).map(automerge::Prop::Map).collect(),
        };
        for p in props {
            for (v, id) in doc.get_all(&obj, p).unwrap() {
                if let automerge::Value::Object(t) = v {
                    out.push((id, t));
                }
            }
        }
    }
    out
}

/// One to three raw operations at random places.
fn random_ops(rng: &mut Rng, d: &mut AutoCommit, pool: &[String], strs: &[String]) {
    let objs = objects(d);
    for _ in 0..1 + rng.below(3) {
        let (obj, ty) = rng.pick(&objs).clone();
        let kinds = [ObjType::Map, ObjType::List, ObjType::Text];
        match ty {
            ObjType::Text => {
                let len = d.length(&obj);
                let pos = rng.below(len + 1);
                let del = rng.below(len - pos + 1);
                let text = rng.pick(strs).clone();
                let _ = d.splice_text(&obj, pos, del as isize, &text);
            }
            ObjType::List => {
                let len = d.length(&obj);
                let _ = match rng.below(4) {
                    0 => d.insert(&obj, rng.below(len + 1), scalar(rng, strs)),
                    1 => d
                        .insert_object(&obj, rng.below(len + 1), *rng.pick(&kinds))
                        .map(drop),
                    2 if len > 0 => d.delete(&obj, rng.below(len)),
                    _ if len > 0 => d.put(&obj, rng.below(len), scalar(rng, strs)),
                    _ => Ok(()),
                };
            }
            _ => {
                let existing: Vec<String> = d.keys(&obj).collect();
                let k = if !existing.is_empty() && rng.below(2) == 0 {
                    rng.pick(&existing).clone()
                } else {
                    rng.pick(pool).clone()
                };
                let _ = match rng.below(6) {
                    0 | 1 => d.put(&obj, k.as_str(), scalar(rng, strs)),
                    2 => d.put_object(&obj, k.as_str(), *rng.pick(&kinds)).map(drop),
                    3 | 4 => d.delete(&obj, k.as_str()),
                    _ => d.increment(&obj, k.as_str(), 1),
                };
            }
        }
    }
}

/// One edit as the phone makes it.
fn product_edit(rng: &mut Rng, r: &mut ReportDoc<'_>, t: &Template, strs: &[String]) {
    let fields: Vec<_> = t.fields().map(|(_, f)| f).collect();
    let f = *rng.pick(&fields);
    let value_of = |rng: &mut Rng, ty: &FieldType| -> Option<Value> {
        let v = match ty {
            FieldType::Integer { .. } => Value::Int(rng.below(2000) as i64 - 100),
            FieldType::Decimal { .. } => Value::Decimal(rng.below(300) as f64 / 7.0),
            FieldType::Bool => Value::Bool(rng.below(2) == 0),
            FieldType::Date => Value::Str("2024-02-29".into()),
            FieldType::Choice { options } => Value::Str(rng.pick(options).value.clone()),
            FieldType::Text { .. } => Value::Str(rng.pick(strs).clone()),
            _ => return None,
        };
        (rng.below(5) != 0).then_some(v)
    };
    match &f.ty {
        FieldType::Narrative => {
            let text = rng.pick(strs).clone();
            r.set_narrative(&f.id, &text).unwrap();
        }
        FieldType::Records { columns, .. } => {
            let id = format!("r{}", rng.below(4));
            match rng.below(3) {
                0 => r.add_record(&f.id, &id).unwrap(),
                1 => {
                    let c = rng.pick(columns);
                    let v = value_of(rng, &c.ty);
                    // The record may not exist: the product refuses, no write.
                    let _ = r.set_record_value(&f.id, &id, &c.id, v.as_ref());
                }
                _ => {
                    let _ = r.remove_record(&f.id, &id);
                }
            }
        }
        ty => {
            let v = value_of(rng, ty);
            // A submitted report takes no value outside its limits: refused,
            // nothing written (tests/submitted_limits.rs).
            match r.set_field(&f.id, v.as_ref()) {
                Ok(()) | Err(shared::report::ReportError::OutOfLimits(_)) => {}
                Err(e) => panic!("{}: {e}", f.id),
            }
        }
    }
    if rng.below(6) == 0 {
        let step = *rng.pick(&Step::ALL);
        let _ = r.take_step(step, "someone", "ghi chú");
    }
}

/// What an accepted document must still be.
fn assert_reads_typed(doc: &mut AutoCommit, t: &Template, seed: u64) {
    let view = ReportView::read(doc.document())
        .unwrap_or_else(|e| panic!("seed {seed}: accepted document does not read: {e}"));
    let old = |id: &str| {
        t.fields()
            .any(|(_, f)| f.renamed_from.iter().any(|o| o == id))
    };
    for (k, v) in &view.fields {
        match t.field(k) {
            Some((f, _)) => assert!(fits(&f.ty, v), "seed {seed}: fields/{k} = {v:?}"),
            None => assert!(old(k), "seed {seed}: unknown field {k} = {v:?}"),
        }
    }
    for c in &view.conflicts {
        if c.record.is_none()
            && let Some((f, _)) = t.field(&c.field)
        {
            for cv in &c.values {
                assert!(fits(&f.ty, &cv.value), "seed {seed}: conflict {c:?}");
            }
        }
    }
    for (k, rows) in &view.records {
        let Some((f, _)) = t.field(k) else {
            assert!(old(k), "seed {seed}: unknown records {k}");
            continue;
        };
        let FieldType::Records { columns, .. } = &f.ty else {
            panic!("seed {seed}: records under the {k} field");
        };
        for row in rows {
            for (col, v) in &row.values {
                let c = columns.iter().find(|c| &c.id == col);
                let c = c.unwrap_or_else(|| panic!("seed {seed}: unknown column {k}/{col}"));
                assert!(fits(&c.ty, v), "seed {seed}: {k}/{}/{col} = {v:?}", row.id);
            }
        }
    }
    for k in view.narratives.keys() {
        let ok = matches!(t.field(k), Some((f, _)) if f.ty == FieldType::Narrative) || old(k);
        assert!(ok, "seed {seed}: narrative under {k}");
    }
    if let Some(s) = &view.status {
        assert_eq!(Status::of(Some(s)).as_str(), s, "seed {seed}: status {s:?}");
    }
    let listed = match doc.get(ROOT, keys::HISTORY).unwrap() {
        Some((automerge::Value::Object(ObjType::List), h)) => doc.length(&h),
        _ => 0,
    };
    assert_eq!(
        view.history.len(),
        listed,
        "seed {seed}: unreadable history entries"
    );
}

/// What a consolidation of an accepted document counts: only in-limit
/// values, and every one of them.
fn assert_counts_only_in_limit_values(doc: &mut AutoCommit, t: &Template, seed: u64) {
    let view = ReportView::read(doc.document()).expect("reads (checked before)");
    let (clean, excluded) = admissible(t, &view);

    // The view without the values that break their limits, built here.
    let mut expected = view.clone();
    expected
        .fields
        .retain(|k, v| t.field(k).is_none_or(|(f, _)| in_limits(&f.ty, v)));
    for (k, rows) in &mut expected.records {
        if let Some((f, _)) = t.field(k)
            && let FieldType::Records { columns, .. } = &f.ty
        {
            for row in rows {
                row.values.retain(|col, v| {
                    columns
                        .iter()
                        .find(|c| &c.id == col)
                        .is_none_or(|c| in_limits(&c.ty, v))
                });
            }
        }
    }
    assert_eq!(clean, expected, "seed {seed}: admissible view");

    // Each excluded value is one the view holds, out of its limits.
    let removed = |x: &shared::report::Excluded| -> Option<Value> {
        match (&x.record, &x.column) {
            (Some(r), Some(c)) => view
                .records
                .get(&x.field)?
                .iter()
                .find(|row| &row.id == r)?
                .values
                .get(c)
                .cloned(),
            _ => view.fields.get(&x.field).cloned(),
        }
    };
    let dropped = view.fields.len() - clean.fields.len()
        + view
            .records
            .values()
            .flatten()
            .map(|r| r.values.len())
            .sum::<usize>()
        - clean
            .records
            .values()
            .flatten()
            .map(|r| r.values.len())
            .sum::<usize>();
    assert_eq!(excluded.len(), dropped, "seed {seed}: {excluded:?}");
    for x in &excluded {
        assert_eq!(removed(x).as_ref(), Some(&x.value), "seed {seed}: {x:?}");
        let message = x.message(t, "Xã A", false);
        assert!(message.ends_with(", không tính"), "seed {seed}: {message}");
    }

    // The figures compute, and a Sum is the sum of in-limit values only.
    let figures = compute(
        t,
        &[Contribution {
            unit: "xa-a",
            role: Role::Reporting,
            report: Some(&clean),
        }],
    );
    for fig in t.all_figures() {
        if let (FigureKind::RecordsSumBy { field, sum, .. }, Some(FigureValue::Groups { groups })) =
            (&fig.kind, figures.get(&fig.id))
        {
            // No filter in the shipped template's grouped sums.
            let (f, _) = t.field(field).expect("a grouped sum names a field");
            let FieldType::Records { columns, .. } = &f.ty else {
                panic!("{field} is not a records field");
            };
            for col in sum {
                let c = columns.iter().find(|c| &c.id == col).expect("a column");
                let want: f64 = view
                    .records
                    .get(field)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.values.get(col))
                    .filter(|v| in_limits(&c.ty, v))
                    .filter_map(Value::as_f64)
                    .sum();
                let got: f64 = groups.iter().map(|g| g.sums[col]).sum();
                assert_eq!(got, want, "seed {seed}: {} / {col}", fig.id);
            }
        }
        let FigureKind::Sum { field } = &fig.kind else {
            continue;
        };
        let (f, scope) = t.field(field).expect("a sum names a field");
        let want = view
            .fields
            .get(field)
            .filter(|v| scope.includes(Role::Reporting) && in_limits(&f.ty, v))
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        assert_eq!(
            figures.get(&fig.id),
            Some(&FigureValue::Number { value: want }),
            "seed {seed}: figure {} from {:?}",
            fig.id,
            view.fields.get(field)
        );
    }
}

fn run_case(seed: u64, t: &Template, pool: &[String], strs: &[String]) -> (usize, usize) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let now = Timestamp::from_millis(1_720_000_000_000);
    let mut doc = AutoCommit::new();
    let mut empty = AutoCommit::new();
    {
        let mut r = ReportDoc::open(&mut doc, &key(), t, now).unwrap();
        r.set_narrative("training_narrative", "Bắt đầu").unwrap();
        r.commit();
    }
    assert_eq!(
        check_shape(t, empty.document(), doc.document()),
        Ok(()),
        "seed {seed}: new report"
    );
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..25 {
        let before = doc.document().clone();
        let mut after = doc.fork().with_actor(ActorId::random());
        let product = rng.below(3) == 0;
        if product {
            let mut r = ReportDoc::open(&mut after, &key(), t, now).unwrap();
            product_edit(&mut rng, &mut r, t, strs);
            r.commit();
        } else {
            random_ops(&mut rng, &mut after, pool, strs);
            after.commit();
        }
        match check_shape(t, &before, after.document()) {
            Ok(()) => {
                accepted += 1;
                assert_reads_typed(&mut after, t, seed);
                assert_counts_only_in_limit_values(&mut after, t, seed);
                doc = after;
            }
            Err(e) => {
                assert!(!product, "seed {seed}: the product's own edit refused: {e}");
                refused += 1;
            }
        }
    }
    (accepted, refused)
}

#[test]
fn accepted_changes_leave_a_typed_report() {
    let t = template();
    let pool = key_pool(&t);
    let strs = strings(&t);
    let seeds: Vec<u64> = match std::env::var("SHAPE_SEED") {
        Ok(s) => vec![s.parse().expect("SHAPE_SEED is a number")],
        Err(_) => (1..=300).collect(),
    };
    let (mut accepted, mut refused) = (0, 0);
    for seed in seeds {
        let (a, r) = run_case(seed, &t, &pool, &strs);
        accepted += a;
        refused += r;
    }
    // Both sides of the judge were exercised.
    assert!(
        accepted > 1000 && refused > 1000,
        "{accepted} accepted, {refused} refused"
    );
}
