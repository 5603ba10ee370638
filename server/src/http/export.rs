//! `GET /api/export/{format}?template=&period=&unit=`: the consolidated
//! report as .docx, print view (html), text or JSON, and the round's data as
//! .xlsx or CSV, computed from the merged reports at the moment of the request.

use super::AppState;
use super::error::{AppError, Result};
use crate::export::{self, Format};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/export/{format}", get(export_round))
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    template: String,
    period: String,
    unit: String,
}

async fn export_round(
    State(s): State<AppState>,
    principal: super::auth::Principal,
    Path(format): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    let format: Format = format.parse().map_err(AppError::BadRequest)?;
    principal.require(&s.catalog().tree, &q.unit, shared::access::Action::Read)?;
    let data = export::load(&s.pool, s.catalog(), &q.template, &q.period, &q.unit).await?;
    let name = data.file_name(format);
    let today = export::today_vn();
    // Writing a workbook or a document is CPU work: keep it off the runtime.
    let bytes = tokio::task::spawn_blocking(move || data.export(format, today))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let disposition = if format.is_download() {
        format!("attachment; filename=\"{name}\"")
    } else {
        format!("inline; filename=\"{name}\"")
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
