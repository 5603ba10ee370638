use super::{ReportError, ReportKey, keys};
use crate::protocol::ids::DocumentId;
use crate::template::{FieldType, Template};
use crate::textdiff::splice_between;
use crate::time::Timestamp;
use crate::value::Value;
use crate::workflow::{Status, Step};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ObjId, ObjType, ROOT, ReadDoc};
use sha2::{Digest, Sha256};

/// Typed editing of one report document. Every write goes through the template,
/// so a field that does not exist or a value of the wrong type is refused
/// before it reaches the document.
///
/// Edits are grouped into one Automerge change, committed by [`ReportDoc::commit`]
/// with the caller's clock.
pub struct ReportDoc<'a> {
    doc: &'a mut AutoCommit,
    id: DocumentId,
    template: &'a Template,
    now: Timestamp,
}

impl<'a> ReportDoc<'a> {
    /// Opens `doc` as the report `key`, writing the report's identity into it
    /// (deterministically, see the module docs) if it is new.
    pub fn open(
        doc: &'a mut AutoCommit,
        key: &ReportKey,
        template: &'a Template,
        now: Timestamp,
    ) -> Result<ReportDoc<'a>, ReportError> {
        if key.template != template.id {
            return Err(ReportError::Malformed(format!(
                "report of template {:?} opened with template {:?}",
                key.template, template.id
            )));
        }
        let id = key.document_id();
        let mut r = ReportDoc {
            doc,
            id,
            template,
            now,
        };
        r.apply_deterministic(identity_change(key))?;
        let check = |k: &str, want: &str| -> Result<(), ReportError> {
            match r.doc.get(ROOT, k)? {
                Some((automerge::Value::Scalar(s), _))
                    if crate::crdt::scalar_str(&s) == Some(want) =>
                {
                    Ok(())
                }
                other => Err(ReportError::Malformed(format!(
                    "{k} is {other:?}, not {want:?}"
                ))),
            }
        };
        check(keys::TEMPLATE, &key.template)?;
        check(keys::UNIT, &key.unit)?;
        check(keys::PERIOD, &key.period)?;
        Ok(r)
    }

    /// The document id.
    pub fn id(&self) -> DocumentId {
        self.id
    }

    /// Sets (or, with `None`, clears) a scalar field.
    pub fn set_field(&mut self, field: &str, value: Option<&Value>) -> Result<(), ReportError> {
        let ty = self.scalar_type(field)?;
        let fields = self.container(keys::FIELDS, ObjType::Map)?;
        match value {
            Some(v) => {
                check_type(ty, v, field)?;
                self.check_limits(ty, v, field)?;
                self.doc.put(&fields, field, v.to_scalar())?;
            }
            None => {
                if self.doc.get(&fields, field)?.is_some() {
                    self.doc.delete(&fields, field)?;
                }
            }
        }
        Ok(())
    }

    /// Adds an empty record with a caller-chosen unique id (random on each device).
    pub fn add_record(&mut self, field: &str, record_id: &str) -> Result<(), ReportError> {
        self.records_type(field)?;
        if record_id.is_empty() || record_id.starts_with('_') {
            return Err(ReportError::Malformed(format!(
                "bad record id {record_id:?}"
            )));
        }
        let map = self.container(&records_key(field), ObjType::Map)?;
        let rec = self.doc.put_object(&map, record_id, ObjType::Map)?;
        self.doc
            .put(&rec, keys::RECORD_CREATED, self.now.as_millis())?;
        Ok(())
    }

    /// Sets (or clears) one column of a record.
    pub fn set_record_value(
        &mut self,
        field: &str,
        record_id: &str,
        column: &str,
        value: Option<&Value>,
    ) -> Result<(), ReportError> {
        let ty = self.column_type(field, column)?;
        let rec = self.record(field, record_id)?;
        match value {
            Some(v) => {
                check_type(ty, v, column)?;
                self.check_limits(ty, v, column)?;
                self.doc.put(&rec, column, v.to_scalar())?;
            }
            None => {
                if self.doc.get(&rec, column)?.is_some() {
                    self.doc.delete(&rec, column)?;
                }
            }
        }
        Ok(())
    }

    /// Removes a record.
    pub fn remove_record(&mut self, field: &str, record_id: &str) -> Result<(), ReportError> {
        self.record(field, record_id)?;
        let map = self.container(&records_key(field), ObjType::Map)?;
        self.doc.delete(&map, record_id)?;
        Ok(())
    }

    /// Makes a narrative read `text`, as the smallest splice of what it says now.
    pub fn set_narrative(&mut self, field: &str, text: &str) -> Result<(), ReportError> {
        let obj = self.narrative(field)?;
        let old = self.doc.text(&obj)?;
        if let Some((pos, del, ins)) = splice_between(&old, text) {
            self.doc.splice_text(&obj, pos, del as isize, &ins)?;
        }
        Ok(())
    }

    /// Splices a narrative at a code-point position.
    pub fn splice_narrative(
        &mut self,
        field: &str,
        pos: usize,
        delete: usize,
        insert: &str,
    ) -> Result<(), ReportError> {
        let obj = self.narrative(field)?;
        let len = self.doc.length(&obj);
        if pos > len || pos + delete > len {
            return Err(ReportError::Malformed(format!(
                "splice beyond end of {field:?}"
            )));
        }
        self.doc.splice_text(&obj, pos, delete as isize, insert)?;
        Ok(())
    }

    /// Moves values stored under a field's old ids (`renamed_from`) to the
    /// field, as [`super::migrate::renames`] plans them, and returns the moves.
    ///
    /// Each copy is a *deterministic change* (like the containers, see the
    /// module docs): its actor is derived from the document, the move and the
    /// value, so two phones that migrate the same report offline write the
    /// same change and the merge holds the value once — not a conflict, not a
    /// narrative typed twice. The old value is then deleted by an ordinary
    /// change; a concurrent write of the old id by a phone still on the old
    /// version wins over that delete, so it is kept and shows as retired.
    pub fn migrate(&mut self) -> Result<Vec<super::migrate::Move>, ReportError> {
        use super::migrate::Part;
        if self.doc.pending_ops() > 0 {
            self.doc
                .commit_with(CommitOptions::default().with_time(self.now.as_secs()));
        }
        let view = super::ReportView::read(self.doc.document())?;
        let moves = super::migrate::renames(self.template, &view);
        for m in &moves {
            let what = |content: &str| format!("migrate\0{}\0{}\0{content}", m.from, m.to);
            match m.part {
                Part::Scalar => {
                    let Some(value) = view.fields.get(&m.from) else {
                        continue;
                    };
                    let to = m.to.as_str();
                    self.deterministic_edit(
                        &what(&format!("{value:?}")),
                        keys::FIELDS,
                        ObjType::Map,
                        |d, obj| d.put(obj, to, value.to_scalar()).map(drop),
                    )?;
                    let fields = self.container(keys::FIELDS, ObjType::Map)?;
                    self.doc.delete(&fields, m.from.as_str())?;
                }
                Part::Narrative => {
                    let text = view.narratives.get(&m.from).cloned().unwrap_or_default();
                    self.deterministic_edit(
                        &what(&text),
                        &text_key(&m.to),
                        ObjType::Text,
                        |d, obj| d.splice_text(obj, 0, 0, &text),
                    )?;
                    self.doc.delete(ROOT, text_key(&m.from))?;
                }
                Part::Records => {
                    let rows = view.records.get(&m.from).cloned().unwrap_or_default();
                    self.deterministic_edit(
                        &what(&format!("{rows:?}")),
                        &records_key(&m.to),
                        ObjType::Map,
                        |d, map| {
                            for row in &rows {
                                let rec = d.put_object(map, row.id.as_str(), ObjType::Map)?;
                                d.put(&rec, keys::RECORD_CREATED, row.created)?;
                                for (col, v) in &row.values {
                                    d.put(&rec, col.as_str(), v.to_scalar())?;
                                }
                            }
                            Ok(())
                        },
                    )?;
                    self.doc.delete(ROOT, records_key(&m.from))?;
                }
            }
        }
        Ok(moves)
    }

    /// Applies `edit` to the container at `key` as a deterministic change
    /// whose actor is derived from `what` (which must name the content).
    fn deterministic_edit(
        &mut self,
        what: &str,
        key: &str,
        ty: ObjType,
        edit: impl FnOnce(&mut AutoCommit, &ObjId) -> Result<(), automerge::AutomergeError>,
    ) -> Result<(), ReportError> {
        self.container(key, ty)?;
        let mut d = AutoCommit::new().with_actor(deterministic_actor(&self.id, what));
        d.apply_changes([container_change(&self.id, key, ty)])?;
        let obj = existing(&d, key, ty)?
            .ok_or_else(|| ReportError::Malformed(format!("{key} is not a {ty:?}")))?;
        edit(&mut d, &obj)?;
        self.apply_deterministic(finish(d))
    }

    /// Sets the workflow status.
    pub fn set_status(&mut self, status: &str) -> Result<(), ReportError> {
        self.doc.put(ROOT, keys::STATUS, status)?;
        Ok(())
    }

    /// Takes a workflow step: sets the status the step leads to and appends
    /// who took it, when (the caller's clock) and the comment to the
    /// report's history. Whether `by` may take it is the caller's question
    /// ([`crate::workflow::steps`]); here only the step's order is checked.
    pub fn take_step(&mut self, step: Step, by: &str, comment: &str) -> Result<(), ReportError> {
        let from = self.status()?;
        if !step.applies_to(from) {
            return Err(ReportError::Step {
                step: step.as_str(),
                from: from.as_str(),
            });
        }
        let to = step.target();
        let list = self.container(keys::HISTORY, ObjType::List)?;
        let at = self.doc.length(&list);
        let entry = self.doc.insert_object(&list, at, ObjType::Map)?;
        self.doc.put(&entry, "step", step.as_str())?;
        self.doc.put(&entry, "status", to.as_str())?;
        self.doc.put(&entry, "by", by)?;
        self.doc.put(&entry, "at", self.now.as_millis())?;
        self.doc.put(&entry, "comment", comment)?;
        self.doc.put(ROOT, keys::STATUS, to.as_str())?;
        Ok(())
    }

    /// The workflow status as the document holds it now.
    fn status(&self) -> Result<Status, ReportError> {
        Ok(Status::of(
            match self.doc.get(ROOT, keys::STATUS)? {
                Some((automerge::Value::Scalar(s), _)) => {
                    crate::crdt::scalar_str(&s).map(str::to_string)
                }
                _ => None,
            }
            .as_deref(),
        ))
    }

    /// A submitted or approved report is always within its fields' limits:
    /// a value outside them is not written while it is (the server refuses
    /// such a change, see `server/src/auth/policy.rs`; a draft keeps it and
    /// the form shows the error).
    fn check_limits(&self, ty: &FieldType, v: &Value, name: &str) -> Result<(), ReportError> {
        if matches!(self.status()?, Status::Submitted | Status::Approved)
            && !crate::validate::within_limits(ty, v)
        {
            return Err(ReportError::OutOfLimits(name.into()));
        }
        Ok(())
    }

    /// Commits the pending edits as one change stamped with the caller's time.
    pub fn commit(self) -> Option<ChangeHash> {
        self.doc
            .commit_with(CommitOptions::default().with_time(self.now.as_secs()))
    }

    fn scalar_type(&self, field: &str) -> Result<&'a FieldType, ReportError> {
        match self.template.field(field) {
            Some((f, _)) if f.ty.is_scalar() => Ok(&f.ty),
            Some(_) => Err(ReportError::WrongType(field.into())),
            None => Err(ReportError::UnknownField(field.into())),
        }
    }

    fn records_type(&self, field: &str) -> Result<&'a [crate::template::Column], ReportError> {
        match self.template.field(field) {
            Some((
                crate::template::Field {
                    ty: FieldType::Records { columns, .. },
                    ..
                },
                _,
            )) => Ok(columns),
            Some(_) => Err(ReportError::WrongType(field.into())),
            None => Err(ReportError::UnknownField(field.into())),
        }
    }

    fn column_type(&self, field: &str, column: &str) -> Result<&'a FieldType, ReportError> {
        self.records_type(field)?
            .iter()
            .find(|c| c.id == column)
            .map(|c| &c.ty)
            .ok_or_else(|| ReportError::UnknownColumn {
                field: field.into(),
                column: column.into(),
            })
    }

    fn narrative(&mut self, field: &str) -> Result<ObjId, ReportError> {
        match self.template.field(field) {
            Some((f, _)) if f.ty == FieldType::Narrative => {}
            Some(_) => return Err(ReportError::WrongType(field.into())),
            None => return Err(ReportError::UnknownField(field.into())),
        }
        self.container(&text_key(field), ObjType::Text)
    }

    fn record(&mut self, field: &str, record_id: &str) -> Result<ObjId, ReportError> {
        self.records_type(field)?;
        let map = self.container(&records_key(field), ObjType::Map)?;
        match self.doc.get(&map, record_id)? {
            Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
            _ => Err(ReportError::UnknownRecord {
                field: field.into(),
                record: record_id.into(),
            }),
        }
    }

    /// The container at a root key, created by its deterministic change if absent.
    fn container(&mut self, key: &str, ty: ObjType) -> Result<ObjId, ReportError> {
        if let Some(id) = existing(self.doc, key, ty)? {
            return Ok(id);
        }
        self.apply_deterministic(container_change(&self.id, key, ty))?;
        existing(self.doc, key, ty)?
            .ok_or_else(|| ReportError::Malformed(format!("{key} is not a {ty:?}")))
    }

    fn apply_deterministic(&mut self, change: Change) -> Result<(), ReportError> {
        if self.doc.get_change_by_hash(&change.hash()).is_some() {
            return Ok(());
        }
        // Applying closes any open transaction; commit it with our time first so
        // the user's edits keep their timestamp.
        if self.doc.pending_ops() > 0 {
            self.doc
                .commit_with(CommitOptions::default().with_time(self.now.as_secs()));
        }
        self.doc.apply_changes([change])?;
        Ok(())
    }
}

