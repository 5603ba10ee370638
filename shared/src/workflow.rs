//! The review workflow of a report: a reporting unit submits, the unit above
//! returns it with a comment or approves it, and an approved report takes no
//! more edits from the reporting unit until the reviewer reopens it.
//!
//! The rules live here so that the phone (which offers only the steps a user
//! may take, and keeps an approved report read-only) and the server (which
//! refuses sync changes that break them, see `server/src/auth/policy.rs`)
//! judge alike. Every step is written into the report document itself: the
//! `status` key and an append-only list of [`Transition`]s (who, when, what,
//! with which comment), so the history travels and merges with the report.
//!
//! ```text
//!            submit               approve
//!  draft ───────────► submitted ───────────► approved
//!    ▲                 │   ▲                    │
//!    │          return │   │ submit             │ reopen
//!    │                 ▼   │                    │
//!    └───────────── returned ◄──────────────────┘
//! ```

use crate::report::ReportView;
use crate::template::{Role, Template};
use crate::validate::{can_submit, validate};
use serde::{Deserialize, Serialize};

/// Where a report is in the workflow. A report without a status is a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being filled in.
    Draft,
    /// Sent to the unit above for review.
    Submitted,
    /// Sent back to the reporting unit with a comment.
    Returned,
    /// Accepted: the reporting unit can no longer change it.
    Approved,
}

impl Status {
    /// The value stored under the document's `status` key.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
        }
    }

    /// Reads a stored status; none (or an unknown word) is a draft.
    pub fn of(stored: Option<&str>) -> Status {
        match stored {
            Some("submitted") => Status::Submitted,
            Some("returned") => Status::Returned,
            Some("approved") => Status::Approved,
            _ => Status::Draft,
        }
    }

    /// Statuses only a reviewer may set or leave.
    pub fn is_review(self) -> bool {
        matches!(self, Status::Returned | Status::Approved)
    }
}

/// A workflow step a user takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The reporting unit sends the report for review.
    Submit,
    /// The reviewer sends it back, with a comment.
    Return,
    /// The reviewer accepts it.
    Approve,
    /// The reviewer opens an approved report for changes again.
    Reopen,
}

impl Step {
    /// Every step, in the order a screen offers them.
    pub const ALL: [Step; 4] = [Step::Submit, Step::Return, Step::Approve, Step::Reopen];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Return => "return",
            Step::Approve => "approve",
            Step::Reopen => "reopen",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The status the step leads to.
    pub fn target(self) -> Status {
        match self {
            Step::Submit => Status::Submitted,
            Step::Return | Step::Reopen => Status::Returned,
            Step::Approve => Status::Approved,
        }
    }

    /// Whether the step can be taken from `from` (by someone allowed to).
    pub fn applies_to(self, from: Status) -> bool {
        match self {
            Step::Submit => matches!(from, Status::Draft | Status::Returned),
            Step::Return => from == Status::Submitted,
            Step::Approve => matches!(from, Status::Submitted | Status::Returned),
            Step::Reopen => from == Status::Approved,
        }
    }

    /// Whether only a reviewer of the unit above may take it.
    pub fn needs_reviewer(self) -> bool {
        !matches!(self, Step::Submit)
    }

    /// Whether the step needs a comment (a return says what to fix).
    pub fn needs_comment(self) -> bool {
        matches!(self, Step::Return)
    }
}

/// What a user may do with one report (from [`crate::access::allowed`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rights {
    /// May change its content ([`crate::access::Action::Write`]).
    pub write: bool,
    /// May review it ([`crate::access::Action::Approve`]).
    pub review: bool,
}

/// The steps `rights` allow from `status`, in display order.
pub fn steps(status: Status, rights: Rights) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|s| s.applies_to(status))
        .filter(|s| {
            if s.needs_reviewer() {
                rights.review
            } else {
                rights.write
            }
        })
        .collect()
}

/// Whether `rights` allow changing the content of a report in `status`.
pub fn may_edit(status: Status, rights: Rights) -> bool {
    rights.write && (status != Status::Approved || rights.review)
}

/// Why a change to a report breaks the workflow. The [`Refusal::code`] is
/// what the server sends to the phone, which words it in the user's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The report is approved; only the reviewer may change (reopen) it.
    #[error("the report is approved: the reviewing unit must reopen it first")]
    Approved,
    /// Returning, approving or reopening is the reviewer's.
    #[error("only the reviewing unit may return, approve or reopen the report")]
    ReviewOnly,
    /// The history is append-only, and each user records only their own steps.
    #[error("the history may only grow, by steps of the user who takes them")]
    History,
    /// A submission of a report that the template's validation rejects.
    #[error("the report has errors: it cannot be submitted until they are fixed")]
    Invalid,
    /// A value outside its field's limits written into a submitted or
    /// approved report (see [`check_limits_kept`]).
    #[error("a submitted report takes no value outside its field's limits")]
    OutOfLimits,
    /// An administrator's change that is not only a repair
    /// ([`check_repair`]).
    #[error("an administrator may only correct values that break their field's rules")]
    NotARepair,
    /// A change to a report of a closed reporting round: it is locked, as
    /// approval locks a report, until the round is reopened.
    #[error("the reporting round is closed: its reports take no change until it is reopened")]
    RoundClosed,
}

