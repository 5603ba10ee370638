//! Readers for templates, org units, users and rounds (the directory the
//! phone downloads).

use super::{FromJson, Json, JsonError, variant};
use crate::dataset::{Round, User, UserRole};
use crate::org::OrgUnit;
use crate::period::PeriodKind;
use crate::template::{
    Aggregate, ChoiceOption, Column, CompareOp, Field, FieldType, Figure, FigureKind, Filter,
    Operand, Role, Rule, Scope, Section, Template,
};

impl FromJson for Template {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Template {
            id: o.req("id")?,
            version: o.req("version")?,
            title: o.req("title")?,
            title_en: o.opt("title_en")?,
            filled_by: o.req("filled_by")?,
            period: o.req("period")?,
            deadline_days: o.or_default("deadline_days")?,
            sections: o.req("sections")?,
            rules: o.or_default("rules")?,
            figures: o.or_default("figures")?,
            // The phone never renders the consolidated report's wording.
            report: None,
        })
    }
}

impl FromJson for Section {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Section {
            id: o.req("id")?,
            title: o.req("title")?,
            title_en: o.opt("title_en")?,
            scope: o.or_default("scope")?,
            fields: o.req("fields")?,
        })
    }
}

impl FromJson for Scope {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("unit", Scope::Unit),
                ("parent", Scope::Parent),
                ("any", Scope::Any),
            ],
        )
    }
}

impl FromJson for Role {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("reporting", Role::Reporting),
                ("consolidating", Role::Consolidating),
            ],
        )
    }
}

impl FromJson for Field {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Field {
            id: o.req("id")?,
            label: o.req("label")?,
            label_en: o.opt("label_en")?,
            help: o.opt("help")?,
            ty: FieldType::from_json(json)?,
            required: o.or_default("required")?,
            aggregate: o.opt("aggregate")?,
            renamed_from: o.or_default("renamed_from")?,
        })
    }
}

/// Internally tagged by `type`; flattened into [`Field`] and [`Column`], so
/// it reads the tag and its settings from the field's own object.
impl FromJson for FieldType {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(match o.str("type")? {
            "integer" => FieldType::Integer {
                min: o.opt("min")?,
                max: o.opt("max")?,
            },
            "decimal" => FieldType::Decimal {
                min: o.opt("min")?,
                max: o.opt("max")?,
            },
            "bool" => FieldType::Bool,
            "date" => FieldType::Date,
            "choice" => FieldType::Choice {
                options: o.req("options")?,
            },
            "text" => FieldType::Text {
                max_len: o.opt("max_len")?,
            },
            "narrative" => FieldType::Narrative,
            "records" => FieldType::Records {
                columns: o.req("columns")?,
                order_by: o.opt("order_by")?,
            },
            other => return Err(JsonError(format!("unknown field type {other:?}"))),
        })
    }
}

impl FromJson for ChoiceOption {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(ChoiceOption {
            value: o.req("value")?,
            label: o.req("label")?,
            label_en: o.opt("label_en")?,
        })
    }
}

impl FromJson for Column {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Column {
            id: o.req("id")?,
            label: o.req("label")?,
            label_en: o.opt("label_en")?,
            ty: FieldType::from_json(json)?,
            required: o.or_default("required")?,
        })
    }
}

impl FromJson for Aggregate {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("sum", Aggregate::Sum),
                ("count_yes", Aggregate::CountYes),
                ("count_nonzero", Aggregate::CountNonzero),
                ("average", Aggregate::Average),
                ("list", Aggregate::List),
            ],
        )
    }
}

impl FromJson for Rule {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Rule {
            id: o.req("id")?,
            left: o.req("left")?,
            op: o.req("op")?,
            right: o.req("right")?,
            message: o.req("message")?,
            message_en: o.opt("message_en")?,
            warning: o.or_default("warning")?,
        })
    }
}

impl FromJson for CompareOp {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("<", CompareOp::Lt),
                ("<=", CompareOp::Le),
                (">", CompareOp::Gt),
                (">=", CompareOp::Ge),
                ("==", CompareOp::Eq),
                ("!=", CompareOp::Ne),
            ],
        )
    }
}

/// Untagged: any number (whole or not) is a literal, a string a field id.
impl FromJson for Operand {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            Json::Str(s) => Ok(Operand::Field(s.clone())),
            n => f64::from_json(n)
                .map(Operand::Number)
                .map_err(|_| JsonError::expected("a number or a field id")),
        }
    }
}

impl FromJson for Figure {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Figure {
            id: o.req("id")?,
            label: o.req("label")?,
            label_en: o.opt("label_en")?,
            kind: FigureKind::from_json(json)?,
        })
    }
}

/// Internally tagged by `kind`; flattened into [`Figure`].
impl FromJson for FigureKind {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        let field = || o.req("field");
        Ok(match o.str("kind")? {
            "sum" => FigureKind::Sum { field: field()? },
            "count_yes" => FigureKind::CountYes { field: field()? },
            "count_nonzero" => FigureKind::CountNonzero { field: field()? },
            "average" => FigureKind::Average { field: field()? },
            "ratio" => FigureKind::Ratio {
                numerator: o.req("numerator")?,
                denominator: o.req("denominator")?,
            },
            "units" => FigureKind::Units,
            "units_with_records" => FigureKind::UnitsWithRecords {
                field: field()?,
                filter: o.opt("filter")?,
            },
            "records_sum_by" => FigureKind::RecordsSumBy {
                field: field()?,
                group_by: o.req("group_by")?,
                sum: o.req("sum")?,
                filter: o.opt("filter")?,
            },
            "records_list" => FigureKind::RecordsList {
                field: field()?,
                filter: o.opt("filter")?,
                from: o.opt("from")?,
            },
            other => return Err(JsonError(format!("unknown figure kind {other:?}"))),
        })
    }
}

impl FromJson for Filter {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Filter {
            column: o.req("column")?,
            equals: o.req("equals")?,
        })
    }
}

impl FromJson for PeriodKind {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("year", PeriodKind::Year),
                ("half-year", PeriodKind::HalfYear),
                ("quarter", PeriodKind::Quarter),
                ("month", PeriodKind::Month),
                ("ad-hoc", PeriodKind::AdHoc),
                ("nd09-month", PeriodKind::Nd09Month),
                ("nd09-quarter", PeriodKind::Nd09Quarter),
                ("nd09-half-year", PeriodKind::Nd09HalfYear),
                ("nd09-year", PeriodKind::Nd09Year),
            ],
        )
    }
}

impl FromJson for OrgUnit {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(OrgUnit {
            id: o.req("id")?,
            name: o.req("name")?,
            kind: o.req("kind")?,
            parent: o.opt("parent")?,
        })
    }
}

impl FromJson for UserRole {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        variant(
            json,
            &[
                ("officer", UserRole::Officer),
                ("reviewer", UserRole::Reviewer),
                ("viewer", UserRole::Viewer),
                ("admin", UserRole::Admin),
            ],
        )
    }
}

impl FromJson for User {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(User {
            id: o.req("id")?,
            name: o.req("name")?,
            role: o.req("role")?,
            unit: o.req("unit")?,
        })
    }
}

impl FromJson for Round {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let o = json.object()?;
        Ok(Round {
            template: o.req("template")?,
            period: o.req("period")?,
            unit: o.req("unit")?,
            deadline: o.opt("deadline")?,
        })
    }
}