fn existing(doc: &AutoCommit, key: &str, ty: ObjType) -> Result<Option<ObjId>, ReportError> {
    Ok(match doc.get(ROOT, key)? {
        Some((automerge::Value::Object(t), id)) if t == ty => Some(id),
        _ => None,
    })
}

/// The root key of a records field's map.
pub(crate) fn records_key(field: &str) -> String {
    format!("{}{field}", keys::RECORDS_PREFIX)
}

/// The root key of a narrative's text.
pub(crate) fn text_key(field: &str) -> String {
    format!("{}{field}", keys::TEXT_PREFIX)
}

fn check_type(ty: &FieldType, v: &Value, name: &str) -> Result<(), ReportError> {
    if super::migrate::fits(ty, v) {
        Ok(())
    } else {
        Err(ReportError::WrongType(name.into()))
    }
}

pub(super) fn deterministic_actor(id: &DocumentId, what: &str) -> ActorId {
    let mut h = Sha256::new();
    h.update(b"baocao:container:v1\0");
    h.update(id.as_bytes());
    h.update(what.as_bytes());
    ActorId::from(&h.finalize()[..16])
}

/// The change that writes a report's identity; identical on every device.
fn identity_change(key: &ReportKey) -> Change {
    let id = key.document_id();
    let mut d = AutoCommit::new().with_actor(deterministic_actor(&id, "identity"));
    let put = |d: &mut AutoCommit| -> Result<(), automerge::AutomergeError> {
        d.put(ROOT, keys::SCHEMA, keys::SCHEMA_VERSION)?;
        d.put(ROOT, keys::TEMPLATE, key.template.as_str())?;
        d.put(ROOT, keys::UNIT, key.unit.as_str())?;
        d.put(ROOT, keys::PERIOD, key.period.as_str())?;
        Ok(())
    };
    put(&mut d).expect("writing scalars to a fresh document cannot fail");
    finish(d)
}

/// The change that creates the container at a root key; identical on every device.
fn container_change(id: &DocumentId, key: &str, ty: ObjType) -> Change {
    let mut d = AutoCommit::new().with_actor(deterministic_actor(id, key));
    d.put_object(ROOT, key, ty)
        .expect("creating an object in a fresh document cannot fail");
    finish(d)
}

fn finish(mut d: AutoCommit) -> Change {
    d.commit_with(CommitOptions::default().with_time(0));
    crate::crdt::last_local_change(&mut d).expect("a change was just committed")
}
