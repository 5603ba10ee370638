//! REST endpoints: what the client needs to start offline, report lists with
//! their status, one report as JSON, and a unit's consolidated figures.

use super::AppState;
use super::auth::Principal;
use super::error::{AppError, Result};
use crate::catalog::Catalog;
use crate::db::Pool;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::access::Action;
use shared::aggregate::{Contribution, FigureValue, compute};
use shared::dataset::{Round, User};
use shared::report::{Excluded, admissible};
use shared::review::Progress;
use shared::template::Role;
use shared::{DocumentId, OrgUnit, ReportKey, ReportView, Template};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
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

pub(crate) fn check_round<'c>(
    catalog: &'c Catalog,
    template: &str,
    period: &str,
    unit: &str,
) -> Result<(&'c Template, &'c OrgUnit)> {
    let t = catalog
        .templates
        .get(template)
        .ok_or_else(|| AppError::NotFound(format!("no template {template:?}")))?;
    period
        .parse::<shared::Period>()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let u = catalog
        .tree
        .get(unit)
        .ok_or_else(|| AppError::NotFound(format!("no org unit {unit:?}")))?;
    Ok((t, u))
}

/// The reporting units below `unit` and the consolidating units above them
/// (within `unit`'s subtree, `unit` itself included).
pub(crate) fn participants<'c>(
    catalog: &'c Catalog,
    t: &Template,
    unit: &OrgUnit,
) -> (Vec<&'c OrgUnit>, Vec<&'c OrgUnit>) {
    let reporting = catalog.tree.descendants_of_kind(&unit.id, &t.filled_by);
    let mut seen = BTreeSet::new();
    let consolidating = reporting
        .iter()
        .filter_map(|r| catalog.tree.parent(&r.id))
        .filter(|p| catalog.tree.is_within(&p.id, &unit.id))
        .filter(|p| seen.insert(p.id.clone()))
        .collect();
    (reporting, consolidating)
}

pub(crate) async fn read_view(pool: &Pool, id: &DocumentId) -> Result<Option<ReportView>> {
    let Some(mut doc) = crate::store::load_doc(pool, id).await? else {
        return Ok(None);
    };
    let view = tokio::task::spawn_blocking(move || ReportView::read(doc.document()))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    view.map(Some)
        .map_err(|e| AppError::Internal(format!("stored document {id} is not a report: {e}")))
}

pub(crate) async fn projection(
    pool: &Pool,
    template: &str,
    period: &str,
) -> Result<BTreeMap<String, (Option<String>, i64)>> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT unit, status, updated_at FROM documents WHERE template = $1 AND period = $2",
    )
    .bind(template)
    .bind(period)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(u, s, t)| (u, (s, t))).collect())
}

async fn list_reports(
    State(s): State<AppState>,
    principal: Principal,
    Query(q): Query<RoundQuery>,
) -> Result<Json<Vec<ReportRow>>> {
    let catalog = s.catalog();
    let (t, unit) = check_round(&catalog, &q.template, &q.period, &q.unit)?;
    principal.require(&catalog.tree, &unit.id, Action::Read)?;
    let (reporting, _) = participants(&catalog, t, unit);
    let proj = projection(&s.pool, &q.template, &q.period).await?;
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
    read_view(&s.pool, &id)
        .await?
        .filter(|v| principal.may(&s.directory.get().tree, &v.unit, Action::Read))
        .map(|v| (id, v))
        .ok_or_else(|| AppError::NotFound(format!("no report {id}")))
}

/// A consolidating unit's figures.
#[derive(Debug, Serialize)]
pub struct Figures {
    template: String,
    period: String,
    unit: String,
    reporting_units: usize,
    submitted: usize,
    figures: BTreeMap<String, FigureValue>,
    /// The values the figures leave out (outside their field's limits, in a
    /// draft), in unit order, each with its unit id.
    excluded: Vec<Excluded>,
}

/// Replaces the report of each of `units` in `views` by its admissible view
/// (the values outside their field's limits removed: they never reach a
/// figure, a table or an export) and returns what was removed, in the order
/// of `units`. Every consolidation of a round goes through here.
pub(crate) fn admit<'u>(
    template: &Template,
    views: &mut HashMap<String, ReportView>,
    units: impl IntoIterator<Item = &'u str>,
) -> Vec<Excluded> {
    let mut out = Vec::new();
    for unit in units {
        if let Some(v) = views.get_mut(unit) {
            let (clean, excluded) = admissible(template, v);
            *v = clean;
            out.extend(excluded);
        }
    }
    out
}

async fn figures(
    State(s): State<AppState>,
    principal: Principal,
    Query(q): Query<RoundQuery>,
) -> Result<Json<Figures>> {
    principal.require(&s.directory.get().tree, &q.unit, Action::Read)?;
    compute_figures(&s.pool, &s.catalog(), &q.template, &q.period, &q.unit)
        .await
        .map(Json)
}

/// Computes the figures of `unit` from the projected reports below it.
pub async fn compute_figures(
    pool: &Pool,
    catalog: &Catalog,
    template: &str,
    period: &str,
    unit: &str,
) -> Result<Figures> {
    let (t, u) = check_round(catalog, template, period, unit)?;
    let (reporting, consolidating) = participants(catalog, t, u);
    // From the projection: a province's thousands of reports are rows, not
    // documents to load.
    let mut views = crate::store::round_views(pool, template, period).await?;
    let all = reporting
        .iter()
        .chain(&consolidating)
        .map(|x| x.id.as_str());
    let excluded = admit(t, &mut views, all);
    let mut contributions: Vec<Contribution<'_>> = Vec::new();
    for (list, role) in [
        (&reporting, Role::Reporting),
        (&consolidating, Role::Consolidating),
    ] {
        for x in list.iter() {
            contributions.push(Contribution {
                unit: &x.id,
                role,
                report: views.get(&x.id),
            });
        }
    }
    let submitted = reporting
        .iter()
        .filter(|x| {
            let status = views.get(&x.id).and_then(|v| v.status.as_deref());
            matches!(
                Progress::of(status),
                Progress::Submitted | Progress::Approved
            )
        })
        .count();
    Ok(Figures {
        template: template.into(),
        period: period.into(),
        unit: unit.into(),
        reporting_units: reporting.len(),
        submitted,
        figures: compute(t, &contributions),
        excluded,
    })
}
