//! The admin REST API (`/api/admin/...`): the CLI's administration for
//! users with the `admin` role, each limited to their own unit's subtree
//! (templates, shared by every unit, to an admin of the province). Every
//! action goes through [`crate::admin`], so it is checked, audited and seen
//! by every server exactly as from the command line.

use super::AppState;
use super::auth::Principal;
use super::error::{AppError, Result};
use crate::admin::rounds::RoundId;
use crate::admin::{self, Actor, AdminError};
use crate::catalog::Catalog;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use shared::dataset::UserRole;

/// Largest template file or CSV accepted.
const MAX_UPLOAD: usize = 4 * 1024 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/units", get(units).post(add_unit))
        .route("/admin/units/import", post(import_units))
        .route("/admin/units/merge", post(merge))
        .route("/admin/units/{id}/rename", post(rename))
        .route("/admin/units/{id}/move", post(move_unit))
        .route("/admin/units/{id}/close", post(close_unit))
        .route("/admin/users", get(users).post(add_user))
        .route("/admin/users/import", post(import_users))
        .route("/admin/users/{id}", post(change_user))
        .route("/admin/users/{id}/deactivate", post(deactivate))
        .route("/admin/users/{id}/reactivate", post(reactivate))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/rounds", get(rounds).post(open_round))
        .route("/admin/rounds/deadline", post(set_deadline))
        .route("/admin/rounds/close", post(close_round))
        .route("/admin/rounds/reopen", post(reopen_round))
        .route("/admin/templates", get(templates).post(add_template))
        .route("/admin/templates/preview", post(preview_template))
        .route("/admin/templates/{id}", get(template))
        .route("/admin/audit", get(audit))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

impl From<AdminError> for AppError {
    fn from(e: AdminError) -> AppError {
        match e {
            AdminError::Invalid(m) => AppError::BadRequest(m),
            AdminError::NotFound(m) => AppError::NotFound(m),
            AdminError::Conflict(m) => AppError::Conflict(m),
            AdminError::Forbidden(m) => AppError::Forbidden(m),
            AdminError::Db(m) => AppError::Internal(m),
        }
    }
}

/// The admin behind a request, with the catalog to judge by.
struct Admin {
    actor: Actor,
    unit: String,
    catalog: std::sync::Arc<Catalog>,
}

impl Admin {
    fn of(s: &AppState, p: Principal) -> Result<Admin> {
        match p {
            Principal::User(u) if u.role == UserRole::Admin => Ok(Admin {
                unit: u.unit.clone(),
                actor: Actor::User(u),
                catalog: s.catalog(),
            }),
            Principal::User(u) => Err(AppError::Forbidden(format!(
                "{} is not an administrator",
                u.id
            ))),
            Principal::Open => Err(AppError::Forbidden(
                "the admin API needs accounts (this server runs with --no-auth)".into(),
            )),
        }
    }

    fn within(&self, unit: &str) -> bool {
        self.catalog.tree.is_within(unit, &self.unit)
    }
}

/// After an action: this server sees it at once (others within seconds).
async fn done(s: &AppState, answer: Value) -> Result<Json<Value>> {
    s.catalog
        .refresh(&s.pool)
        .await
        .map_err(AppError::Internal)?;
    Ok(Json(answer))
}

async fn units(State(s): State<AppState>, p: Principal) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let units: Vec<&shared::OrgUnit> = a
        .catalog
        .tree
        .units()
        .iter()
        .filter(|u| a.within(&u.id))
        .collect();
    Ok(Json(json!(units)))
}

#[derive(Deserialize)]
struct NewUnit {
    id: String,
    name: String,
    kind: String,
    parent: Option<String>,
}

