//! Bad input over the sync socket (issue 2 must-show 5, issue 3 must-show 4):
//! oversized frames, truncated CBOR, unknown message types, invalid Automerge
//! bytes, protocol violations each get an error message and a closed
//! connection, change nothing, and leave the server serving other clients; a
//! `sync` about a document nobody has (an answer to a request never made) gets
//! `doc-unavailable` and stores nothing.

use baocao_tests::{NativeClient, TestServer, child_protection_template};
use futures_util::{SinkExt, StreamExt};
use shared::protocol::wire::WireMessage;
use shared::{DocumentId, PeerId, ReportKey, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Sends `frames` on a fresh connection; returns the error message the server
/// sent and whether it then closed the connection.
async fn send_bad(server: &TestServer, frames: Vec<Message>) -> (Option<String>, bool) {
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .unwrap();
    for f in frames {
        ws.send(f).await.unwrap();
    }
    let mut error = None;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(m) = ws.next().await {
            match m {
                Ok(Message::Binary(b)) => {
                    if let Ok(WireMessage::Error { message }) = WireMessage::decode(&b) {
                        error = Some(message);
                    }
                }
                Ok(Message::Close(_)) | Err(_) => return true,
                Ok(_) => {}
            }
        }
        true
    })
    .await
    .unwrap_or(false);
    (error, closed)
}

fn join() -> Message {
    Message::Binary(
        WireMessage::Join {
            sender_id: PeerId::new("mallory"),
            supported_protocol_versions: vec!["1".into()],
            metadata: None,
        }
        .encode()
        .into(),
    )
}

#[tokio::test]
async fn garbage_gets_an_error_changes_nothing_and_others_keep_syncing() {
    let server = TestServer::start().await;
    let figures_before = server
        .api_get("/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to")
        .await;

    // A good client is connected throughout.
    let key = ReportKey::new("bao-ve-tre-em", "ba-le", "2024-H2");
    let mut good = NativeClient::new("good", child_protection_template());
    good.connect(&server.ws_url()).await.unwrap();

    let victim = ReportKey::new("bao-ve-tre-em", "ba-nam", "2024-H1").document_id();
    let target = || PeerId::new("anything");
    let mut cases: Vec<(&str, Vec<Message>)> = vec![
        (
            "not CBOR",
            vec![Message::Binary(vec![0xff, 0x00, 0x13, 0x37].into())],
        ),
        (
            "text frame",
            vec![Message::Text("{\"type\":\"join\"}".into())],
        ),
        (
            "sync before join",
            vec![Message::Binary(
                WireMessage::Sync {
                    sender_id: PeerId::new("mallory"),
                    target_id: target(),
                    document_id: victim,
                    data: vec![0x42],
                }
                .encode()
                .into(),
            )],
        ),
        (
            "CBOR that is not a message",
            vec![join(), Message::Binary(vec![0x83, 0x01, 0x02, 0x03].into())],
        ),
        (
            "invalid Automerge bytes",
            vec![
                join(),
                Message::Binary(
                    WireMessage::Sync {
                        sender_id: PeerId::new("mallory"),
                        target_id: target(),
                        document_id: victim,
                        data: vec![0x42, 0xde, 0xad, 0xbe, 0xef],
                    }
                    .encode()
                    .into(),
                ),
            ],
        ),
        (
            "bad document id",
            vec![
                join(),
                Message::Binary({
                    // a sync message whose documentId is not a valid id
                    let mut m = WireMessage::Sync {
                        sender_id: PeerId::new("mallory"),
                        target_id: target(),
                        document_id: DocumentId::from_bytes([0; 16]),
                        data: vec![],
                    }
                    .encode();
                    let id = DocumentId::from_bytes([0; 16]).to_string();
                    let pos = m
                        .windows(id.len())
                        .position(|w| w == id.as_bytes())
                        .unwrap();
                    m[pos] = b'0'; // '0' is not a base58 digit
                    m.into()
                }),
            ],
        ),
    ];
    let valid_sync = WireMessage::Sync {
        sender_id: PeerId::new("mallory"),
        target_id: target(),
        document_id: victim,
        data: vec![0x42, 0x01, 0x02],
    }
    .encode();
    cases.push((
        "truncated CBOR",
        vec![
            join(),
            Message::Binary(valid_sync[..valid_sync.len() / 2].to_vec().into()),
        ],
    ));
    cases.push((
        "unknown message type",
        vec![
            join(),
            Message::Binary(
                WireMessage::Other {
                    message_type: "xoa-het-du-lieu".into(),
                }
                .encode()
                .into(),
            ),
        ],
    ));
    // 9 MB: over the server's 8 MB message limit.
    cases.push((
        "oversized frame",
        vec![join(), Message::Binary(vec![0u8; 9 * 1024 * 1024].into())],
    ));
    for (name, frames) in cases {
        let (error, closed) = send_bad(&server, frames).await;
        let error = error.unwrap_or_else(|| panic!("{name}: the server sent no error message"));
        assert!(!error.is_empty(), "{name}: the error says why");
        assert!(closed, "{name}: the server closed the connection");
    }
    unrequested_sync_gets_doc_unavailable(&server).await;

    // Nothing changed: the targeted document and the district figures are as before.
    let figures_after = server
        .api_get("/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to")
        .await;
    assert_eq!(figures_before, figures_after);
    let rest = server.api_get(&format!("/api/reports/{victim}")).await;
    assert_eq!(rest["fields"]["officers"], 2);

    // The good client still syncs on its connection that stayed open.
    good.edit(&key, |r| {
        r.set_field("officers", Some(&Value::Int(3))).unwrap()
    })
    .await;
    good.sync_until_acked(&[key.document_id()], Duration::from_secs(20))
        .await
        .unwrap();
    let rest = server
        .api_get(&format!("/api/reports/{}", key.document_id()))
        .await;
    assert_eq!(rest["fields"]["officers"], 3);
}

