//! The workflow's part of a report's shape: `status` and the history
//! entries, as [`crate::ReportDoc::take_step`] writes them.

use super::{ShapeError, ShapeReason, Values, describe, err, join, product_scalar, same, values};
use crate::report::keys;
use crate::value::Value;
use crate::workflow::{Status, Step};
use automerge::{Automerge, ObjId, ObjType, ReadDoc};

pub(super) fn check_status(a: &Values<'_>) -> Result<(), ShapeError> {
    const ALL: [Status; 4] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
    ];
    for (v, _) in a {
        let ok =
            matches!(product_scalar(v), Some(Value::Str(s)) if ALL.iter().any(|x| x.as_str() == s));
        if !ok {
            return err(
                ShapeReason::Status,
                keys::STATUS,
                format!("{} is not a workflow status", describe(v)),
            );
        }
    }
    Ok(())
}

/// Every value at every index of a list, with its index.
fn entries<'a>(
    doc: &'a Automerge,
    list: &ObjId,
) -> Result<Vec<(automerge::Value<'a>, ObjId, usize)>, ShapeError> {
    let mut out = Vec::new();
    for i in 0..doc.length(list) {
        for (v, id) in values(doc, list, i, &join(keys::HISTORY, &i.to_string()))? {
            out.push((v, id, i));
        }
    }
    Ok(out)
}

pub(super) fn check_history(
    after: &Automerge,
    before: &Automerge,
    la: &ObjId,
    lb: Option<&ObjId>,
) -> Result<(), ShapeError> {
    let old = match lb {
        Some(lb) => entries(before, lb)?,
        None => Vec::new(),
    };
    let new = entries(after, la)?;
    for (_, id, i) in &old {
        if !new.iter().any(|(_, x, _)| x == id) {
            return err(
                ShapeReason::History,
                join(keys::HISTORY, &i.to_string()),
                "entry removed",
            );
        }
    }
    for (v, id, i) in &new {
        let path = join(keys::HISTORY, &i.to_string());
        let was = old.iter().find(|(_, x, _)| x == id);
        if !matches!(v, automerge::Value::Object(ObjType::Map)) {
            if was.is_some() {
                continue; // as it was
            }
            return err(
                ShapeReason::History,
                path,
                format!("{} is not an entry", describe(v)),
            );
        }
        match was {
            Some((_, _, _)) => {
                let before_map = before_entry(before, lb, id);
                if !entry_unchanged(after, before, id, before_map.as_ref(), &path)? {
                    return err(ShapeReason::History, path, "a recorded step was changed");
                }
            }
            None => check_entry(after, id, &path)?,
        }
    }
    Ok(())
}

fn before_entry(before: &Automerge, lb: Option<&ObjId>, id: &ObjId) -> Option<ObjId> {
    let lb = lb?;
    (0..before.length(lb)).find_map(|i| {
        before
            .get_all(lb, i)
            .ok()?
            .into_iter()
            .find(|(_, x)| x == id)
            .map(|(_, x)| x)
    })
}

fn entry_unchanged(
    after: &Automerge,
    before: &Automerge,
    ea: &ObjId,
    eb: Option<&ObjId>,
    path: &str,
) -> Result<bool, ShapeError> {
    let Some(eb) = eb else { return Ok(false) };
    let ka: Vec<String> = after.keys(ea).collect();
    let kb: Vec<String> = before.keys(eb).collect();
    if ka != kb {
        return Ok(false);
    }
    for k in &ka {
        let p = join(path, k);
        if !same(
            &values(after, ea, k.as_str(), &p)?,
            &values(before, eb, k.as_str(), &p)?,
        ) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A new entry, exactly as [`crate::ReportDoc::take_step`] writes it.
fn check_entry(doc: &Automerge, e: &ObjId, path: &str) -> Result<(), ShapeError> {
    let wanted = ["at", "by", "comment", "status", "step"];
    let mut got: Vec<String> = doc.keys(e).collect();
    got.sort();
    if got != wanted {
        return err(
            ShapeReason::History,
            path,
            format!("keys {got:?}, not {wanted:?}"),
        );
    }
    let one = |k: &str| -> Result<Value, ShapeError> {
        let p = join(path, k);
        match values(doc, e, k, &p)?.as_slice() {
            [(v, _)] => product_scalar(v).ok_or_else(|| ShapeError {
                reason: ShapeReason::History,
                path: p.clone(),
                detail: format!("{} is no value", describe(v)),
            }),
            _ => err(ShapeReason::History, p, "not one value"),
        }
    };
    let step = match one("step")? {
        Value::Str(s) => Step::parse(&s),
        _ => None,
    };
    let Some(step) = step else {
        return err(
            ShapeReason::History,
            join(path, "step"),
            "not a workflow step",
        );
    };
    if one("status")? != Value::Str(step.target().as_str().into()) {
        return err(
            ShapeReason::History,
            join(path, "status"),
            "not the status the step leads to",
        );
    }
    for k in ["by", "comment"] {
        if !matches!(one(k)?, Value::Str(_)) {
            return err(ShapeReason::History, join(path, k), "not a string");
        }
    }
    if !matches!(one("at")?, Value::Int(_)) {
        return err(ShapeReason::History, join(path, "at"), "not a time in ms");
    }
    Ok(())
}