impl Refusal {
    /// Stable code sent over the wire.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Approved => "workflow:approved",
            Refusal::ReviewOnly => "workflow:review-only",
            Refusal::History => "workflow:history",
            Refusal::Invalid => "workflow:invalid",
            Refusal::OutOfLimits => "workflow:out-of-limits",
            Refusal::NotARepair => "workflow:not-a-repair",
            Refusal::RoundClosed => "workflow:round-closed",
        }
    }

    /// The refusal a code names, if it is one.
    pub fn from_code(code: &str) -> Option<Refusal> {
        [
            Refusal::Approved,
            Refusal::ReviewOnly,
            Refusal::History,
            Refusal::Invalid,
            Refusal::OutOfLimits,
            Refusal::NotARepair,
            Refusal::RoundClosed,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

/// Judges a change (any change) that turns a report with status `was` into
/// one with status `is`, made by someone with `rights` (who may write).
pub fn check_change(was: Status, is: Status, rights: Rights) -> Result<(), Refusal> {
    if rights.review {
        return Ok(());
    }
    if was == Status::Approved {
        return Err(Refusal::Approved);
    }
    if was != is && is.is_review() {
        return Err(Refusal::ReviewOnly);
    }
    Ok(())
}

/// True when a change (status `was` → `is`) submits the report: only then
/// is its content validated (see [`check_submission`]).
pub fn submits(was: Status, is: Status) -> bool {
    is == Status::Submitted && was != Status::Submitted
}

/// Judges the content of a submission ([`submits`]): it must pass the
/// template's validation, as the phone checks before it offers the step —
/// so a phone with other rules (an old version, another client) cannot
/// submit what this one would not.
pub fn check_submission(template: &Template, view: &ReportView, role: Role) -> Result<(), Refusal> {
    if can_submit(&validate(template, view, role)) {
        Ok(())
    } else {
        Err(Refusal::Invalid)
    }
}

/// Judges the values of a change made on a submitted or approved report
/// (`ReportMeta::edited_while`) that leaves it submitted or approved: it may
/// not bring in a value outside its field's own limits
/// ([`crate::validate::within_limits`]). A submitted report is what the
/// reviewer judges and the district counts, so it is always within them;
/// values already outside (stored before this rule, or merged from a phone
/// that edited the draft concurrently) do not block other edits, and are
/// never counted (`shared::report::limits`).
///
/// Why refuse rather than turn the report back into a draft: a status
/// written by the server would be a change nobody made on any phone, and a
/// refusal keeps every decision with a person — the phone does not write
/// such a value while the report is submitted (`ReportDoc::set_field`), so
/// only another client meets this refusal.
pub fn check_limits_kept(
    template: &Template,
    before: &ReportView,
    after: &ReportView,
) -> Result<(), Refusal> {
    let outside = out_of_limits(template, after);
    if outside.is_subset(&out_of_limits(template, before)) {
        Ok(())
    } else {
        Err(Refusal::OutOfLimits)
    }
}

/// Judges an administrator's change (`before` → `after`): a repair touches
/// only values that broke their field's rules before — outside its limits or
/// of the wrong type, as a client that is not ours could store them — and
/// sets each to a value within them, or clears it. The status, the history,
/// the narratives and which records exist stay as they were: filling in and
/// judging a report are its commune's and its reviewer's.
pub fn check_repair(
    template: &Template,
    before: &ReportView,
    after: &ReportView,
) -> Result<(), Refusal> {
    use crate::template::FieldType;
    use crate::validate::within_limits;
    let repaired = |ty: &FieldType, was: Option<&crate::value::Value>, is| {
        was == is
            || (was.is_some_and(|v| !within_limits(ty, v))
                && is.is_none_or(|v| within_limits(ty, v)))
    };
    let same_rows = |a: &[crate::report::Record], b: &[crate::report::Record]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.id == y.id)
    };
    if before.status != after.status
        || before.history != after.history
        || before.narratives != after.narratives
    {
        return Err(Refusal::NotARepair);
    }
    let mut ids: std::collections::BTreeSet<&String> = before.fields.keys().collect();
    ids.extend(after.fields.keys());
    for id in ids {
        let ok = match template.field(id).map(|(f, _)| &f.ty) {
            Some(ty) if ty.is_scalar() => repaired(ty, before.fields.get(id), after.fields.get(id)),
            _ => before.fields.get(id) == after.fields.get(id),
        };
        if !ok {
            return Err(Refusal::NotARepair);
        }
    }
    let mut lists: std::collections::BTreeSet<&String> = before.records.keys().collect();
    lists.extend(after.records.keys());
    let empty = Vec::new();
    for id in lists {
        let a = before.records.get(id).unwrap_or(&empty);
        let b = after.records.get(id).unwrap_or(&empty);
        if !same_rows(a, b) {
            return Err(Refusal::NotARepair);
        }
        let columns = match template.field(id).map(|(f, _)| &f.ty) {
            Some(FieldType::Records { columns, .. }) => columns.as_slice(),
            _ => &[],
        };
        for (x, y) in a.iter().zip(b) {
            let mut cols: std::collections::BTreeSet<&String> = x.values.keys().collect();
            cols.extend(y.values.keys());
            for c in cols {
                let ok = match columns.iter().find(|k| k.id == *c) {
                    Some(k) => repaired(&k.ty, x.values.get(c), y.values.get(c)),
                    None => x.values.get(c) == y.values.get(c),
                };
                if !ok {
                    return Err(Refusal::NotARepair);
                }
            }
        }
    }
    Ok(())
}

