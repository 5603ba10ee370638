//! The sync WebSocket: one reader and one writer per connection, both thin;
//! every decision is the hub's.

use super::AppState;
use crate::hub::Outbound;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/sync", get(upgrade))
}

async fn upgrade(
    State(state): State<AppState>,
    principal: super::auth::Principal,
    ws: WebSocketUpgrade,
) -> Response {
    // Refused before the upgrade (401) when accounts are on and the token is
    // missing or expired: the client tells the officer that sync needs a login.
    let user = principal.user().cloned();
    // The transport allows twice the engine's limit, so a frame somewhat over
    // it reaches the engine, which answers with a protocol error message;
    // beyond that the transport drops the connection.
    let limit = state.config.limits.max_message_bytes.saturating_mul(2);
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| connection(socket, state, user))
}

async fn connection(socket: WebSocket, state: AppState, user: Option<shared::dataset::User>) {
    let hub = state.hub.clone();
    let (conn, mut outbound) = hub.connect(user);
    let (mut sink, mut stream) = socket.split();
    let writer = tokio::spawn(async move {
        while let Some(o) = outbound.recv().await {
            match o {
                Outbound::Frame(bytes) => {
                    if sink.send(Message::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
                Outbound::Close => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
            }
        }
        let _ = sink.close().await;
    });
    while let Some(msg) = stream.next().await {
        match msg {
            Ok(Message::Binary(bytes)) => hub.frame(conn, bytes.to_vec()),
            // automerge-repo only sends binary frames; a text frame is handed to
            // the engine like any other bytes, which answers it with an error.
            Ok(Message::Text(text)) => hub.frame(conn, text.as_bytes().to_vec()),
            Ok(Message::Close(_)) => break,
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            Err(e) => {
                tracing::info!(conn = conn.0, "connection error: {e}");
                break;
            }
        }
        if writer.is_finished() {
            break;
        }
    }
    hub.disconnect(conn);
    let _ = writer.await;
}
