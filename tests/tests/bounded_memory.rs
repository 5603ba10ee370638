//! Issue 19, must-show 4 (the memory half): a client that pushes 200
//! frames of 8 MB as fast as it can slows down instead of growing the
//! server's memory. The frames are valid protocol messages the server reads
//! and drops (ephemeral ones), so every one of them is taken in and
//! processed; the server's RSS, sampled all along, stays within 100 MB of
//! its idle figure, and the connection is still served afterwards.

use baocao_tests::TestServer;
use futures_util::{SinkExt, StreamExt};
use shared::PeerId;
use shared::protocol::wire::{PROTOCOL_VERSION, WireMessage};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const FRAMES: usize = 200;
/// Just under the server's default frame limit (8 MiB).
const FRAME_BYTES: usize = 8 * 1024 * 1024 - 4096;
/// Clients pushing at once (the frames are shared out among them).
const PUSHERS: usize = 1;
const ALLOWED_GROWTH: u64 = 100 * 1024 * 1024;

/// Resident memory of a process, in bytes (Linux).
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

#[tokio::test]
async fn a_client_pushing_200_frames_of_8_mb_does_not_grow_the_server() {
    let server = TestServer::start().await;
    let pid = server.pid().expect("running");
    // Idle: started, one small request served.
    server.api_get("/api/health").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss(pid);
    assert!(idle > 0, "cannot read the server's RSS");

    let peak = Arc::new(AtomicU64::new(idle));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let started = Instant::now();
    let pushers: Vec<_> = (0..PUSHERS)
        .map(|n| tokio::spawn(push(server.ws_url(), n)))
        .collect();
    let mut open = true;
    for p in pushers {
        let (still_open, closed) = p.await.unwrap();
        if !still_open {
            eprintln!("closed: {closed:?}");
        }
        open &= still_open;
    }
    let pushed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    let peak = peak.load(Ordering::Relaxed);
    let mb = |b: u64| b as f64 / 1024.0 / 1024.0;
    eprintln!(
        "idle {:.0} MB, peak {:.0} MB while {FRAMES} frames of {:.1} MB were pushed in {pushed:?}",
        mb(idle),
        mb(peak),
        mb(FRAME_BYTES as u64)
    );
    assert!(open, "the server closed a connection");
    assert!(
        peak <= idle + ALLOWED_GROWTH,
        "server RSS grew from {:.0} MB to {:.0} MB",
        mb(idle),
        mb(peak)
    );
}

/// One client: handshake, then FRAMES / PUSHERS ephemeral frames of
/// FRAME_BYTES as fast as the server takes them. Whether the connection was
/// still open at the end (and what closed it otherwise).
async fn push(url: String, n: usize) -> (bool, Option<String>) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let me = PeerId::new(format!("pusher-{n}"));
    let join = WireMessage::Join {
        sender_id: me.clone(),
        supported_protocol_versions: vec![PROTOCOL_VERSION.into()],
        metadata: None,
    };
    ws.send(Message::Binary(join.encode().into()))
        .await
        .unwrap();
    let server_peer = match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Binary(b)))) => match WireMessage::decode(&b).unwrap() {
            WireMessage::Peer { sender_id, .. } => sender_id,
            other => panic!("expected peer, got {other:?}"),
        },
        other => panic!("no handshake answer: {other:?}"),
    };
    let doc = shared::ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H1").document_id();
    let (mut sink, mut stream) = ws.split();
    // Whatever the server says meanwhile is read (and must not be a close).
    let reader = tokio::spawn(async move {
        let mut closed = None;
        while let Ok(Some(msg)) =
            tokio::time::timeout(Duration::from_secs(300), stream.next()).await
        {
            match msg {
                Ok(Message::Close(frame)) => {
                    closed = Some(format!("{frame:?}"));
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    closed = Some(e.to_string());
                    break;
                }
            }
        }
        (closed, stream)
    });
    for count in 0..FRAMES / PUSHERS {
        let frame = WireMessage::Ephemeral {
            sender_id: me.clone(),
            target_id: server_peer.clone(),
            document_id: doc,
            count: count as u64,
            session_id: "s".into(),
            data: vec![(count % 251) as u8; FRAME_BYTES],
        }
        .encode();
        tokio::time::timeout(
            Duration::from_secs(120),
            sink.send(Message::Binary(frame.into())),
        )
        .await
        .expect("the server stopped reading for two minutes")
        .expect("the server dropped the connection");
    }
    // Give the server the time to take in the last frames, then see that it
    // never closed the connection.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let open = !reader.is_finished();
    sink.close().await.ok();
    let (closed, _) = reader.await.unwrap();
    (open, closed)
}