async fn add_unit(
    State(s): State<AppState>,
    p: Principal,
    Json(u): Json<NewUnit>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let unit = admin::units::NewUnit {
        id: u.id,
        name: u.name,
        kind: u.kind,
        parent: u.parent,
    };
    admin::units::add_unit(&s.pool, &a.catalog, &a.actor, &unit).await?;
    done(&s, json!({ "added": unit.id })).await
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

async fn rename(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(b): Json<Name>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    admin::units::rename(&s.pool, &a.catalog, &a.actor, &id, &b.name).await?;
    done(&s, json!({ "renamed": id })).await
}

#[derive(Deserialize)]
struct Parent {
    parent: String,
}

async fn move_unit(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(b): Json<Parent>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    admin::units::move_unit(&s.pool, &a.catalog, &a.actor, &id, &b.parent).await?;
    done(&s, json!({ "moved": id })).await
}

async fn close_unit(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    admin::units::close(&s.pool, &a.catalog, &a.actor, &id).await?;
    done(&s, json!({ "closed": id })).await
}

#[derive(Deserialize)]
struct Merge {
    into: String,
    name: Option<String>,
    units: Vec<String>,
}

async fn merge(
    State(s): State<AppState>,
    p: Principal,
    Json(m): Json<Merge>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let m = admin::units::Merge {
        into: m.into,
        name: m.name,
        units: m.units,
    };
    admin::units::merge(&s.pool, &a.catalog, &a.actor, &m).await?;
    done(&s, json!({ "merged": m.units, "into": m.into })).await
}

fn csv_text(body: &Bytes) -> Result<&str> {
    std::str::from_utf8(body).map_err(|e| AppError::BadRequest(format!("not UTF-8 text: {e}")))
}

fn import_answer(r: admin::import::ImportReport) -> Value {
    let errors: Vec<Value> = r
        .errors
        .iter()
        .map(|(line, why)| json!({ "line": line, "error": why }))
        .collect();
    json!({ "imported": r.imported, "errors": errors })
}

async fn import_units(State(s): State<AppState>, p: Principal, body: Bytes) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let r = admin::import::import_units(&s.pool, &a.catalog, &a.actor, csv_text(&body)?).await;
    done(&s, import_answer(r)).await
}

async fn import_users(State(s): State<AppState>, p: Principal, body: Bytes) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let r = admin::import::import_users(&s.pool, &a.catalog, &a.actor, csv_text(&body)?).await;
    done(&s, import_answer(r)).await
}

async fn users(State(s): State<AppState>, p: Principal) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let list: Vec<admin::users::UserRow> = admin::users::list(&s.pool)
        .await?
        .into_iter()
        .filter(|u| a.within(&u.unit))
        .collect();
    Ok(Json(json!(list)))
}

#[derive(Deserialize)]
struct NewUser {
    id: String,
    name: String,
    role: String,
    unit: String,
    password: String,
}

async fn add_user(
    State(s): State<AppState>,
    p: Principal,
    Json(u): Json<NewUser>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let user = admin::users::NewUser {
        id: u.id,
        name: u.name,
        role: u.role,
        unit: u.unit,
        password: u.password,
    };
    admin::users::add_user(&s.pool, &a.catalog, &a.actor, &user).await?;
    done(&s, json!({ "added": user.id })).await
}

#[derive(Deserialize)]
struct UserChange {
    name: Option<String>,
    role: Option<String>,
    unit: Option<String>,
}

async fn change_user(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(c): Json<UserChange>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let c = admin::users::UserChange {
        name: c.name,
        role: c.role,
        unit: c.unit,
    };
    admin::users::change(&s.pool, &a.catalog, &a.actor, &id, &c).await?;
    done(&s, json!({ "changed": id })).await
}

async fn set_active(s: AppState, p: Principal, id: String, active: bool) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    admin::users::set_active(&s.pool, &a.catalog, &a.actor, &id, active).await?;
    done(&s, json!({ "user": id, "active": active })).await
}

async fn deactivate(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    set_active(s, p, id, false).await
}

async fn reactivate(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    set_active(s, p, id, true).await
}

#[derive(Deserialize)]
struct Password {
    password: String,
}

async fn reset_password(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(b): Json<Password>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    admin::users::reset_password(&s.pool, &a.catalog, &a.actor, &id, &b.password).await?;
    done(&s, json!({ "reset": id })).await
}

async fn rounds(State(s): State<AppState>, p: Principal) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let list: Vec<&shared::dataset::Round> = a
        .catalog
        .rounds
        .iter()
        .filter(|r| a.within(&r.unit))
        .collect();
    Ok(Json(json!(list)))
}

#[derive(Deserialize)]
struct RoundBody {
    template: String,
    period: String,
    unit: String,
    #[serde(default)]
    deadline: Option<shared::Date>,
}

