//! Report templates are data (TOML files in `templates/`): sections of typed
//! fields, validation rules, who fills the report in, how often, and how each
//! figure aggregates upward. Adding a template needs no code change.

use crate::period::PeriodKind;
use serde::{Deserialize, Serialize};

mod check;
mod successor;

/// A report template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Stable id; part of every report's identity (versions share it).
    pub id: String,
    /// Increases when fields change; reports keep the id.
    pub version: u32,
    /// Vietnamese title.
    pub title: String,
    /// English title.
    #[serde(default)]
    pub title_en: Option<String>,
    /// Org-unit kind that fills the report in (e.g. "commune"). The unit one level
    /// above consolidates it.
    pub filled_by: String,
    /// How often it is reported.
    pub period: PeriodKind,
    /// Days after a period's last day until reports are due (0: the last
    /// day itself); a reporting round may name its own date instead.
    #[serde(default)]
    pub deadline_days: u32,
    /// Sections, in form order.
    pub sections: Vec<Section>,
    /// Cross-field validation rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Consolidated figures beyond the per-field aggregates.
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// The consolidated report's wording, with placeholders bound to the
    /// figures (see [`crate::report_text`]). Without it the report is a
    /// generic list of the figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::report_text::ReportText>,
}

/// A group of fields shown together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Stable id.
    pub id: String,
    /// Vietnamese title.
    pub title: String,
    /// English title.
    #[serde(default)]
    pub title_en: Option<String>,
    /// Who fills this section in (default: the reporting unit).
    #[serde(default)]
    pub scope: Scope,
    /// Fields, in form order.
    pub fields: Vec<Field>,
}

/// Who enters a section's data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Each reporting unit (commune) in its own report.
    #[default]
    Unit,
    /// The consolidating unit (district) in its own report of the same template.
    Parent,
    /// Both: records from every contributor are merged.
    Any,
}

impl Scope {
    /// Whether a unit in this role fills fields of this scope.
    pub fn includes(self, role: Role) -> bool {
        matches!(
            (self, role),
            (Scope::Any, _) | (Scope::Unit, Role::Reporting) | (Scope::Parent, Role::Consolidating)
        )
    }
}

/// The part a unit plays for a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// It fills the report in (a commune).
    Reporting,
    /// It sits one level above and consolidates (a district).
    Consolidating,
}

/// A field of a section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Stable id; the key in the report document.
    pub id: String,
    /// Vietnamese label.
    pub label: String,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
    /// Help text.
    #[serde(default)]
    pub help: Option<String>,
    /// Type and type-specific settings.
    #[serde(flatten)]
    pub ty: FieldType,
    /// Must be filled before submission.
    #[serde(default)]
    pub required: bool,
    /// How the field aggregates upward (adds a figure with the field's id).
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
    /// Ids this field had in earlier template versions. Reports filled under
    /// an old version keep their values under the old id; the app moves them
    /// here when it meets this version (see [`crate::report::migrate`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed_from: Vec<String>,
}

/// A field's type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FieldType {
    /// Whole number.
    Integer {
        /// Smallest allowed value.
        #[serde(default)]
        min: Option<i64>,
        /// Largest allowed value.
        #[serde(default)]
        max: Option<i64>,
    },
    /// Decimal number.
    Decimal {
        /// Smallest allowed value.
        #[serde(default)]
        min: Option<f64>,
        /// Largest allowed value.
        #[serde(default)]
        max: Option<f64>,
    },
    /// Yes / no.
    Bool,
    /// Calendar date.
    Date,
    /// One of a fixed list.
    Choice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// One line of text (last writer wins).
    Text {
        /// Longest allowed length in characters.
        #[serde(default)]
        max_len: Option<u32>,
    },
    /// Free text several people may type into at once (merged character by character).
    Narrative,
    /// Repeating records with their own typed columns.
    Records {
        /// Columns (scalar types only).
        columns: Vec<Column>,
        /// Column that orders the records (ascending), e.g. a date.
        #[serde(default)]
        order_by: Option<String>,
    },
}

impl FieldType {
    /// True for single-value types (stored as one scalar).
    pub fn is_scalar(&self) -> bool {
        !matches!(self, FieldType::Narrative | FieldType::Records { .. })
    }

    /// The type's name without its settings (limits, options, columns), as
    /// templates write it.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Integer { .. } => "integer",
            FieldType::Decimal { .. } => "decimal",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::Choice { .. } => "choice",
            FieldType::Text { .. } => "text",
            FieldType::Narrative => "narrative",
            FieldType::Records { .. } => "records",
        }
    }

    /// True for number types.
    pub fn is_number(&self) -> bool {
        matches!(self, FieldType::Integer { .. } | FieldType::Decimal { .. })
    }
}

/// One option of a choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// Stored key.
    pub value: String,
    /// Vietnamese label.
    pub label: String,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
}

/// A column of a records field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Stable id.
    pub id: String,
    /// Vietnamese label.
    pub label: String,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
    /// Scalar type.
    #[serde(flatten)]
    pub ty: FieldType,
    /// Must be filled in every record.
    #[serde(default)]
    pub required: bool,
}

/// How a field aggregates over the reports of many units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Sum of the numbers.
    Sum,
    /// Number of units that answered yes, out of all units.
    CountYes,
    /// Number of units with a non-zero value, out of all units.
    CountNonzero,
    /// Mean over the units that gave a value.
    Average,
    /// Records of every contributor merged into one list.
    List,
}

