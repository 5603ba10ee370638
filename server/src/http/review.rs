//! The district's review endpoints: completeness of a round (every reporting
//! unit's state, last sync and whether it was on time) and the conflicts in
//! reports (concurrent values with who set each and when). Read access is
//! checked as for the other report endpoints: a report the caller may not
//! read does not exist for them.

use super::AppState;
use super::api::{RoundQuery, readable_report};
use super::auth::Principal;
use super::error::{AppError, Result};
use crate::round::{self, projection, read_view};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use shared::access::Action;
use shared::report::Conflict;
use shared::review::{
    AuthoredConflict, AuthoredValue, Completeness, Progress, ReportConflicts, UnitProgress,
};
use shared::workflow::Step;
use shared::{DocumentId, Period, ReportKey, ReportView};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/completeness", get(completeness))
        .route("/conflicts", get(round_conflicts))
        .route("/reports/{id}/conflicts", get(report_conflicts))
}

/// Vietnam's offset from UTC: a deadline day ends at midnight there.
const VN_OFFSET_MS: i64 = 7 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

async fn completeness(
    State(s): State<AppState>,
    principal: Principal,
    Query(q): Query<RoundQuery>,
) -> Result<Json<Completeness>> {
    let catalog = s.catalog();
    let (scope, _) = round::scope(&catalog, &q.template, &q.period, &q.unit)?;
    let (t, unit) = (scope.template, scope.unit);
    principal.require(&catalog.tree, &unit.id, Action::Read)?;
    let period: Period = q
        .period
        .parse()
        .map_err(|e: shared::period::PeriodError| AppError::BadRequest(e.to_string()))?;
    // A round set up for this unit (or one above it) names its deadline;
    // otherwise the template's rule applies.
    let deadline = catalog
        .rounds
        .iter()
        .filter(|r| r.template == q.template && r.period == q.period)
        .filter(|r| scope.tree.is_within(&unit.id, &r.unit))
        .find_map(|r| r.deadline)
        .unwrap_or_else(|| period.deadline(t.deadline_days));
    let due_ms = (deadline.days_since_epoch() + 1) * DAY_MS - VN_OFFSET_MS;
    let now = crate::db::now_ms();
    let (reporting, _) = scope.participants();
    let proj = projection(&s.pool, &q.template, &q.period).await?;
    let mut units = Vec::new();
    for u in reporting {
        let document_id = ReportKey::new(&q.template, &u.id, &q.period).document_id();
        let (state, last_sync, submitted_at) = match proj.get(&u.id) {
            None => (Progress::NotStarted, None, None),
            Some((status, at)) => {
                let state = Progress::of(status.as_deref());
                let submitted_at = match state.was_submitted() {
                    false => None,
                    true => read_view(&s.pool, &document_id).await?.and_then(|v| {
                        v.history
                            .iter()
                            .find(|t| t.step == Step::Submit)
                            .map(|t| t.at)
                    }),
                };
                (state, Some(*at), submitted_at)
            }
        };
        let submitted = state.was_submitted();
        let on_time = match submitted_at {
            Some(at) => Some(at < due_ms),
            None if !submitted && now >= due_ms => Some(false),
            None => None,
        };
        units.push(UnitProgress {
            unit: u.id.clone(),
            unit_name: u.name.clone(),
            document_id,
            state,
            last_sync,
            submitted_at,
            on_time,
        });
    }
    Ok(Json(Completeness {
        template: q.template,
        period: q.period,
        unit: q.unit,
        deadline,
        units,
    }))
}

fn authored(s: &AppState, id: DocumentId, view: ReportView) -> ReportConflicts {
    let dir = s.catalog();
    let author = |actor: &str| {
        let user = s.hub.policy().and_then(|p| p.user_of_actor(actor));
        let name = user
            .as_deref()
            .and_then(|u| dir.user(u))
            .map(|u| u.name.clone());
        (user, name)
    };
    let conflicts = view
        .conflicts
        .into_iter()
        .map(|c: Conflict| AuthoredConflict {
            field: c.field,
            record: c.record,
            column: c.column,
            values: c
                .values
                .into_iter()
                .map(|v| {
                    let (user, user_name) = author(&v.actor);
                    AuthoredValue {
                        value: v.value,
                        user,
                        user_name,
                        actor: v.actor,
                        at: v.time * 1000,
                    }
                })
                .collect(),
        })
        .collect();
    ReportConflicts {
        document_id: id,
        template: view.template,
        unit: view.unit,
        period: view.period,
        conflicts,
    }
}

async fn report_conflicts(
    State(s): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<ReportConflicts>> {
    let (id, view) = readable_report(&s, &principal, &id).await?;
    Ok(Json(authored(&s, id, view)))
}

/// Every report of a round (the unit's reporting units and itself) that
/// has conflicts.
async fn round_conflicts(
    State(s): State<AppState>,
    principal: Principal,
    Query(q): Query<RoundQuery>,
) -> Result<Json<Vec<ReportConflicts>>> {
    let catalog = s.catalog();
    let (scope, _) = round::scope(&catalog, &q.template, &q.period, &q.unit)?;
    let unit = scope.unit;
    principal.require(&catalog.tree, &unit.id, Action::Read)?;
    let (reporting, consolidating) = scope.participants();
    let mut out = Vec::new();
    for u in reporting.iter().chain(consolidating.iter()) {
        let id = ReportKey::new(&q.template, &u.id, &q.period).document_id();
        if let Some(view) = read_view(&s.pool, &id).await?
            && !view.conflicts.is_empty()
        {
            out.push(authored(&s, id, view));
        }
    }
    Ok(Json(out))
}