impl RoundBody {
    fn id(&self) -> RoundId {
        RoundId {
            template: self.template.clone(),
            period: self.period.clone(),
            unit: self.unit.clone(),
        }
    }
}

async fn open_round(
    State(s): State<AppState>,
    p: Principal,
    Json(b): Json<RoundBody>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let r = admin::rounds::open(&s.pool, &a.catalog, &a.actor, &b.id(), b.deadline).await?;
    done(&s, json!(r)).await
}

async fn set_deadline(
    State(s): State<AppState>,
    p: Principal,
    Json(b): Json<RoundBody>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    admin::rounds::set_deadline(&s.pool, &a.catalog, &a.actor, &b.id(), b.deadline).await?;
    done(&s, json!({ "deadline": b.deadline })).await
}

async fn set_closed(s: AppState, p: Principal, b: RoundBody, closed: bool) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    admin::rounds::set_closed(&s.pool, &a.catalog, &a.actor, &b.id(), closed).await?;
    done(&s, json!({ "closed": closed })).await
}

async fn close_round(
    State(s): State<AppState>,
    p: Principal,
    Json(b): Json<RoundBody>,
) -> Result<Json<Value>> {
    set_closed(s, p, b, true).await
}

async fn reopen_round(
    State(s): State<AppState>,
    p: Principal,
    Json(b): Json<RoundBody>,
) -> Result<Json<Value>> {
    set_closed(s, p, b, false).await
}

async fn templates(State(s): State<AppState>, p: Principal) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    Ok(Json(json!(admin::templates::list(&a.catalog))))
}

#[derive(Deserialize)]
struct Upload {
    /// The file's name: its extension tells TOML from a spreadsheet.
    name: String,
}

async fn add_template(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<Upload>,
    body: Bytes,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let t = admin::templates::parse(&q.name, &body)?;
    let added = admin::templates::add(&s.pool, &a.catalog, &a.actor, &t).await?;
    done(&s, json!(added)).await
}

/// Reads an uploaded template without storing it: the admin screen shows
/// the officer's form from it before the template is added.
async fn preview_template(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<Upload>,
    body: Bytes,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let t = admin::templates::parse(&q.name, &body)?;
    let successor = match a.catalog.templates.get(&t.id) {
        Some(old) => t.check_successor(old).err().map(|e| e.to_string()),
        None => None,
    };
    Ok(Json(json!({
        "template": t,
        "replaces": a.catalog.templates.get(&t.id).map(|o| o.version),
        "version_problem": successor,
    })))
}

#[derive(Deserialize)]
struct TemplateQuery {
    /// `json` (default), `toml` or `xlsx`.
    #[serde(default)]
    format: Option<String>,
    /// An older version.
    #[serde(default)]
    version: Option<u32>,
}

async fn template(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> Result<Response> {
    let a = Admin::of(&s, p)?;
    let t = admin::templates::get(&a.catalog, &id, q.version)?;
    let (format, mime) = match q.format.as_deref().unwrap_or("json") {
        "json" => return Ok(Json(json!(t)).into_response()),
        "toml" => (
            admin::templates::FileFormat::Toml,
            "text/plain; charset=utf-8",
        ),
        "xlsx" => (
            admin::templates::FileFormat::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        f => {
            return Err(AppError::BadRequest(format!(
                "unknown format {f:?}: json, toml or xlsx"
            )));
        }
    };
    let bytes = admin::templates::write(t, format)?;
    let ext = if mime.starts_with("text") {
        "toml"
    } else {
        "xlsx"
    };
    let disposition = format!("attachment; filename=\"{}-v{}.{ext}\"", t.id, t.version);
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    limit: Option<i64>,
}

async fn audit(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>> {
    let a = Admin::of(&s, p)?;
    let limit = q.limit.unwrap_or(200).clamp(1, 5000);
    let entries: Vec<crate::audit::Entry> = crate::audit::list(&s.pool, limit)
        .await?
        .into_iter()
        .filter(|e| match &e.scope {
            Some(unit) => a.within(unit),
            // Province-wide actions (templates): for an admin of the province.
            None => a.actor.may_manage_all(&a.catalog).is_ok(),
        })
        .collect();
    Ok(Json(json!(entries)))
}
