//! The administrator's calls (`/api/admin/...`, README "API"): rounds,
//! templates, the org tree, users and the audit. The server judges every
//! call (the caller's role and subtree) and says why when it refuses; these
//! functions bring that reason back for the screen to show.

use super::{ApiError, ExportFile, authorized, read_export};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::Template;
use shared::period::PeriodKind;

/// One row of `GET /api/admin/users`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UserRow {
    /// Login name.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `officer`, `reviewer`, `viewer` or `admin`.
    pub role: String,
    /// The unit the user belongs to.
    pub unit: String,
    /// False once deactivated: no login, no sync.
    pub active: bool,
    /// Last successful login, ms since the epoch.
    #[serde(default)]
    pub last_login: Option<i64>,
}

/// One row of `GET /api/admin/templates`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TemplateRow {
    /// Template id.
    pub id: String,
    /// Its current version.
    pub version: u32,
    /// Its title.
    pub title: String,
    /// The unit kind that fills it in.
    pub filled_by: String,
    /// How often it is reported.
    pub period: PeriodKind,
    /// Versions before the current one, still readable.
    #[serde(default)]
    pub older_versions: Vec<u32>,
}

/// One entry of `GET /api/admin/audit`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AuditEntry {
    /// Its number.
    pub id: i64,
    /// When, ms since the epoch.
    pub at: i64,
    /// Who (a user id, or `cli` for the command line).
    pub actor: String,
    /// What was done (`round.open`, `user.deactivate`, …).
    pub action: String,
    /// To what.
    pub target: String,
    /// The state before, if any.
    #[serde(default)]
    pub before: Option<serde_json::Value>,
    /// The state after, if any.
    #[serde(default)]
    pub after: Option<serde_json::Value>,
}

/// `POST /api/admin/templates/preview`: an uploaded template, read and
/// checked but not stored.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Preview {
    /// The template as the server read it.
    pub template: Template,
    /// The version it would replace, if the template exists.
    #[serde(default)]
    pub replaces: Option<u32>,
    /// Why it cannot replace that version (a field's type changed, …).
    #[serde(default)]
    pub version_problem: Option<String>,
}

/// `POST /api/admin/templates`: what was stored.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Added {
    /// Template id.
    pub id: String,
    /// The version stored.
    pub version: u32,
}

/// A round as the calls name it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundBody<'a> {
    /// Template id.
    pub template: &'a str,
    /// Period id (`2025-H2`).
    pub period: &'a str,
    /// The consolidating unit.
    pub unit: &'a str,
    /// ISO date (`2025-12-31`), or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<&'a str>,
}

/// A unit to add.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewUnit<'a> {
    /// Its id (`xa-ba-to`).
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its kind (`commune`, …).
    pub kind: &'a str,
    /// Its parent.
    pub parent: Option<&'a str>,
}

/// A user to add.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewUser<'a> {
    /// Login name.
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Role.
    pub role: &'a str,
    /// Unit.
    pub unit: &'a str,
    /// First password.
    pub password: &'a str,
}

/// A change to a user: only the parts given change.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UserChange<'a> {
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// New role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'a str>,
    /// New unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'a str>,
}

/// A merge of units into a new one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Merge<'a> {
    /// The new unit's id.
    pub into: &'a str,
    /// Its name.
    pub name: &'a str,
    /// The units merged.
    pub units: Vec<&'a str>,
}

/// The answer's JSON, or the server's reason for refusing.
async fn answer<T: DeserializeOwned>(
    sent: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = sent.map_err(|e| ApiError::Network(e.to_string()))?;
    if !response.ok() {
        let status = response.status();
        #[derive(Deserialize)]
        struct Refusal {
            error: String,
        }
        return Err(match response.json::<Refusal>().await {
            Ok(r) if status != 401 => ApiError::Refused(status, r.error),
            _ => ApiError::Status(status),
        });
    }
    response
        .json::<T>()
        .await
        .map_err(|e| ApiError::Decode(e.to_string()))
}

async fn get<T: DeserializeOwned>(path: &str, query: &[(&str, &str)]) -> Result<T, ApiError> {
    let request = authorized(gloo_net::http::Request::get(path)).query(query.iter().copied());
    answer(request.send().await).await
}

