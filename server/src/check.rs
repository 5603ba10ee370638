//! `baocao check`: every stored report judged against its template, for the
//! documents stored before the server judged the shape of every change (or
//! by a server run with `--no-auth`, which judges nothing).
//!
//! Each report is judged whole, as if all of it had just arrived: its shape
//! ([`shared::report::shape`], knowing every template version the server has
//! served) and its values against their fields' limits
//! ([`shared::report::limits`]). Nothing is changed: the figures already skip
//! values outside their limits, and a report is repaired through the normal
//! sync path, by a person whose corrective change is attributed to them
//! (README, "What the server holds a report to").

use crate::catalog::Catalog;
use crate::db::Pool;
use automerge::Automerge;
use shared::report::ReportMeta;
use shared::report::limits::out_of_limits;
use shared::report::shape::Shape;
use shared::{DocumentId, ReportView};
use std::io::Write;

/// One report that breaks its template, and every reason found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The document.
    pub doc: DocumentId,
    /// `template/period/unit` as the projection recorded it.
    pub report: String,
    /// What is wrong, one line each.
    pub problems: Vec<String>,
}

/// Judges one stored report document.
pub fn judge(catalog: &Catalog, id: &DocumentId, doc: &Automerge) -> Vec<String> {
    let meta = match ReportMeta::read(doc) {
        Ok(m) if m.key.document_id() == *id => m,
        Ok(m) => {
            return vec![format!(
                "shape:identity: claims to be {}/{}/{}, which is not this document",
                m.key.template, m.key.period, m.key.unit
            )];
        }
        Err(e) => return vec![format!("shape:identity: {e}")],
    };
    let Some(template) = catalog.templates.get(&meta.key.template) else {
        return vec![format!(
            "template {:?} is not served here: not judged",
            meta.key.template
        )];
    };
    let shape = Shape::new(template)
        .with_older_versions(catalog.older.get(&template.id).into_iter().flatten());
    let mut problems = Vec::new();
    if let Err(e) = shape.check(&Automerge::new(), doc) {
        problems.push(e.to_string());
    }
    match ReportView::read(doc) {
        Ok(view) => {
            let unit = catalog
                .tree
                .get(&meta.key.unit)
                .map_or(meta.key.unit.as_str(), |u| u.name.as_str());
            for x in out_of_limits(template, &view) {
                problems.push(format!("limits: {}", x.message(template, unit, false)));
            }
        }
        Err(e) => problems.push(format!("unreadable: {e}")),
    }
    problems
}

/// Judges every stored report, printing progress to `progress` every
/// thousand reports; returns the reports that break their template.
pub async fn run(
    pool: &Pool,
    catalog: &Catalog,
    progress: &mut impl Write,
) -> Result<(usize, Vec<Finding>), String> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT doc_id, template, period, unit FROM documents ORDER BY template, period, unit",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| e.to_string())?;
    let total = rows.len();
    let mut found = Vec::new();
    for (n, (doc_id, template, period, unit)) in rows.into_iter().enumerate() {
        if n > 0 && n % 1000 == 0 {
            let _ = writeln!(progress, "checked {n}/{total} reports");
        }
        let id: DocumentId = doc_id
            .parse()
            .map_err(|_| format!("stored document id {doc_id:?} does not parse"))?;
        let report = format!("{template}/{period}/{unit}");
        let problems = match crate::store::load_doc(pool, &id)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(mut doc) => judge(catalog, &id, doc.document()),
            None => vec!["no stored changes".to_string()],
        };
        if !problems.is_empty() {
            found.push(Finding {
                doc: id,
                report,
                problems,
            });
        }
    }
    Ok((total, found))
}
