//! The shape of a report document, judged against its template: what the
//! server asks of a peer's change besides who wrote it and which workflow
//! step it takes (`may_write` in `server/src/auth/policy.rs` applies the
//! change to a copy; [`check_shape`] judges `before` and `after`).
//!
//! A report is written only through [`crate::ReportDoc`], so "well shaped"
//! means *as `ReportDoc` writes it*:
//! - the identity (`baocao`, `template`, `unit`, `period` at the root) is
//!   written once, by the deterministic identity change, and never again;
//! - every container (`fields`, `history`, each `records:<id>` and
//!   `text:<id>`) is created by its deterministic change (so two phones share
//!   one), is never replaced, deleted or changed in kind — except the
//!   containers of an *old* id, which migration deletes after moving them;
//! - a scalar field holds what `Value::to_scalar` writes for its type: an
//!   `Int` (integer; a decimal field also takes an `Int`, as `ReportDoc`
//!   does), a finite `F64` (decimal), a `Boolean`, a `Str` that reads as a
//!   date, a `Str` among a choice's options, a `Str` (text). Never a counter,
//!   an unsigned, a timestamp, bytes, null, or an object (a JavaScript client
//!   writing a string as a Text object is refused);
//! - a narrative is the Text object at `text:<id>`;
//! - a records field is a map of record id (not empty, not starting with
//!   `_`) → record map, each with an `Int` `_created` and template columns;
//! - `status` is a scalar `Str` among the workflow's statuses, never deleted;
//! - `history` entries are maps of exactly `step`, `status` (the step's
//!   target), `by`, `at` (`Int`, ms) and `comment`, appended and then never
//!   changed or removed (who may append is [`crate::workflow::check_history`]'s).
//!
//! **Ranges are not shape.** A value outside its field's `min`/`max`, a date
//! outside a plausible range or a text longer than `max_len` has the field's
//! type: the phone saves it in a draft and shows the error
//! ([`crate::validate`]), and the submission is refused by
//! [`crate::workflow::check_submission`]. Refusing it here would refuse what
//! the phone writes — and migration itself copies a text into a renamed
//! field without looking at its (possibly smaller) `max_len`. So only the
//! type is judged; a choice outside the options is a type error (the
//! options *are* the type, as [`super::migrate`] also decides).
//!
//! **Old ids.** Values under an id the template no longer has are kept
//! ([`super::migrate::retired`]). An id is *old* when a field of the template
//! names it in `renamed_from`, when an older version given to
//! [`Shape::with_older`] has it, or when the document already held it at that
//! place before the change. Under an old id any scalar the product writes is
//! accepted (its type is the old version's, not known here), records rows
//! keep the record shape with any columns, and its containers may be deleted.
//! A record column the template does not have is accepted where the record
//! already had it, or where it carries exactly the value the same record
//! and column have under a `renamed_from` id in `before` (what migration
//! copies); the same holds for a known column whose value no longer fits.
//!
//! **What is judged.** Only what the change touched: a key whose values
//! (every value Automerge keeps there, conflicts included, by op id) are the
//! same before and after is not judged again, so a document stored before
//! these rules (or under an older template) stays editable. Every container
//! is walked to find what changed, which for a report (tens of fields, rows
//! of a few columns) is a few hundred reads per change.

use super::doc::deterministic_actor;
use super::{ReportKey, keys};
use crate::protocol::ids::DocumentId;
use crate::template::{Column, FieldType, Template};
use crate::value::Value;
use automerge::{Automerge, ObjId, ObjType, Prop, ROOT, ReadDoc, ScalarValue};
use std::collections::BTreeSet;

mod workflow;
use workflow::{check_history, check_status};

#[cfg(test)]
mod tests;

/// Which rule a change breaks; [`ShapeReason::code`] is stable on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShapeReason {
    /// The identity (template, unit, period, schema) was changed or deleted.
    Identity,
    /// A container was deleted, replaced, changed in kind or not created by
    /// its deterministic change.
    Container,
    /// A value does not have its field's (or column's) type.
    Type,
    /// A key the template does not have (and no old version kept).
    UnknownKey,
    /// `status` is not a workflow status written as the workflow writes it.
    Status,
    /// A history entry is not shaped as the workflow writes it, or an
    /// existing one was changed or removed.
    History,
}

impl ShapeReason {
    /// Every reason.
    pub const ALL: [ShapeReason; 6] = [
        ShapeReason::Identity,
        ShapeReason::Container,
        ShapeReason::Type,
        ShapeReason::UnknownKey,
        ShapeReason::Status,
        ShapeReason::History,
    ];