async fn post<B: Serialize>(path: &str, body: &B) -> Result<serde_json::Value, ApiError> {
    let request = authorized(gloo_net::http::Request::post(path))
        .json(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    answer(request.send().await).await
}

/// Sends a file's bytes, named so the server knows TOML from a spreadsheet.
async fn post_file<T: DeserializeOwned>(
    path: &str,
    name: &str,
    bytes: &[u8],
) -> Result<T, ApiError> {
    let body = js_sys::Uint8Array::from(bytes);
    let request = authorized(gloo_net::http::Request::post(path))
        .query([("name", name)])
        .header("Content-Type", "application/octet-stream")
        .body(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    answer(request.send().await).await
}

/// The units within the admin's own.
pub async fn units() -> Result<Vec<shared::OrgUnit>, ApiError> {
    get("/api/admin/units", &[]).await
}

/// Adds a unit.
pub async fn add_unit(unit: &NewUnit<'_>) -> Result<(), ApiError> {
    post("/api/admin/units", unit).await.map(drop)
}

/// Renames a unit.
pub async fn rename_unit(id: &str, name: &str) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct Name<'a> {
        name: &'a str,
    }
    post(
        &format!("/api/admin/units/{}/rename", enc(id)),
        &Name { name },
    )
    .await
    .map(drop)
}

/// Moves a unit under another.
pub async fn move_unit(id: &str, parent: &str) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct Parent<'a> {
        parent: &'a str,
    }
    post(
        &format!("/api/admin/units/{}/move", enc(id)),
        &Parent { parent },
    )
    .await
    .map(drop)
}

/// Closes a unit (it takes part in no new round; its old reports stay).
pub async fn close_unit(id: &str) -> Result<(), ApiError> {
    post(&format!("/api/admin/units/{}/close", enc(id)), &())
        .await
        .map(drop)
}

/// Merges units into a new one.
pub async fn merge_units(merge: &Merge<'_>) -> Result<(), ApiError> {
    post("/api/admin/units/merge", merge).await.map(drop)
}

/// The users of the admin's subtree.
pub async fn users() -> Result<Vec<UserRow>, ApiError> {
    get("/api/admin/users", &[]).await
}

/// Adds a user.
pub async fn add_user(user: &NewUser<'_>) -> Result<(), ApiError> {
    post("/api/admin/users", user).await.map(drop)
}

/// Changes a user's name, role or unit.
pub async fn change_user(id: &str, change: &UserChange<'_>) -> Result<(), ApiError> {
    post(&format!("/api/admin/users/{}", enc(id)), change)
        .await
        .map(drop)
}

/// Deactivates (`false`) or reactivates (`true`) a user.
pub async fn set_active(id: &str, active: bool) -> Result<(), ApiError> {
    let what = if active { "reactivate" } else { "deactivate" };
    post(&format!("/api/admin/users/{}/{what}", enc(id)), &())
        .await
        .map(drop)
}

/// Sets a user's password (their sessions end).
pub async fn reset_password(id: &str, password: &str) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct Password<'a> {
        password: &'a str,
    }
    post(
        &format!("/api/admin/users/{}/password", enc(id)),
        &Password { password },
    )
    .await
    .map(drop)
}

/// The rounds of the admin's subtree, open and closed.
pub async fn rounds() -> Result<Vec<shared::dataset::Round>, ApiError> {
    get("/api/admin/rounds", &[]).await
}

/// Opens a round.
pub async fn open_round(round: &RoundBody<'_>) -> Result<(), ApiError> {
    post("/api/admin/rounds", round).await.map(drop)
}

/// Sets or clears a round's deadline.
pub async fn set_deadline(round: &RoundBody<'_>) -> Result<(), ApiError> {
    post("/api/admin/rounds/deadline", round).await.map(drop)
}

/// Closes (`true`) or reopens (`false`) a round.
pub async fn set_round_closed(round: &RoundBody<'_>, closed: bool) -> Result<(), ApiError> {
    let what = if closed { "close" } else { "reopen" };
    post(&format!("/api/admin/rounds/{what}"), round)
        .await
        .map(drop)
}

/// The templates, newest version of each.
pub async fn templates() -> Result<Vec<TemplateRow>, ApiError> {
    get("/api/admin/templates", &[]).await
}

/// Reads an uploaded template file without storing it.
pub async fn preview_template(name: &str, bytes: &[u8]) -> Result<Preview, ApiError> {
    post_file("/api/admin/templates/preview", name, bytes).await
}

/// Stores an uploaded template file (a new template, or a new version).
pub async fn add_template(name: &str, bytes: &[u8]) -> Result<Added, ApiError> {
    post_file("/api/admin/templates", name, bytes).await
}

/// A template as a file: `toml` or `xlsx`.
pub async fn template_file(id: &str, format: &str) -> Result<ExportFile, ApiError> {
    let path = format!("/api/admin/templates/{}", enc(id));
    let request = authorized(gloo_net::http::Request::get(&path)).query([("format", format)]);
    read_export(request.send().await).await
}

/// The latest audit entries the admin may see.
pub async fn audit(limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    get("/api/admin/audit", &[("limit", &limit.to_string())]).await
}

/// A path segment, percent-encoded.
fn enc(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
