//! The one error type of the HTTP layer: clear messages for the client's
//! mistakes, a generic one (and a log line) for ours.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Something asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed or refers to unknown things.
    #[error("{0}")]
    BadRequest(String),
    /// No valid session: log in (again).
    #[error("{0}")]
    Unauthorized(String),
    /// It exists already, or contradicts what exists.
    #[error("{0}")]
    Conflict(String),
    /// Logged in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts; try again after the duration (sent as `Retry-After`).
    #[error("{0}")]
    TooManyRequests(String, std::time::Duration),
    /// Our fault; details are logged, not returned.
    #[error("internal error")]
    Internal(String),
}

/// Results of handlers.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!("internal error: {detail}");
        }
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        let mut response = (self.status_code(), body).into_response();
        if let AppError::TooManyRequests(_, wait) = &self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs(*wait)),
            );
        }
        response
    }
}

/// Whole seconds to wait, rounded up, at least one.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}