/// A cross-field rule, e.g. `cultural_points <= villages`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable id.
    pub id: String,
    /// Left operand: a field id.
    pub left: String,
    /// Comparison.
    pub op: CompareOp,
    /// Right operand: a field id or a number.
    pub right: Operand,
    /// Vietnamese message shown next to the left field.
    pub message: String,
    /// English message.
    #[serde(default)]
    pub message_en: Option<String>,
    /// Warnings do not block submission.
    #[serde(default)]
    pub warning: bool,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// At most.
    #[serde(rename = "<=")]
    Le,
    /// Greater than.
    #[serde(rename = ">")]
    Gt,
    /// At least.
    #[serde(rename = ">=")]
    Ge,
    /// Equal.
    #[serde(rename = "==")]
    Eq,
    /// Different.
    #[serde(rename = "!=")]
    Ne,
}

impl CompareOp {
    /// Applies the comparison.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CompareOp::Lt => a < b,
            CompareOp::Le => a <= b,
            CompareOp::Gt => a > b,
            CompareOp::Ge => a >= b,
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
        }
    }
}

/// A rule operand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Operand {
    /// A literal number.
    Number(f64),
    /// Another field's value.
    Field(String),
}

/// A named consolidated figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Stable id (placeholders in report text refer to it).
    pub id: String,
    /// Vietnamese label.
    pub label: String,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
    /// What it computes.
    #[serde(flatten)]
    pub kind: FigureKind,
}

/// What a figure computes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FigureKind {
    /// Sum of a number field over contributors.
    Sum {
        /// The field.
        field: String,
    },
    /// Units answering yes, out of the reporting units.
    CountYes {
        /// A yes/no field.
        field: String,
    },
    /// Units with a non-zero value, out of the reporting units.
    CountNonzero {
        /// A number field.
        field: String,
    },
    /// Mean of a number field over units that gave it.
    Average {
        /// The field.
        field: String,
    },
    /// Sum of one field over the sum of another.
    Ratio {
        /// Numerator field.
        numerator: String,
        /// Denominator field.
        denominator: String,
    },
    /// The number of reporting units.
    Units,
    /// Units with at least one (matching) record, out of the reporting units.
    UnitsWithRecords {
        /// A records field.
        field: String,
        /// Only records matching this.
        #[serde(default)]
        filter: Option<Filter>,
    },
    /// Records summed per value of a column.
    RecordsSumBy {
        /// A records field.
        field: String,
        /// Grouping column.
        group_by: String,
        /// Number columns to sum.
        sum: Vec<String>,
        /// Only records matching this.
        #[serde(default)]
        filter: Option<Filter>,
    },
    /// Every contributor's (matching) records in one ordered list.
    RecordsList {
        /// A records field.
        field: String,
        /// Only records matching this.
        #[serde(default)]
        filter: Option<Filter>,
        /// Only records from contributors in this role.
        #[serde(default)]
        from: Option<Role>,
    },
}

/// Selects records whose column equals a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Column id.
    pub column: String,
    /// Required value (choice key or text).
    pub equals: String,
}

/// Why a template is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be parsed.
    #[error("cannot read template: {0}")]
    Parse(String),
    /// The template parsed but is inconsistent.
    #[error("template {template:?} is invalid: {reason}")]
    Invalid {
        /// Template id.
        template: String,
        /// What is wrong.
        reason: String,
    },
}

impl Template {
    /// The part a unit of `kind` plays: it reports when it is of the kind
    /// that fills the template in, otherwise it consolidates.
    pub fn role_for(&self, kind: &str) -> Role {
        if kind == self.filled_by {
            Role::Reporting
        } else {
            Role::Consolidating
        }
    }

    /// Whether a unit in `role` has anything of its own to fill in. A
    /// template whose sections are all `unit` is filled in by the reporting
    /// units only: the unit above consolidates it but has no report of its
    /// own to offer (an empty form would be a report that never gets done).
    pub fn has_fields_for(&self, role: Role) -> bool {
        self.sections
            .iter()
            .any(|s| s.scope.includes(role) && !s.fields.is_empty())
    }

    /// Parses and checks a TOML template.
    pub fn from_toml(text: &str) -> Result<Template, TemplateError> {
        let t: Template = toml::from_str(text).map_err(|e| TemplateError::Parse(e.to_string()))?;
        t.check()?;
        Ok(t)
    }

    /// Parses and checks a JSON template (the form the server sends clients).
    pub fn from_json(text: &str) -> Result<Template, TemplateError> {
        let t: Template =
            serde_json::from_str(text).map_err(|e| TemplateError::Parse(e.to_string()))?;
        t.check()?;
        Ok(t)
    }

    /// Every field with the scope of its section.
    pub fn fields(&self) -> impl Iterator<Item = (&Section, &Field)> {
        self.sections
            .iter()
            .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
    }

    /// The field with this id and its section's scope.
    pub fn field(&self, id: &str) -> Option<(&Field, Scope)> {
        self.fields()
            .find(|(_, f)| f.id == id)
            .map(|(s, f)| (f, s.scope))
    }

    /// The figures to compute: one per aggregated field, then the named ones.
    pub fn all_figures(&self) -> Vec<Figure> {
        let mut out: Vec<Figure> = self
            .fields()
            .filter_map(|(_, f)| {
                let field = f.id.clone();
                let kind = match f.aggregate? {
                    Aggregate::Sum => FigureKind::Sum { field },
                    Aggregate::CountYes => FigureKind::CountYes { field },
                    Aggregate::CountNonzero => FigureKind::CountNonzero { field },
                    Aggregate::Average => FigureKind::Average { field },
                    Aggregate::List => FigureKind::RecordsList {
                        field,
                        filter: None,
                        from: None,
                    },
                };
                Some(Figure {
                    id: f.id.clone(),
                    label: f.label.clone(),
                    label_en: f.label_en.clone(),
                    kind,
                })
            })
            .collect();
        out.extend(self.figures.iter().cloned());
        out
    }
}
