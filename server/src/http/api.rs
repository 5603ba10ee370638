//! REST endpoints: what the client needs to start offline, report lists with
//! their status, one report as JSON, and a unit's consolidated figures.

use super::AppState;
use super::auth::Principal;
use super::error::{AppError, Result};
use crate::round;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::access::Action;
use shared::dataset::{Round, User};
use shared::review::Progress;
use shared::{DocumentId, OrgUnit, ReportKey, ReportView, Template};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/bootstrap", get(bootstrap))
        .route("/reports", get(list_reports))
        .route("/reports/{id}", get(get_report))
        .route("/figures", get(figures))
        .merge(super::review::router())
}

/// Open to anyone: also tells a phone nobody has logged in on yet whether to
/// show the login form, without a refused request.
async fn health(State(s): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "ok": true,
        "version": env!("CARGO_PKG_VERSION"),
        "accounts": s.hub.requires_login(),
    }))
}

/// Readiness, for a load balancer or an orchestrator: 200 once the database
/// answers within 2 s, 503 with the reason otherwise (the process itself may
/// be alive: `/api/health`).
async fn ready(State(s): State<AppState>) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    use axum::http::StatusCode;
    let probe = sqlx::query_as::<_, (i32,)>("SELECT 1").fetch_one(&s.pool);
    match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await {
        Ok(Ok(_)) => (StatusCode::OK, Json(serde_json::json!({ "ready": true }))),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "ready": false, "reason": format!("database: {e}") })),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "ready": false, "reason": "database: no answer within 2 s" })),
        ),
    }
}

/// Everything the client caches to work offline.
#[derive(Serialize)]
struct Bootstrap<'a> {
    server_peer_id: String,
    org_units: &'a [OrgUnit],
    templates: Vec<&'a Template>,
    users: &'a [User],
    rounds: &'a [Round],
}

async fn bootstrap(State(s): State<AppState>, principal: Principal) -> Json<serde_json::Value> {
    let c = s.catalog();
    // With accounts, a user learns only about themselves.
    let me: Vec<User> = principal.user().cloned().into_iter().collect();
    let b = Bootstrap {
        server_peer_id: s.hub.peer_id().to_string(),
        org_units: c.tree.units(),
        templates: c.templates.values().collect(),
        users: match principal {
            Principal::Open => &c.users,
            Principal::User(_) => &me,
        },
        rounds: &c.rounds,
    };
    Json(serde_json::to_value(b).unwrap_or_default())
}

/// Query of a round: template, period and the consolidating unit.
#[derive(Debug, Deserialize)]
pub struct RoundQuery {
    pub(crate) template: String,
    pub(crate) period: String,
    pub(crate) unit: String,
}

/// One reporting unit's report in a round.
#[derive(Debug, Serialize)]
pub struct ReportRow {
    unit: String,
    unit_name: String,
    document_id: DocumentId,
    status: &'static str,
    updated_at: Option<i64>,
    report: Option<ReportView>,
}

async fn list_reports(
    State(s): State<AppState>,
    principal: Principal,
    Query(q): Query<RoundQuery>,
) -> Result<Json<Vec<ReportRow>>> {
    let catalog = s.catalog();
    let (scope, _) = round::scope(&catalog, &q.template, &q.period, &q.unit)?;
    principal.require(&catalog.tree, &scope.unit.id, Action::Read)?;
    let (reporting, _) = scope.participants();
    let proj = round::projection(&s.pool, &q.template, &q.period).await?;
    // Each report's values from the projection: one query, not one document
    // load per unit.
    let mut views = crate::store::round_views(&s.pool, &q.template, &q.period).await?;
    let mut rows = Vec::new();
    for u in reporting {
        let id = ReportKey::new(&q.template, &u.id, &q.period).document_id();
        let (status, updated_at, report) = match proj.get(&u.id) {
            None => ("not_started", None, None),
            Some((st, at)) => {
                let status = Progress::of(st.as_deref()).as_str();
                (status, Some(*at), views.remove(&u.id))
            }
        };
        rows.push(ReportRow {
            unit: u.id.clone(),
            unit_name: u.name.clone(),
            document_id: id,
            status,
            updated_at,
            report,
        });
    }
    Ok(Json(rows))
}

async fn get_report(
    State(s): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<ReportView>> {
    readable_report(&s, &principal, &id)
        .await
        .map(|(_, v)| Json(v))
}

/// The report with the id in a path, if the principal may read it; a
/// report they may not read is answered as missing.
pub(crate) async fn readable_report(
    s: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(DocumentId, ReportView)> {
    let id: DocumentId = id
        .parse()
        .map_err(|_| AppError::BadRequest(format!("{id:?} is not a document id")))?;
    round::read_view(&s.pool, &id)
        .await?
        .filter(|v| principal.may(&s.catalog().tree, &v.unit, Action::Read))
        .map(|v| (id, v))
        .ok_or_else(|| AppError::NotFound(format!("no report {id}")))
}

async fn figures(
    State(s): State<AppState>,
    principal: Principal,
    Query(q): Query<RoundQuery>,
) -> Result<Json<round::Figures>> {
    principal.require(&s.catalog().tree, &q.unit, Action::Read)?;
    Ok(Json(
        round::compute_figures(&s.pool, &s.catalog(), &q.template, &q.period, &q.unit).await?,
    ))
}

impl From<round::RoundError> for AppError {
    fn from(e: round::RoundError) -> AppError {
        use round::RoundError as E;
        match e {
            E::NoTemplate(_) | E::NoUnit(_) => AppError::NotFound(e.to_string()),
            E::BadPeriod(m) => AppError::BadRequest(m),
            E::Db(e) => AppError::Internal(e.to_string()),
            E::Internal(m) => AppError::Internal(m),
        }
    }
}
