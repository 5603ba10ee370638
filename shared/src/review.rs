//! What the district's review screens read from the server: a round's
//! completeness and the conflicts in reports, with their authors. Shared so
//! the server writes and the web app reads one definition.

use crate::date::Date;
use crate::protocol::ids::DocumentId;
use crate::value::Value;
use crate::workflow::Status;
use serde::{Deserialize, Serialize};

/// Where a reporting unit's report is in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// No report yet.
    NotStarted,
    /// A draft.
    InProgress,
    /// Waiting for review.
    Submitted,
    /// Sent back.
    Returned,
    /// Accepted.
    Approved,
}

impl Progress {
    /// The progress of a stored report with this status.
    pub fn of(status: Option<&str>) -> Progress {
        match Status::of(status) {
            Status::Draft => Progress::InProgress,
            Status::Submitted => Progress::Submitted,
            Status::Returned => Progress::Returned,
            Status::Approved => Progress::Approved,
        }
    }

    /// Whether the report has been submitted at least once.
    pub fn was_submitted(self) -> bool {
        !matches!(self, Progress::NotStarted | Progress::InProgress)
    }

    /// Every state, in workflow order.
    pub const ALL: [Progress; 5] = [
        Progress::NotStarted,
        Progress::InProgress,
        Progress::Submitted,
        Progress::Returned,
        Progress::Approved,
    ];

    /// The state in Vietnamese, as the exports write it. The web app's
    /// translation table has the same words (a test of the client checks
    /// it), so a report is "Đã nộp" on the district page and in the .xlsx
    /// and CSV the district sends on.
    pub fn label_vi(self) -> &'static str {
        match self {
            Progress::NotStarted => "Chưa bắt đầu",
            Progress::InProgress => "Đang làm",
            Progress::Submitted => "Đã nộp",
            Progress::Returned => "Bị trả lại",
            Progress::Approved => "Đã duyệt",
        }
    }

    /// The word the REST API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::NotStarted => "not_started",
            Progress::InProgress => "in_progress",
            Progress::Submitted => "submitted",
            Progress::Returned => "returned",
            Progress::Approved => "approved",
        }
    }
}

/// A round's completeness: `GET /api/completeness?template&period&unit`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    /// Template id.
    pub template: String,
    /// Period id.
    pub period: String,
    /// The consolidating unit.
    pub unit: String,
    /// The last day for submitting.
    pub deadline: Date,
    /// Reporting units, in tree order.
    pub units: Vec<UnitProgress>,
}

/// One reporting unit in a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitProgress {
    /// Unit id.
    pub unit: String,
    /// Unit name.
    pub unit_name: String,
    /// Its report's document id.
    pub document_id: DocumentId,
    /// Where its report is.
    pub state: Progress,
    /// When the server last received a change of the report (ms).
    pub last_sync: Option<i64>,
    /// When it was first submitted (ms), from the report's history.
    pub submitted_at: Option<i64>,
    /// Submitted by the deadline (`true`); after it, or not at all once it
    /// has passed (`false`); unknown while it is still open, or for a
    /// report submitted without a recorded step.
    pub on_time: Option<bool>,
}

/// The conflicts of one report: `GET /api/reports/{id}/conflicts`, and per
/// report in `GET /api/conflicts?template&period&unit`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportConflicts {
    /// The report's document.
    pub document_id: DocumentId,
    /// Template id.
    pub template: String,
    /// Unit id.
    pub unit: String,
    /// Period id.
    pub period: String,
    /// Its conflicts.
    pub conflicts: Vec<AuthoredConflict>,
}

/// A field (or record column) with concurrent values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthoredConflict {
    /// Field id.
    pub field: String,
    /// Record id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Column id, for a record column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Every value; the first is the one the report shows.
    pub values: Vec<AuthoredValue>,
}

/// One side of a conflict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthoredValue {
    /// The value.
    pub value: Value,
    /// Who set it (user id), when the server knows the device's actor.
    pub user: Option<String>,
    /// Their name.
    pub user_name: Option<String>,
    /// The device's actor id.
    pub actor: String,
    /// When (ms since the epoch, the device's clock).
    pub at: i64,
}
