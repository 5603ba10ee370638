//! A reporting round as the consolidations see it: its template, its
//! consolidating unit, the units that take part, their reports and the
//! figures. The REST handlers, the exports and the CLI all go through here,
//! so a figure on screen, in the .docx and from `baocao figures` is the
//! same figure.

use crate::catalog::Catalog;
use crate::db::Pool;
use serde::Serialize;
use shared::aggregate::{Contribution, FigureValue, compute};
use shared::report::{Excluded, admissible};
use shared::review::Progress;
use shared::template::Role;
use shared::{DocumentId, OrgTree, OrgUnit, Period, ReportView, Template};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Why a round cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    /// No template with that id.
    #[error("no template {0:?}")]
    NoTemplate(String),
    /// No org unit with that id.
    #[error("no org unit {0:?}")]
    NoUnit(String),
    /// The period id does not parse.
    #[error("{0}")]
    BadPeriod(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A stored document is not what it should be, or a task failed.
    #[error("{0}")]
    Internal(String),
}

/// One round, resolved against the catalog.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'c> {
    /// The template.
    pub template: &'c Template,
    /// The consolidating unit, as the round's tree has it.
    pub unit: &'c OrgUnit,
    /// The units as they were when the round was opened
    /// ([`Catalog::tree_for`]).
    pub tree: &'c OrgTree,
}

/// Resolves a template, period and consolidating unit.
pub fn scope<'c>(
    catalog: &'c Catalog,
    template: &str,
    period: &str,
    unit: &str,
) -> Result<(Scope<'c>, Period), RoundError> {
    let t = catalog
        .templates
        .get(template)
        .ok_or_else(|| RoundError::NoTemplate(template.into()))?;
    let p = period
        .parse::<Period>()
        .map_err(|e| RoundError::BadPeriod(e.to_string()))?;
    let tree = catalog.tree_for(template, period, unit);
    let u = tree
        .get(unit)
        .ok_or_else(|| RoundError::NoUnit(unit.into()))?;
    Ok((
        Scope {
            template: t,
            unit: u,
            tree,
        },
        p,
    ))
}

impl<'c> Scope<'c> {
    /// The reporting units below the unit and the consolidating units above
    /// them (within the unit's subtree, the unit itself included).
    pub fn participants(&self) -> (Vec<&'c OrgUnit>, Vec<&'c OrgUnit>) {
        let tree = self.tree;
        let reporting = tree.descendants_of_kind(&self.unit.id, &self.template.filled_by);
        let mut seen = BTreeSet::new();
        let consolidating = reporting
            .iter()
            .filter_map(|r| tree.parent(&r.id))
            .filter(|p| tree.is_within(&p.id, &self.unit.id))
            .filter(|p| seen.insert(p.id.clone()))
            .collect();
        (reporting, consolidating)
    }
}

/// A stored report, read from its document.
pub async fn read_view(pool: &Pool, id: &DocumentId) -> Result<Option<ReportView>, RoundError> {
    let Some(mut doc) = crate::store::load_doc(pool, id).await? else {
        return Ok(None);
    };
    let view = tokio::task::spawn_blocking(move || ReportView::read(doc.document()))
        .await
        .map_err(|e| RoundError::Internal(e.to_string()))?;
    view.map(Some)
        .map_err(|e| RoundError::Internal(format!("stored document {id} is not a report: {e}")))
}

/// Each unit's projected status and last save of a template and period.
pub async fn projection(
    pool: &Pool,
    template: &str,
    period: &str,
) -> Result<BTreeMap<String, (Option<String>, i64)>, RoundError> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT unit, status, updated_at FROM documents WHERE template = $1 AND period = $2",
    )
    .bind(template)
    .bind(period)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(u, s, t)| (u, (s, t))).collect())
}

/// Replaces the report of each of `units` in `views` by its admissible view
/// (the values outside their field's limits removed: they never reach a
/// figure, a table or an export) and returns what was removed, in the order
/// of `units`. Every consolidation of a round goes through here.
pub fn admit<'u>(
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

/// Computes the figures of `unit` from the projected reports below it.
pub async fn compute_figures(
    pool: &Pool,
    catalog: &Catalog,
    template: &str,
    period: &str,
    unit: &str,
) -> Result<Figures, RoundError> {
    let (scope, _) = scope(catalog, template, period, unit)?;
    let t = scope.template;
    let (reporting, consolidating) = scope.participants();
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
