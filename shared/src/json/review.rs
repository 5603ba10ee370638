//! Readers for what the district's review screens get: consolidated figures
//! ([`FigureValue`]), a round's completeness and reports' conflicts.

use super::{FromJson, Json, JsonError, variant};
use crate::aggregate::{FigureValue, Group, ListItem};
use crate::date::Date;
use crate::protocol::ids::DocumentId;
use crate::review::{
    AuthoredConflict, AuthoredValue, Completeness, Progress, ReportConflicts, UnitProgress,
};

/// Written as its ISO string by a custom `Serialize`; read back through
/// `FromStr` like its `Deserialize` (which also accepts dd/mm/yyyy).
impl FromJson for Date {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let s = String::from_json(json)?;
        s.parse::<Date>().map_err(|e| JsonError(e.to_string()))
    }
}

/// Written as its bs58check string; read through `FromStr`.
impl FromJson for DocumentId {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let s = String::from_json(json)?;
        s.parse::<DocumentId>()
            .map_err(|e| JsonError(e.to_string()))
    }
}

/// `#[serde(tag = "type")]`: the variant's name and its fields share one object.
impl FromJson for FigureValue {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(match o.str("type")? {
            "number" => FigureValue::Number {
                value: o.req("value")?,
            },
            "count" => FigureValue::Count {
                count: o.req("count")?,
                of: o.req("of")?,
            },
            "ratio" => FigureValue::Ratio {
                numerator: o.req("numerator")?,
                denominator: o.req("denominator")?,
                value: o.opt("value")?,
            },
            "groups" => FigureValue::Groups {
                groups: o.req("groups")?,
            },
            "list" => FigureValue::List {
                items: o.req("items")?,
            },
            t => return Err(JsonError(format!("unknown variant {t:?}"))),
        })
    }
}

impl FromJson for Group {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Group {
            key: o.req("key")?,
            label: o.req("label")?,
            records: o.req("records")?,
            sums: o.req("sums")?,
        })
    }
}

impl FromJson for ListItem {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(ListItem {
            unit: o.req("unit")?,
            record: o.req("record")?,
        })
    }
}

impl FromJson for Progress {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("not_started", Progress::NotStarted),
                ("in_progress", Progress::InProgress),
                ("submitted", Progress::Submitted),
                ("returned", Progress::Returned),
                ("approved", Progress::Approved),
            ],
        )
    }
}

impl FromJson for Completeness {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Completeness {
            template: o.req("template")?,
            period: o.req("period")?,
            unit: o.req("unit")?,
            deadline: o.req("deadline")?,
            units: o.req("units")?,
        })
    }
}

impl FromJson for UnitProgress {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(UnitProgress {
            unit: o.req("unit")?,
            unit_name: o.req("unit_name")?,
            document_id: o.req("document_id")?,
            state: o.req("state")?,
            last_sync: o.opt("last_sync")?,
            submitted_at: o.opt("submitted_at")?,
            on_time: o.opt("on_time")?,
        })
    }
}

impl FromJson for ReportConflicts {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(ReportConflicts {
            document_id: o.req("document_id")?,
            template: o.req("template")?,
            unit: o.req("unit")?,
            period: o.req("period")?,
            conflicts: o.req("conflicts")?,
        })
    }
}

impl FromJson for AuthoredConflict {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(AuthoredConflict {
            field: o.req("field")?,
            record: o.opt("record")?,
            column: o.opt("column")?,
            values: o.req("values")?,
        })
    }
}

impl FromJson for AuthoredValue {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(AuthoredValue {
            value: o.req("value")?,
            user: o.opt("user")?,
            user_name: o.opt("user_name")?,
            actor: o.req("actor")?,
            at: o.req("at")?,
        })
    }
}
