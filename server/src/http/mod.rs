//! The axum application: REST API under `/api`, the sync WebSocket at
//! `/sync`, and the built client for everything else.

pub mod api;
pub mod auth;
pub mod error;
mod export;
mod sync_ws;

use crate::catalog::Catalog;
use crate::cli::ServeArgs;
use crate::hub::Hub;
use axum::Router;
use axum::http::{HeaderValue, header};
use sqlx::SqlitePool;
use std::future::Future;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Org units, templates, users, rounds.
    pub catalog: Arc<Catalog>,
    /// The database.
    pub pool: SqlitePool,
    /// The sync hub.
    pub hub: Hub,
    /// Server settings.
    pub config: Arc<ServeArgs>,
    /// Users and units, refreshed from the database.
    pub directory: crate::auth::SharedDirectory,
    /// Failed logins per account and address.
    pub limiter: Arc<crate::auth::limiter::LoginLimiter>,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(
        catalog: Catalog,
        pool: SqlitePool,
        hub: Hub,
        config: ServeArgs,
        directory: crate::auth::SharedDirectory,
    ) -> AppState {
        AppState {
            catalog: Arc::new(catalog),
            pool,
            hub,
            config: Arc::new(config),
            directory,
            limiter: Arc::default(),
        }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let dist = &state.config.static_dir;
    let static_files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .nest("/api", api::router().merge(auth::router()))
        .merge(sync_ws::router())
        .merge(export::router())
        .fallback_service(static_files)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Spans name the path only: the query may carry a session token.
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::http::Request<axum::body::Body>| {
                    tracing::debug_span!("http", method = %req.method(), path = %req.uri().path())
                },
            ),
        )
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
