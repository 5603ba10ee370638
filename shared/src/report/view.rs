use super::{ReportError, ReportKey, keys};
use crate::value::Value;
use crate::workflow::{Status, Step, Transition};
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A plain snapshot of a report: what forms render, what aggregation reads and
/// what the REST API returns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    /// Template id.
    pub template: String,
    /// Org unit id.
    pub unit: String,
    /// Period id.
    pub period: String,
    /// Workflow status, if any was set.
    #[serde(default)]
    pub status: Option<String>,
    /// Scalar field values.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// Records per records field, oldest first.
    #[serde(default)]
    pub records: BTreeMap<String, Vec<Record>>,
    /// Narrative texts.
    #[serde(default)]
    pub narratives: BTreeMap<String, String>,
    /// Values set concurrently by different people (Automerge kept one; the
    /// others are here until someone resolves them).
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Workflow steps taken, in the order they were appended.
    #[serde(default)]
    pub history: Vec<Transition>,
}

/// One record of a records field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Unique record id.
    pub id: String,
    /// When it was added (ms since the epoch).
    pub created: i64,
    /// Column values.
    pub values: BTreeMap<String, Value>,
}

/// A field (or record column) with concurrent values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Field id.
    pub field: String,
    /// Record id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Column id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Every concurrent value; the first is the one Automerge shows.
    pub values: Vec<ConflictValue>,
}

/// One side of a conflict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictValue {
    /// The value.
    pub value: Value,
    /// Hex actor id of the device session that wrote it.
    pub actor: String,
    /// Change time, seconds since the epoch.
    pub time: i64,
}

/// A report's identity and status only: what lists and projections need,
/// without reading its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportMeta {
    /// Template, unit and period.
    pub key: ReportKey,
    /// Workflow status, if any was set.
    pub status: Option<String>,
}

impl ReportMeta {
    /// Reads the identity keys at the document's root.
    pub fn read(doc: &Automerge) -> Result<ReportMeta, ReportError> {
        let str_at = |k: &str| -> Result<Option<String>, ReportError> {
            Ok(match doc.get(ROOT, k)? {
                Some((automerge::Value::Scalar(s), _)) => {
                    crate::crdt::scalar_str(&s).map(str::to_string)
                }
                _ => None,
            })
        };
        let required =
            |k: &str| str_at(k)?.ok_or_else(|| ReportError::Malformed(format!("no {k}")));
        Ok(ReportMeta {
            key: ReportKey {
                template: required(keys::TEMPLATE)?,
                unit: required(keys::UNIT)?,
                period: required(keys::PERIOD)?,
            },
            status: str_at(keys::STATUS)?,
        })
    }

    /// Whether any change `after` holds beyond `before` was made on a report
    /// whose status was one of `statuses` — read at the change's own
    /// dependencies, the report as its author saw it, not as it is after a
    /// merge: a phone that edited a draft offline while another submitted it
    /// did not edit a submitted report.
    pub fn edited_while(before: &Automerge, after: &Automerge, statuses: &[Status]) -> bool {
        after.get_changes(&before.get_heads()).iter().any(|c| {
            let status = match after.get_at(ROOT, keys::STATUS, c.deps()) {
                Ok(Some((automerge::Value::Scalar(s), _))) => {
                    crate::crdt::scalar_str(&s).map(str::to_string)
                }
                _ => None,
            };
            statuses.contains(&Status::of(status.as_deref()))
        })
    }
}

impl ReportView {
    /// Only the workflow history of a report document (no fields read).
    pub fn history_of(doc: &Automerge) -> Result<Vec<Transition>, ReportError> {
        match doc.get(ROOT, keys::HISTORY)? {
            Some((automerge::Value::Object(ObjType::List), obj)) => read_history(doc, &obj),
            _ => Ok(Vec::new()),
        }
    }

