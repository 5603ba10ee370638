//! The axum application: REST API under `/api`, the sync WebSocket at
//! `/sync`, and the built client for everything else.

mod admin;
pub mod api;
pub mod auth;
pub mod client_addr;
pub mod error;
mod export;
mod review;
mod sync_ws;

use crate::catalog::{Catalog, SharedCatalog};
use crate::config::Config;
use crate::db::Pool;
use crate::hub::Hub;
use axum::Router;
use axum::http::{HeaderValue, header};
use std::future::Future;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Org units, users, templates and rounds, reloaded when an
    /// administrative change moves them.
    pub catalog: SharedCatalog,
    /// The database.
    pub pool: Pool,
    /// The sync hub.
    pub hub: Hub,
    /// Server settings.
    pub config: Arc<Config>,
    /// Failed logins per account and address.
    pub limiter: Arc<crate::auth::limiter::LoginLimiter>,
    /// How to find a request's client address.
    pub client_addr: Arc<client_addr::ClientAddrConfig>,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(catalog: SharedCatalog, pool: Pool, hub: Hub, config: Config) -> AppState {
        AppState {
            catalog,
            pool,
            hub,
            client_addr: Arc::new(client_addr::ClientAddrConfig {
                trusted: config.trusted_proxy.clone(),
                header: config.client_ip_header.clone(),
            }),
            config: Arc::new(config),
            limiter: Arc::default(),
        }
    }

    /// The catalog now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.get()
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
        .nest(
            "/api",
            api::router().merge(auth::router()).merge(admin::router()),
        )
        .merge(sync_ws::router())
        .merge(export::router())
        .fallback_service(static_files)
        .layer(axum::middleware::from_fn(cache_policy))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static(shared::API_VERSION_HEADER),
            HeaderValue::from(shared::API_VERSION),
        ))
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
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(axum::middleware::from_fn(crate::metrics::record_http))
        // Spans name the path only: the query may carry a session token.
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::http::Request<axum::body::Body>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!(
                        "http",
                        request_id = %id,
                        method = %req.method(),
                        path = %req.uri().path()
                    )
                },
            ),
        )
        // Every request gets an id (a proxy's `X-Request-Id` is kept), in
        // its span and in the answer, so a user's report of a failure can be
        // found in the log.
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .with_state(state)
}

/// The header carrying a request's id.
pub const REQUEST_ID: &str = "x-request-id";

/// What the web app may load: its own files and its own server, nothing
/// else. `'wasm-unsafe-eval'` lets it compile its WebAssembly module (no
/// JavaScript eval); no inline script or style; `connect-src 'self'` covers
/// the same-origin sync WebSocket.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Cache lifetimes of the built client (and `Vary` for its precompressed
/// files). A file whose name carries its content
/// hash (`baocao_client-<16 hex>.js`, written by scripts/build-client.sh) can
/// never change, so browsers keep it for a year without asking; everything
/// else (index.html, sw.js, the manifest, the API) gets the router's default
/// `no-cache`, so a new build is seen on the next start.
async fn cache_policy(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let immutable = is_hashed(path);
    let static_file = !path.starts_with("/api/") && path != "/sync";
    let mut response = next.run(request).await;
    if immutable && response.status().is_success() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    if static_file {
        // The same URL is sent as brotli, gzip or plain: caches must key on it.
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// True for `/pkg/name-0123456789abcdef.ext`: the last `-` part of the file
/// name, before its first `.`, is 16 lowercase hex digits.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    match stem.rsplit_once('-') {
        Some((name, hash)) => {
            !name.is_empty()
                && hash.len() == 16
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        None => false,
    }
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is what login throttling counts by (see client_addr).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_hashed("/pkg/baocao_client-0123456789abcdef.js"));
        assert!(is_hashed("/pkg/baocao_client_bg-0123456789abcdef.wasm"));
        assert!(is_hashed("/style-0123456789abcdef.css"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/sw.js"));
        assert!(!is_hashed("/reports"));
        assert!(!is_hashed("/report/bao-ve-tre-em/2024-H1/ba-dinh"));
        assert!(!is_hashed("/pkg/baocao_client-0123456789ABCDEF.js"));
        assert!(!is_hashed("/-0123456789abcdef.js"));
    }
}