/// Every stored value outside its field's limits, by place and value.
fn out_of_limits(template: &Template, view: &ReportView) -> std::collections::BTreeSet<String> {
    crate::report::limits::out_of_limits(template, view)
        .into_iter()
        .map(|x| format!("{}/{:?}/{:?}={:?}", x.field, x.record, x.column, x.value))
        .collect()
}

/// Judges what a change by `user` did to the history: it may only add
/// entries, and only entries taken by `user`.
pub fn check_history(
    before: &[Transition],
    after: &[Transition],
    user: &str,
) -> Result<(), Refusal> {
    let mut old: Vec<&Transition> = before.iter().collect();
    for t in after {
        match old.iter().position(|o| *o == t) {
            Some(i) => {
                old.swap_remove(i);
            }
            None if t.by == user => {}
            None => return Err(Refusal::History),
        }
    }
    if old.is_empty() {
        Ok(())
    } else {
        Err(Refusal::History)
    }
}

/// One recorded workflow step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The step taken.
    pub step: Step,
    /// The status it led to.
    pub status: Status,
    /// The user who took it (user id).
    pub by: String,
    /// When, ms since the epoch (the device's clock).
    pub at: i64,
    /// The comment (required when returning).
    #[serde(default)]
    pub comment: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICER: Rights = Rights {
        write: true,
        review: false,
    };
    const REVIEWER: Rights = Rights {
        write: true,
        review: true,
    };

    #[test]
    fn the_officer_submits_and_the_reviewer_judges() {
        assert_eq!(steps(Status::Draft, OFFICER), vec![Step::Submit]);
        assert_eq!(steps(Status::Submitted, OFFICER), vec![]);
        assert_eq!(steps(Status::Returned, OFFICER), vec![Step::Submit]);
        assert_eq!(steps(Status::Approved, OFFICER), vec![]);
        assert_eq!(
            steps(Status::Submitted, REVIEWER),
            vec![Step::Return, Step::Approve]
        );
        assert_eq!(steps(Status::Approved, REVIEWER), vec![Step::Reopen]);
        assert_eq!(steps(Status::Draft, Rights::default()), vec![]);
    }

    #[test]
    fn an_approved_report_takes_no_officer_edits() {
        assert!(!may_edit(Status::Approved, OFFICER));
        assert!(may_edit(Status::Returned, OFFICER));
        assert!(may_edit(Status::Approved, REVIEWER));
        let r = Refusal::Approved;
        assert_eq!(
            check_change(Status::Approved, Status::Approved, OFFICER),
            Err(r)
        );
        assert_eq!(Refusal::from_code(r.code()), Some(r));
    }

    #[test]
    fn the_history_only_grows_by_the_users_own_steps() {
        let step = |by: &str, at| Transition {
            step: Step::Submit,
            status: Status::Submitted,
            by: by.into(),
            at,
            comment: String::new(),
        };
        let before = vec![step("a", 1)];
        assert_eq!(
            check_history(&before, &[step("a", 1), step("b", 2)], "b"),
            Ok(())
        );
        assert_eq!(
            check_history(&before, &[step("a", 1), step("c", 2)], "b"),
            Err(Refusal::History)
        );
        assert_eq!(check_history(&before, &[], "a"), Err(Refusal::History));
    }

    #[test]
    fn only_reviewers_set_review_statuses() {
        let c = |a, b| check_change(a, b, OFFICER);
        assert_eq!(c(Status::Draft, Status::Submitted), Ok(()));
        assert_eq!(c(Status::Returned, Status::Submitted), Ok(()));
        assert_eq!(c(Status::Returned, Status::Returned), Ok(()));
        assert_eq!(
            c(Status::Submitted, Status::Approved),
            Err(Refusal::ReviewOnly)
        );
        assert_eq!(
            c(Status::Submitted, Status::Returned),
            Err(Refusal::ReviewOnly)
        );
        assert_eq!(
            check_change(Status::Approved, Status::Returned, REVIEWER),
            Ok(())
        );
    }
}
