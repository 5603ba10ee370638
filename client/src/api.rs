//! The server's REST endpoints (same origin as the app), as plain async fns
//! that components wrap in resources. Reports themselves never travel here:
//! they sync over `/sync`; these calls only read directories and summaries,
//! and log in and out. Every call carries the phone's session token, if any.

use crate::auth::{self, Login};
use crate::i18n::{self, Lang, T};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::aggregate::FigureValue;
use shared::dataset::{Round, User};
use shared::report::Excluded;
use shared::{OrgUnit, ReportView, Template};
use std::collections::BTreeMap;

pub mod admin;

/// `GET /api/bootstrap`: everything the app needs to start, cached on the phone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bootstrap {
    /// The server's automerge-repo peer id.
    #[serde(default)]
    pub server_peer_id: String,
    /// The org-unit tree, flat.
    pub org_units: Vec<OrgUnit>,
    /// Report templates.
    pub templates: Vec<Template>,
    /// Users (demo sign-in).
    pub users: Vec<User>,
    /// Open reporting rounds.
    #[serde(default)]
    pub rounds: Vec<Round>,
}

/// One unit's row of `GET /api/reports`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ReportRow {
    /// Org unit id.
    pub unit: String,
    /// Its display name.
    pub unit_name: String,
    /// The report's document id.
    pub document_id: String,
    /// `not_started`, `in_progress` or `submitted` (later: approved, returned).
    pub status: String,
    /// Last change, ms since the epoch.
    #[serde(default)]
    pub updated_at: Option<i64>,
    /// The report, when the server has one.
    #[serde(default)]
    pub report: Option<ReportView>,
}

/// `GET /api/figures`: a round's consolidated figures.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Figures {
    /// Number of reporting units in the consolidating unit.
    pub reporting_units: u64,
    /// Figure id → value.
    pub figures: BTreeMap<String, FigureValue>,
    /// The values the figures leave out (outside their field's limits);
    /// absent from servers older than this member.
    #[serde(default)]
    pub excluded: Vec<Excluded>,
}

/// Why a request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: offline or the server is down.
    Network(String),
    /// The server answered with an error status.
    Status(u16),
    /// Too many attempts (429): wait this many seconds, if the server said
    /// (`Retry-After`).
    Throttled(Option<u64>),
    /// The server refused and said why (the admin calls).
    Refused(u16, String),
    /// The answer was not what this app understands.
    Decode(String),
}

impl ApiError {
    /// The server does not accept this phone's session (none, expired or
    /// revoked): sync and REST wait for a login.
    pub fn needs_login(&self) -> bool {
        *self == ApiError::Status(401)
    }

    /// A sentence for the user.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ApiError::Network(_), _) => T::Offline.get(lang).to_string(),
            (ApiError::Status(code), _) => i18n::server_error(lang, *code),
            (ApiError::Throttled(wait), _) => i18n::try_again_after(lang, *wait),
            (ApiError::Refused(_, why), _) => i18n::refused(lang, why),
            (ApiError::Decode(e), _) => i18n::unreadable_answer(lang, e),
        }
    }
}

async fn get<T: DeserializeOwned>(path: &str, query: &[(&str, &str)]) -> Result<T, ApiError> {
    Ok(get_with_version(path, query).await?.0)
}

/// A GET and the API version the server announced (`None` from a server
/// older than the header).
async fn get_with_version<T: DeserializeOwned>(
    path: &str,
    query: &[(&str, &str)],
) -> Result<(T, Option<u32>), ApiError> {
    let request = authorized(gloo_net::http::Request::get(path)).query(query.iter().copied());
    let response = checked(request.send().await)?;
    let version = response
        .headers()
        .get(shared::API_VERSION_HEADER)
        .and_then(|v| v.trim().parse().ok());
    let body = response
        .json::<T>()
        .await
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    Ok((body, version))
}

/// Adds the session token, if the phone has one.
fn authorized(request: gloo_net::http::RequestBuilder) -> gloo_net::http::RequestBuilder {
    match auth::token() {
        Some(token) => request.header("Authorization", &format!("Bearer {token}")),
        None => request,
    }
}

/// A response with a success status, or why not.
fn checked(
    sent: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<gloo_net::http::Response, ApiError> {
    let response = sent.map_err(|e| ApiError::Network(e.to_string()))?;
    if response.ok() {
        Ok(response)
    } else {
        Err(match response.status() {
            429 => ApiError::Throttled(
                response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.trim().parse().ok()),
            ),
            status => ApiError::Status(status),
        })
    }
}

/// Sends a POST and reads its JSON answer.
async fn read_post<T: DeserializeOwned>(request: gloo_net::http::Request) -> Result<T, ApiError> {
    checked(request.send().await)?
        .json::<T>()
        .await
        .map_err(|e| ApiError::Decode(e.to_string()))
}

/// `GET /api/session`: whether the server has accounts, and who this phone's
/// token belongs to. A 401 means the token is missing, expired or revoked.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SessionInfo {
    /// The token's user (none on a server without accounts).
    #[serde(default)]
    pub user: Option<User>,
    /// True when the server requires a login.
    pub accounts: bool,
}

/// `GET /api/health`: open to anyone, so a phone that nobody has logged in
/// on yet can learn whether the server has accounts without being refused.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Health {
    /// True when the server requires a login; absent from servers older
    /// than this field.
    #[serde(default)]
    pub accounts: Option<bool>,
}