    /// Reads a report document. Keys that are not part of the schema (for
    /// example written by another automerge-repo client) are ignored.
    pub fn read(doc: &Automerge) -> Result<ReportView, ReportError> {
        let meta = ReportMeta::read(doc)?;
        let mut view = ReportView {
            template: meta.key.template,
            unit: meta.key.unit,
            period: meta.key.period,
            status: meta.status,
            ..Default::default()
        };
        for key in doc.keys(ROOT) {
            let Some((automerge::Value::Object(ty), obj)) = doc.get(ROOT, &key)? else {
                continue;
            };
            if key == keys::FIELDS && ty == ObjType::Map {
                read_scalars(doc, &obj, &mut view.fields, &mut |k, values| {
                    view.conflicts.push(Conflict {
                        field: k.to_string(),
                        record: None,
                        column: None,
                        values,
                    })
                })?;
            } else if let (Some(field), ObjType::Map) = (key.strip_prefix(keys::RECORDS_PREFIX), ty)
            {
                let mut rows = Vec::new();
                for rid in doc.keys(&obj) {
                    let Some((automerge::Value::Object(ObjType::Map), robj)) =
                        doc.get(&obj, &rid)?
                    else {
                        continue;
                    };
                    let mut values = BTreeMap::new();
                    let mut created = 0;
                    read_scalars(doc, &robj, &mut values, &mut |col, vals| {
                        view.conflicts.push(Conflict {
                            field: field.to_string(),
                            record: Some(rid.clone()),
                            column: Some(col.to_string()),
                            values: vals,
                        })
                    })?;
                    if let Some(Value::Int(c)) = values.remove(keys::RECORD_CREATED) {
                        created = c;
                    }
                    values.retain(|k, _| !k.starts_with('_'));
                    rows.push(Record {
                        id: rid,
                        created,
                        values,
                    });
                }
                rows.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
                view.records.insert(field.to_string(), rows);
            } else if key == keys::HISTORY && ty == ObjType::List {
                view.history = read_history(doc, &obj)?;
            } else if let (Some(field), ObjType::Text) = (key.strip_prefix(keys::TEXT_PREFIX), ty) {
                view.narratives.insert(field.to_string(), doc.text(&obj)?);
            }
        }
        view.conflicts
            .retain(|c| c.column.as_deref() != Some(keys::RECORD_CREATED));
        Ok(view)
    }
}

fn read_history(doc: &Automerge, list: &ObjId) -> Result<Vec<Transition>, ReportError> {
    let mut out = Vec::new();
    for i in 0..doc.length(list) {
        let Some((automerge::Value::Object(ObjType::Map), entry)) = doc.get(list, i)? else {
            continue;
        };
        let mut values = BTreeMap::new();
        read_scalars(doc, &entry, &mut values, &mut |_, _| {})?;
        let text = |k: &str| match values.get(k) {
            Some(Value::Str(s)) => s.clone(),
            _ => String::new(),
        };
        let Some(step) = Step::parse(&text("step")) else {
            continue;
        };
        out.push(Transition {
            step,
            status: Status::of(Some(&text("status"))),
            by: text("by"),
            at: match values.get("at") {
                Some(Value::Int(t)) => *t,
                _ => 0,
            },
            comment: text("comment"),
        });
    }
    // List order follows causality (a step appended after syncing comes after
    // what was synced), which device clocks do not guarantee.
    Ok(out)
}

fn read_scalars(
    doc: &Automerge,
    obj: &ObjId,
    out: &mut BTreeMap<String, Value>,
    on_conflict: &mut dyn FnMut(&str, Vec<ConflictValue>),
) -> Result<(), ReportError> {
    for k in doc.keys(obj) {
        let all = doc.get_all(obj, &k)?;
        if all.len() <= 1 {
            // The common case: one value, no change metadata to look up.
            if let Some((automerge::Value::Scalar(s), _)) = all.first()
                && let Some(v) = Value::from_scalar(s)
            {
                out.insert(k, v);
            }
            continue;
        }
        let winner = doc.get(obj, &k)?.map(|(_, id)| id);
        let mut values = Vec::new();
        let mut winner_at = 0;
        for (v, id) in &all {
            if Some(id) == winner.as_ref() {
                winner_at = values.len();
            }
            if let automerge::Value::Scalar(s) = v
                && let Some(val) = Value::from_scalar(s)
            {
                let (actor, time) = match id {
                    automerge::ObjId::Id(_, actor, _) => {
                        let time = doc
                            .hash_for_opid(id)
                            .and_then(|h| crate::crdt::change_time(doc, &h))
                            .unwrap_or(0);
                        (actor.to_hex_string(), time)
                    }
                    automerge::ObjId::Root => (String::new(), 0),
                };
                values.push(ConflictValue {
                    value: val,
                    actor,
                    time,
                });
            }
        }
        // The value Automerge shows comes first.
        if winner_at < values.len() {
            let w = values.remove(winner_at);
            values.insert(0, w);
        }
        if let Some(first) = values.first() {
            out.insert(k.clone(), first.value.clone());
        }
        if values.len() > 1 {
            on_conflict(&k, values);
        }
    }
    Ok(())
}