    /// Stable code sent over the wire.
    pub fn code(self) -> &'static str {
        match self {
            ShapeReason::Identity => "shape:identity",
            ShapeReason::Container => "shape:container",
            ShapeReason::Type => "shape:type",
            ShapeReason::UnknownKey => "shape:unknown-key",
            ShapeReason::Status => "shape:status",
            ShapeReason::History => "shape:history",
        }
    }

    /// The reason a code names, if it is one.
    pub fn from_code(code: &str) -> Option<ShapeReason> {
        ShapeReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A change that does not leave the report shaped as the product writes it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {path}: {detail}", .reason.code())]
pub struct ShapeError {
    /// The rule broken.
    pub reason: ShapeReason,
    /// Where in the document (`fields/officers`, `records:cases/r1/age`, …).
    pub path: String,
    /// What is wrong there.
    pub detail: String,
}

impl ShapeError {
    /// The stable code of the reason.
    pub fn code(&self) -> &'static str {
        self.reason.code()
    }
}

fn err<T>(
    reason: ShapeReason,
    path: impl Into<String>,
    detail: impl Into<String>,
) -> Result<T, ShapeError> {
    Err(ShapeError {
        reason,
        path: path.into(),
        detail: detail.into(),
    })
}

/// Judges `after` (= `before` with a peer's changes applied) against
/// `template`, the template the report's `template` key names. See the
/// module docs; [`Shape`] also knows older versions of the template.
pub fn check_shape(
    template: &Template,
    before: &Automerge,
    after: &Automerge,
) -> Result<(), ShapeError> {
    Shape::new(template).check(before, after)
}

/// The shape of a template's reports, with the ids older versions used.
#[derive(Clone, Debug)]
pub struct Shape<'t> {
    template: &'t Template,
    old_ids: BTreeSet<String>,
}

/// Every value Automerge keeps at one place, with its op id.
type Values<'a> = Vec<(automerge::Value<'a>, ObjId)>;

fn values<'a>(
    doc: &'a Automerge,
    obj: &ObjId,
    prop: impl Into<Prop>,
    path: &str,
) -> Result<Values<'a>, ShapeError> {
    doc.get_all(obj, prop)
        .or_else(|e| err(ShapeReason::Container, path, format!("unreadable: {e}")))
}

/// The same values (by op id) at one place before and after.
fn same(a: &Values<'_>, b: &Values<'_>) -> bool {
    a.len() == b.len() && a.iter().all(|(_, x)| b.iter().any(|(_, y)| x == y))
}

/// A scalar as `Value::to_scalar` writes it.
fn product_scalar(v: &automerge::Value<'_>) -> Option<Value> {
    match v {
        automerge::Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) => Some(Value::Int(*i)),
            ScalarValue::F64(f) if f.is_finite() => Some(Value::Decimal(*f)),
            ScalarValue::Boolean(b) => Some(Value::Bool(*b)),
            ScalarValue::Str(s) => Some(Value::Str(s.to_string())),
            _ => None,
        },
        automerge::Value::Object(_) => None,
    }
}

fn describe(v: &automerge::Value<'_>) -> String {
    match v {
        automerge::Value::Object(t) => format!("a {t:?} object"),
        automerge::Value::Scalar(s) => format!("the scalar {s:?}"),
    }
}

fn fits(ty: &FieldType, v: &automerge::Value<'_>) -> bool {
    product_scalar(v).is_some_and(|v| super::migrate::fits(ty, &v))
}

fn join(path: &str, key: &str) -> String {
    format!("{path}/{key}")
}

impl<'t> Shape<'t> {
    /// The shape of `template`'s reports; its `renamed_from` ids are old ids.
    pub fn new(template: &'t Template) -> Shape<'t> {
        let old_ids = template
            .fields()
            .flat_map(|(_, f)| f.renamed_from.iter().cloned())
            .collect();
        Shape { template, old_ids }
    }

    /// Also accepts the ids of an older version of the template (fields it
    /// had that this version removed), so that a phone still on that version
    /// may write them for the first time.
    pub fn with_older(mut self, older: &Template) -> Shape<'t> {
        for (_, f) in older.fields() {
            if self.template.field(&f.id).is_none() {
                self.old_ids.insert(f.id.clone());
            }
            self.old_ids.extend(f.renamed_from.iter().cloned());
        }
        self
    }