/// A `sync` with empty heads about a document the server does not have: the
/// answer to a request nobody made. The server says `doc-unavailable`, stores
/// nothing, and the connection goes on.
async fn unrequested_sync_gets_doc_unavailable(server: &TestServer) {
    use automerge::sync::SyncDoc;
    let unknown = ReportKey::new("bao-ve-tre-em", "khong-co", "2031-H1").document_id();
    let data = automerge::AutoCommit::new()
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first message")
        .encode();
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .unwrap();
    ws.send(join()).await.unwrap();
    let mut server_peer = None;
    let mut unavailable = false;
    let done = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(m)) = ws.next().await {
            let Message::Binary(b) = m else { continue };
            match WireMessage::decode(&b).unwrap() {
                WireMessage::Peer { sender_id, .. } => {
                    let sync = WireMessage::Sync {
                        sender_id: PeerId::new("mallory"),
                        target_id: sender_id.clone(),
                        document_id: unknown,
                        data: data.clone(),
                    };
                    server_peer = Some(sender_id);
                    ws.send(Message::Binary(sync.encode().into()))
                        .await
                        .unwrap();
                }
                WireMessage::DocUnavailable { document_id, .. } => {
                    assert_eq!(document_id, unknown);
                    unavailable = true;
                    return;
                }
                other => panic!("unexpected answer {other:?}"),
            }
        }
    })
    .await;
    assert!(done.is_ok() && unavailable, "doc-unavailable for {unknown}");
    // The connection is still usable: a request for a real report is answered.
    let known = ReportKey::new("bao-ve-tre-em", "ba-nam", "2024-H1").document_id();
    let request = WireMessage::Request {
        sender_id: PeerId::new("mallory"),
        target_id: server_peer.unwrap(),
        document_id: known,
        data,
    };
    ws.send(Message::Binary(request.encode().into()))
        .await
        .unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Binary(b) = m
                && let Ok(WireMessage::Sync { document_id, .. }) = WireMessage::decode(&b)
            {
                return document_id == known;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(answered, "the same connection keeps syncing");
    let (status, _) = server.get_json(&format!("/api/reports/{unknown}")).await;
    assert_eq!(status, 404, "nothing was stored for {unknown}");
}