/// Whether the server is there, and whether it has accounts.
pub async fn health() -> Result<Health, ApiError> {
    get("/api/health", &[]).await
}

/// Who the server thinks this phone is.
pub async fn session() -> Result<SessionInfo, ApiError> {
    get("/api/session", &[]).await
}

/// Logs in; the answer is the session to keep on the phone.
pub async fn login(user: &str, password: &str) -> Result<Login, ApiError> {
    #[derive(Serialize)]
    struct Credentials<'a> {
        user: &'a str,
        password: &'a str,
    }
    let request = gloo_net::http::Request::post("/api/login")
        .json(&Credentials { user, password })
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    read_post(request).await
}

/// Exchanges the phone's token for a fresh one (the old one stops working).
pub async fn renew() -> Result<Login, ApiError> {
    let request = authorized(gloo_net::http::Request::post("/api/session/renew"))
        .build()
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    read_post(request).await
}

/// Ends the phone's session on the server.
pub async fn logout() -> Result<(), ApiError> {
    let request = authorized(gloo_net::http::Request::post("/api/logout"));
    checked(request.send().await).map(|_| ())
}

/// The directory (org units, templates, users and rounds) and the server's
/// API version.
pub async fn bootstrap() -> Result<(Bootstrap, Option<u32>), ApiError> {
    get_with_version("/api/bootstrap", &[]).await
}

/// Status and content of every unit's report in a round, from the server.
pub async fn reports(template: &str, period: &str, unit: &str) -> Result<Vec<ReportRow>, ApiError> {
    get(
        "/api/reports",
        &[("template", template), ("period", period), ("unit", unit)],
    )
    .await
}

/// The consolidated figures of a round.
pub async fn figures(template: &str, period: &str, unit: &str) -> Result<Figures, ApiError> {
    get(
        "/api/figures",
        &[("template", template), ("period", period), ("unit", unit)],
    )
    .await
}

/// Every reporting unit's state, last sync and timeliness in a round.
pub async fn completeness(
    template: &str,
    period: &str,
    unit: &str,
) -> Result<shared::review::Completeness, ApiError> {
    get(
        "/api/completeness",
        &[("template", template), ("period", period), ("unit", unit)],
    )
    .await
}

/// The reports of a round with values set concurrently, with who set each.
pub async fn conflicts(
    template: &str,
    period: &str,
    unit: &str,
) -> Result<Vec<shared::review::ReportConflicts>, ApiError> {
    get(
        "/api/conflicts",
        &[("template", template), ("period", period), ("unit", unit)],
    )
    .await
}

/// A file the server writes for a round (`GET /api/export/{format}`), read
/// with the phone's token so the browser can save it (a plain link would
/// carry no `Authorization` header and be refused).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportFile {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its MIME type, as the server sent it.
    pub content_type: String,
    /// The name the server suggests (`Content-Disposition`), if any.
    pub file_name: Option<String>,
}

/// Downloads an export of a round: `docx`, `xlsx`, `csv`, …
pub async fn export_file(
    format: &str,
    template: &str,
    period: &str,
    unit: &str,
) -> Result<ExportFile, ApiError> {
    let path = format!("/api/export/{format}");
    let request = authorized(gloo_net::http::Request::get(&path)).query([
        ("template", template),
        ("period", period),
        ("unit", unit),
    ]);
    read_export(request.send().await).await
}

/// A downloaded file with the type and name the server gave it.
async fn read_export(
    sent: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<ExportFile, ApiError> {
    let response = checked(sent)?;
    let header = |name: &str| response.headers().get(name);
    let content_type = header("content-type").unwrap_or_default();
    let file_name = header("content-disposition").and_then(|d| disposition_file_name(&d));
    let bytes = response
        .binary()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    Ok(ExportFile {
        bytes,
        content_type,
        file_name,
    })
}

/// The consolidated report as the server renders it for every format
/// (`GET /api/export/json`): the preview shows exactly what the .docx says.
pub async fn report_document(
    template: &str,
    period: &str,
    unit: &str,
) -> Result<shared::report_text::Document, ApiError> {
    get(
        "/api/export/json",
        &[("template", template), ("period", period), ("unit", unit)],
    )
    .await
}

/// The file name of a `Content-Disposition` header
/// (`attachment; filename="bao-ve-tre-em_2024-H1_huyen-ba-to.docx"`).
/// Only a plain name is taken: no folders, nothing empty.
pub fn disposition_file_name(header: &str) -> Option<String> {
    let value = header.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("filename")).then_some(value.trim())
    })?;
    let name = value.trim_matches('"');
    let plain = !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..";
    plain.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::disposition_file_name;

    #[test]
    fn reads_the_suggested_file_name() {
        assert_eq!(
            disposition_file_name(
                "attachment; filename=\"bao-ve-tre-em_2024-H1_huyen-ba-to.docx\""
            )
            .as_deref(),
            Some("bao-ve-tre-em_2024-H1_huyen-ba-to.docx")
        );
        assert_eq!(
            disposition_file_name("inline; FileName=a.csv").as_deref(),
            Some("a.csv")
        );
        assert_eq!(disposition_file_name("attachment"), None);
        assert_eq!(disposition_file_name("attachment; filename=\"\""), None);
        assert_eq!(disposition_file_name("attachment; filename=\"../x\""), None);
    }
}
