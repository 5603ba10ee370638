//! Report documents: one Automerge document per (template, org unit, period).
//!
//! **One report, not two.** Two phones that create the same report offline
//! must end up with one document. Two things make that true:
//! 1. the document id is derived from the report's key ([`ReportKey::document_id`]),
//!    so both phones use the same id without talking to each other;
//! 2. every container object (the fields map, each records map, each narrative
//!    text) is created by a *deterministic change*: a fixed actor derived from the
//!    document id and the container's key, no dependencies, time 0. Both phones
//!    produce byte-identical changes with the same hash, so after sync there is
//!    one container holding both phones' entries instead of two conflicting ones.

mod doc;
mod key;
pub mod limits;
pub mod migrate;
pub mod order;
pub mod shape;
mod view;

pub use doc::ReportDoc;
pub use key::ReportKey;
pub use limits::{Excluded, admissible, out_of_limits};
pub use shape::{Shape, ShapeError, ShapeReason, check_shape};
pub use view::{Conflict, ConflictValue, Record, ReportMeta, ReportView};

/// Why a report could not be read or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The template has no such field.
    #[error("unknown field {0:?}")]
    UnknownField(String),
    /// The records field has no such column.
    #[error("unknown column {column:?} of {field:?}")]
    UnknownColumn {
        /// Records field.
        field: String,
        /// Column.
        column: String,
    },
    /// No record with this id.
    #[error("no record {record:?} in {field:?}")]
    UnknownRecord {
        /// Records field.
        field: String,
        /// Record id.
        record: String,
    },
    /// The value does not have the field's type.
    #[error("value for {0:?} does not have the field's type")]
    WrongType(String),
    /// A value outside its field's limits, while the report is submitted or
    /// approved (a draft takes it; see `ReportDoc::set_field`).
    #[error("{0:?}: a submitted report takes no value outside the field's limits")]
    OutOfLimits(String),
    /// The document is not a report, or a different one.
    #[error("document is not the expected report: {0}")]
    Malformed(String),
    /// The workflow step cannot be taken from the report's status.
    #[error("cannot {step} a report that is {from}")]
    Step {
        /// The step.
        step: &'static str,
        /// The current status.
        from: &'static str,
    },
    /// Automerge refused the operation.
    #[error("automerge: {0}")]
    Automerge(String),
}

impl From<automerge::AutomergeError> for ReportError {
    fn from(e: automerge::AutomergeError) -> Self {
        ReportError::Automerge(e.to_string())
    }
}

/// Root keys of a report document.
pub mod keys {
    /// Schema marker (an integer version).
    pub const SCHEMA: &str = "baocao";
    /// Template id.
    pub const TEMPLATE: &str = "template";
    /// Org unit id.
    pub const UNIT: &str = "unit";
    /// Period id.
    pub const PERIOD: &str = "period";
    /// Map of scalar field values.
    pub const FIELDS: &str = "fields";
    /// Workflow status ("draft", "submitted", …).
    pub const STATUS: &str = "status";
    /// Append-only list of workflow steps taken (maps with `step`, `status`,
    /// `by`, `at` in ms, `comment`), written next to [`STATUS`].
    pub const HISTORY: &str = "history";
    /// Prefix of a records field's map (record id → record map).
    pub const RECORDS_PREFIX: &str = "records:";
    /// Prefix of a narrative field's text.
    pub const TEXT_PREFIX: &str = "text:";
    /// Record key holding its creation time (ms), for a stable default order.
    pub const RECORD_CREATED: &str = "_created";
    /// Current schema version.
    pub const SCHEMA_VERSION: i64 = 1;
}
