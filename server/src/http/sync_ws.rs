//! The sync WebSocket: one reader and one writer per connection, both thin;
//! every decision is the hub's.

use super::AppState;
use crate::hub::Outbound;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use tracing::Instrument;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/sync", get(upgrade))
}

async fn upgrade(
    State(state): State<AppState>,
    principal: super::auth::Principal,
    headers: axum::http::HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // Refused before the upgrade (401) when accounts are on and the token is
    // missing or expired: the client tells the officer that sync needs a login.
    let user = principal.user().cloned();
    // The transport allows twice the engine's limit, so a frame somewhat over
    // it reaches the engine, which answers with a protocol error message;
    // beyond that the transport drops the connection.
    let limit = state.config.limits.max_message_bytes.saturating_mul(2);
    // The connection outlives the request's span: its own span carries the
    // request id, so its log lines join the upgrade's.
    let request_id = headers
        .get(super::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span = tracing::info_span!(
        "sync",
        request_id = %request_id,
        user = user.as_ref().map(|u| u.id.as_str()).unwrap_or(""),
        conn = tracing::field::Empty,
    );
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| connection(socket, state, user).instrument(span))
}

async fn connection(socket: WebSocket, state: AppState, user: Option<shared::dataset::User>) {
    let hub = state.hub.clone();
    let (conn, mut outbound) = hub.connect(user);
    tracing::Span::current().record("conn", conn.0);
    let (mut sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(async move {
        while let Some(o) = outbound.recv().await {
            let close = match o {
                Outbound::Frame(bytes) => {
                    if sink.send(Message::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                    continue;
                }
                Outbound::Close => None,
                Outbound::GoingAway => Some(CloseFrame {
                    code: close_code::AWAY,
                    reason: "server restarting".into(),
                }),
            };
            let _ = sink.send(Message::Close(close)).await;
            break;
        }
        let _ = sink.close().await;
    });
    let mut writer_done = false;
    loop {
        let msg = tokio::select! {
            msg = stream.next() => msg,
            _ = &mut writer => {
                writer_done = true;
                break;
            }
        };
        match msg {
            // Waits while the hub is behind (backpressure, see Hub::frame).
            Some(Ok(Message::Binary(bytes))) => hub.frame(conn, Vec::from(bytes)).await,
            // automerge-repo only sends binary frames; a text frame is handed to
            // the engine like any other bytes, which answers it with an error.
            Some(Ok(Message::Text(text))) => hub.frame(conn, text.as_bytes().to_vec()).await,
            Some(Ok(Message::Close(_))) | None => break,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Err(e)) => {
                tracing::info!("connection error: {e}");
                break;
            }
        }
    }
    hub.disconnect(conn);
    if !writer_done {
        let _ = writer.await;
    }
}