    /// [`Shape::with_older`] for each of `versions`.
    pub fn with_older_versions<'v>(
        self,
        versions: impl IntoIterator<Item = &'v Template>,
    ) -> Shape<'t> {
        versions
            .into_iter()
            .fold(self, |s, older| s.with_older(older))
    }

    /// Judges a change: `before` the document as stored, `after` with the
    /// peer's changes applied.
    pub fn check(&self, before: &Automerge, after: &Automerge) -> Result<(), ShapeError> {
        let id = self.identity(before, after)?;
        let after_keys: BTreeSet<String> = after.keys(ROOT).collect();
        for k in before.keys(ROOT) {
            if !after_keys.contains(&k) {
                self.root_deleted(&k)?;
            }
        }
        for k in &after_keys {
            let a = values(after, &ROOT, k.as_str(), k)?;
            let b = values(before, &ROOT, k.as_str(), k)?;
            if [keys::SCHEMA, keys::TEMPLATE, keys::UNIT, keys::PERIOD].contains(&k.as_str()) {
                continue;
            }
            if k == keys::STATUS {
                if !same(&a, &b) {
                    check_status(&a)?;
                }
            } else if k == keys::FIELDS {
                if let Some((fa, fb)) = container(&id, k, ObjType::Map, &a, &b)? {
                    self.check_fields(after, before, &fa, fb.as_ref())?;
                }
            } else if k == keys::HISTORY {
                if let Some((la, lb)) = container(&id, k, ObjType::List, &a, &b)? {
                    check_history(after, before, &la, lb.as_ref())?;
                }
            } else if let Some(field) = k.strip_prefix(keys::RECORDS_PREFIX) {
                let columns = match self.template.field(field).map(|(f, _)| &f.ty) {
                    Some(FieldType::Records { columns, .. }) => Some(columns.as_slice()),
                    Some(ty) => {
                        return err(
                            ShapeReason::Type,
                            k.as_str(),
                            format!("{field:?} is a {} field, not records", ty.name()),
                        );
                    }
                    None if self.old_ids.contains(field) || !b.is_empty() => None,
                    None => {
                        return err(ShapeReason::UnknownKey, k.as_str(), "no such records field");
                    }
                };
                if let Some((ra, rb)) = container(&id, k, ObjType::Map, &a, &b)? {
                    self.check_records(after, before, field, columns, &ra, rb.as_ref())?;
                }
            } else if let Some(field) = k.strip_prefix(keys::TEXT_PREFIX) {
                match self.template.field(field).map(|(f, _)| &f.ty) {
                    Some(FieldType::Narrative) => {}
                    Some(ty) => {
                        return err(
                            ShapeReason::Type,
                            k.as_str(),
                            format!("{field:?} is a {} field, not a narrative", ty.name()),
                        );
                    }
                    None if self.old_ids.contains(field) || !b.is_empty() => {}
                    None => return err(ShapeReason::UnknownKey, k.as_str(), "no such narrative"),
                }
                container(&id, k, ObjType::Text, &a, &b)?;
            } else if !same(&a, &b) {
                return err(ShapeReason::UnknownKey, k.as_str(), "not a key of a report");
            }
        }
        Ok(())
    }

    /// Checks the identity and returns the document id it derives.
    fn identity(&self, before: &Automerge, after: &Automerge) -> Result<DocumentId, ShapeError> {
        let str_at = |k: &str| -> Result<String, ShapeError> {
            match values(after, &ROOT, k, k)?.as_slice() {
                [(automerge::Value::Scalar(s), _)] => match s.as_ref() {
                    ScalarValue::Str(s) => Ok(s.to_string()),
                    other => err(
                        ShapeReason::Identity,
                        k,
                        format!("{other:?} is not a string"),
                    ),
                },
                [] => err(ShapeReason::Identity, k, "missing"),
                _ => err(ShapeReason::Identity, k, "not one string"),
            }
        };
        let key = ReportKey {
            template: str_at(keys::TEMPLATE)?,
            unit: str_at(keys::UNIT)?,
            period: str_at(keys::PERIOD)?,
        };
        if key.template != self.template.id {
            return err(
                ShapeReason::Identity,
                keys::TEMPLATE,
                format!(
                    "report of {:?} judged by template {:?}",
                    key.template, self.template.id
                ),
            );
        }
        let id = key.document_id();
        let actor = deterministic_actor(&id, "identity");
        for (i, k) in [keys::SCHEMA, keys::TEMPLATE, keys::UNIT, keys::PERIOD]
            .into_iter()
            .enumerate()
        {
            let a = values(after, &ROOT, k, k)?;
            let b = values(before, &ROOT, k, k)?;
            if !b.is_empty() && same(&a, &b) {
                continue;
            }
            // New (or rewritten): only the identity change's own op will do.
            let deterministic = matches!(a.as_slice(),
                [(_, ObjId::Id(ctr, by, _))] if *ctr == i as u64 + 1 && *by == actor);
            if !b.is_empty() || !deterministic {
                return err(
                    ShapeReason::Identity,
                    k,
                    "changed after the report was created",
                );
            }
        }
        Ok(id)
    }

    fn root_deleted(&self, k: &str) -> Result<(), ShapeError> {
        let current = |field: &str| self.template.field(field).is_some();
        if [keys::SCHEMA, keys::TEMPLATE, keys::UNIT, keys::PERIOD].contains(&k) {
            err(ShapeReason::Identity, k, "deleted")
        } else if k == keys::STATUS {
            err(ShapeReason::Status, k, "deleted")
        } else if k == keys::FIELDS || k == keys::HISTORY {
            err(ShapeReason::Container, k, "deleted")
        } else if let Some(f) = k
            .strip_prefix(keys::RECORDS_PREFIX)
            .or_else(|| k.strip_prefix(keys::TEXT_PREFIX))
            && current(f)
        {
            err(ShapeReason::Container, k, "deleted")
        } else {
            // An old id's container (migration moves and deletes it), or a
            // key that was never the report's.
            Ok(())
        }
    }

    fn check_fields(
        &self,
        after: &Automerge,
        before: &Automerge,
        fa: &ObjId,
        fb: Option<&ObjId>,
    ) -> Result<(), ShapeError> {
        for k in after.keys(fa) {
            let path = join(keys::FIELDS, &k);
            let a = values(after, fa, k.as_str(), &path)?;
            let b = match fb {
                Some(fb) => values(before, fb, k.as_str(), &path)?,
                None => Vec::new(),
            };
            if same(&a, &b) {
                continue;
            }
            match self.template.field(&k).map(|(f, _)| &f.ty) {
                Some(ty) if ty.is_scalar() => {
                    for (v, _) in &a {
                        if !fits(ty, v) {
                            return err(
                                ShapeReason::Type,
                                path,
                                format!("{} is not a {} value", describe(v), ty.name()),
                            );
                        }
                    }
                }
                Some(ty) => {
                    return err(
                        ShapeReason::Type,
                        path,
                        format!("a {} field holds no single value", ty.name()),
                    );
                }
                None if self.old_ids.contains(&k) || !b.is_empty() => {
                    if let Some((v, _)) = a.iter().find(|(v, _)| product_scalar(v).is_none()) {
                        return err(
                            ShapeReason::Type,
                            path,
                            format!("{} is no field value", describe(v)),
                        );
                    }
                }
                None => return err(ShapeReason::UnknownKey, path, "no such field"),
            }
        }
        Ok(())
    }

    fn check_records(
        &self,
        after: &Automerge,
        before: &Automerge,
        field: &str,
        columns: Option<&[Column]>,
        ra: &ObjId,
        rb: Option<&ObjId>,
    ) -> Result<(), ShapeError> {
        let root = format!("{}{field}", keys::RECORDS_PREFIX);
        for rid in after.keys(ra) {
            let path = join(&root, &rid);
            let a = values(after, ra, rid.as_str(), &path)?;
            let b = match rb {
                Some(rb) => values(before, rb, rid.as_str(), &path)?,
                None => Vec::new(),
            };
            if (rid.is_empty() || rid.starts_with('_')) && !same(&a, &b) {
                return err(ShapeReason::UnknownKey, path, "not a record id");
            }
            for (v, oa) in &a {
                if !matches!(v, automerge::Value::Object(ObjType::Map)) {
                    if b.iter().any(|(_, x)| x == oa) {
                        continue; // as it was: not judged again
                    }
                    return err(
                        ShapeReason::Type,
                        path,
                        format!("{} is not a record", describe(v)),
                    );
                }
                let ob = b
                    .iter()
                    .find(|(v, x)| x == oa && matches!(v, automerge::Value::Object(ObjType::Map)))
                    .map(|(_, x)| x);
                self.check_record(after, before, field, columns, &rid, oa, ob, &path)?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn check_record(
        &self,
        after: &Automerge,
        before: &Automerge,
        field: &str,
        columns: Option<&[Column]>,
        rid: &str,
        oa: &ObjId,
        ob: Option<&ObjId>,
        root: &str,
    ) -> Result<(), ShapeError> {
        let created = join(root, keys::RECORD_CREATED);
        let a = values(after, oa, keys::RECORD_CREATED, &created)?;
        let had_created = match ob {
            Some(ob) => !values(before, ob, keys::RECORD_CREATED, &created)?.is_empty(),
            None => false,
        };
        if a.is_empty() && (ob.is_none() || had_created) {
            return err(
                ShapeReason::Type,
                created,
                "a record keeps its creation time",
            );
        }
        for col in after.keys(oa) {
            let path = join(root, &col);
            let a = values(after, oa, col.as_str(), &path)?;
            let b = match ob {
                Some(ob) => values(before, ob, col.as_str(), &path)?,
                None => Vec::new(),
            };
            if same(&a, &b) {
                continue;
            }
            if col == keys::RECORD_CREATED {
                if let Some((v, _)) = a
                    .iter()
                    .find(|(v, _)| !matches!(product_scalar(v), Some(Value::Int(_))))
                {
                    return err(
                        ShapeReason::Type,
                        path,
                        format!("{} is not a time in ms", describe(v)),
                    );
                }
                continue;
            }
            if col.starts_with('_') {
                return err(ShapeReason::UnknownKey, path, "not a column");
            }
            let column = columns.map(|cs| cs.iter().find(|c| c.id == col));
            let ok = match column {
                Some(Some(c)) => a.iter().all(|(v, _)| fits(&c.ty, v)),
                // A retired field's rows, or a column the record already had.
                None => a.iter().all(|(v, _)| product_scalar(v).is_some()),
                Some(None) => !b.is_empty() && a.iter().all(|(v, _)| product_scalar(v).is_some()),
            };
            if ok || self.moved(before, field, rid, &col, &a)? {
                continue;
            }
            return match column {
                Some(Some(c)) => err(
                    ShapeReason::Type,
                    path,
                    format!("not a {} value", c.ty.name()),
                ),
                Some(None) => err(ShapeReason::UnknownKey, path, "no such column"),
                None => err(ShapeReason::Type, path, "no column value"),
            };
        }
        Ok(())
    }

    /// Whether every value in `a` is the one the record `rid` has in `col`
    /// under an id `field` was renamed from, in `before`: what migration
    /// copies, whatever the column's type now.
    fn moved(
        &self,
        before: &Automerge,
        field: &str,
        rid: &str,
        col: &str,
        a: &Values<'_>,
    ) -> Result<bool, ShapeError> {
        let Some((f, _)) = self.template.field(field) else {
            return Ok(false);
        };
        let mut old_values = Vec::new();
        for old in &f.renamed_from {
            let key = format!("{}{old}", keys::RECORDS_PREFIX);
            let Some((automerge::Value::Object(ObjType::Map), map)) =
                before.get(ROOT, key.as_str()).ok().flatten()
            else {
                continue;
            };
            let Some((automerge::Value::Object(ObjType::Map), rec)) =
                before.get(&map, rid).ok().flatten()
            else {
                continue;
            };
            for (v, _) in values(before, &rec, col, col)? {
                old_values.extend(product_scalar(&v));
            }
        }
        Ok(!a.is_empty()
            && a.iter()
                .all(|(v, _)| product_scalar(v).is_some_and(|v| old_values.contains(&v))))
    }
}

/// The container at a root key, as the product makes it: one object of
/// kind `ty`, created by its deterministic change, never replaced. Returns
/// its id in `after` and, if it was there, in `before`; `None` to skip a
/// container that is malformed but untouched.
fn container(
    id: &DocumentId,
    k: &str,
    ty: ObjType,
    a: &Values<'_>,
    b: &Values<'_>,
) -> Result<Option<(ObjId, Option<ObjId>)>, ShapeError> {
    let one = match a.as_slice() {
        [(automerge::Value::Object(t), obj)] if *t == ty => Some(obj.clone()),
        _ => None,
    };
    if !b.is_empty() && same(a, b) {
        // Untouched: walked for changes inside, or skipped if it was
        // already malformed (not judged again).
        return Ok(one.map(|o| (o.clone(), Some(o))));
    }
    let Some(obj) = one else {
        let what = a
            .iter()
            .map(|(v, _)| describe(v))
            .collect::<Vec<_>>()
            .join(", ");
        return err(
            ShapeReason::Container,
            k,
            format!("must be one {ty:?}, is {what}"),
        );
    };
    if !b.is_empty() {
        return err(ShapeReason::Container, k, "replaced by another object");
    }
    let actor = deterministic_actor(id, k);
    if !matches!(&obj, ObjId::Id(1, by, _) if *by == actor) {
        return err(
            ShapeReason::Container,
            k,
            "not created by its deterministic change (two devices would make two)",
        );
    }
    Ok(Some((obj, None)))
}
