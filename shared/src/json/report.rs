//! Readers for a report's snapshot ([`ReportView`]) and its scalar [`Value`].

use super::{FromJson, Json, JsonError, variant};
use crate::report::{Conflict, ConflictValue, Record, ReportView};
use crate::value::Value;
use crate::workflow::{Status, Step, Transition};

/// `#[serde(untagged)]` in declaration order: a JSON integer is an `Int`
/// (one beyond `i64` parses as a float, so a `Decimal`, as serde's `f64`
/// arm takes it), any other number a `Decimal`.
impl FromJson for Value {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            Json::Int(i) => Ok(Value::Int(*i)),
            Json::Float(f) => Ok(Value::Decimal(*f)),
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::Str(s) => Ok(Value::Str(s.clone())),
            _ => Err(JsonError::expected("a number, true/false or a string")),
        }
    }
}

impl FromJson for ReportView {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(ReportView {
            template: o.req("template")?,
            unit: o.req("unit")?,
            period: o.req("period")?,
            status: o.opt("status")?,
            fields: o.or_default("fields")?,
            records: o.or_default("records")?,
            narratives: o.or_default("narratives")?,
            conflicts: o.or_default("conflicts")?,
            history: o.or_default("history")?,
        })
    }
}

impl FromJson for Record {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Record {
            id: o.req("id")?,
            created: o.req("created")?,
            values: o.req("values")?,
        })
    }
}

impl FromJson for Conflict {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Conflict {
            field: o.req("field")?,
            record: o.opt("record")?,
            column: o.opt("column")?,
            values: o.req("values")?,
        })
    }
}

impl FromJson for ConflictValue {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(ConflictValue {
            value: o.req("value")?,
            actor: o.req("actor")?,
            time: o.req("time")?,
        })
    }
}

impl FromJson for Transition {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Transition {
            step: o.req("step")?,
            status: o.req("status")?,
            by: o.req("by")?,
            at: o.req("at")?,
            comment: o.or_default("comment")?,
        })
    }
}

impl FromJson for Step {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("submit", Step::Submit),
                ("return", Step::Return),
                ("approve", Step::Approve),
                ("reopen", Step::Reopen),
            ],
        )
    }
}

impl FromJson for Status {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("draft", Status::Draft),
                ("submitted", Status::Submitted),
                ("returned", Status::Returned),
                ("approved", Status::Approved),
            ],
        )
    }
}
