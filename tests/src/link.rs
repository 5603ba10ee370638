//! A TCP relay between a client and the server that behaves like a bad link:
//! it can cut the connection after an exact number of bytes in either
//! direction, and it can emulate a slow, lossy mobile link (one-way delay,
//! bandwidth, loss). The kernel here has no `sch_netem`, so the emulation is
//! done in user space: data is cut into 1400-byte packets, each leaves after
//! the previous one at the link's rate, arrives `delay` later, and a lost
//! packet arrives one round trip plus 200 ms later (TCP's retransmission),
//! holding back the packets behind it, as TCP's in-order delivery does.

use rand::{Rng, SeedableRng, rngs::StdRng};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How the link behaves.
#[derive(Clone, Debug, Default)]
pub struct LinkSpec {
    /// Close both sides once this many bytes went client → server.
    pub cut_up_after: Option<usize>,
    /// Close both sides once this many bytes went server → client.
    pub cut_down_after: Option<usize>,
    /// One-way delay (half the round trip).
    pub delay: Duration,
    /// Bandwidth in bits per second, each direction; `None`: unlimited.
    pub rate_bps: Option<u64>,
    /// Probability that a packet is lost (and retransmitted).
    pub loss: f64,
    /// Seed of the loss draws.
    pub seed: u64,
}

impl LinkSpec {
    /// The 2G profile of the issue: 600 ms round trip, 100 kbit/s, 3 % loss.
    pub fn slow_2g(seed: u64) -> LinkSpec {
        LinkSpec {
            delay: Duration::from_millis(300),
            rate_bps: Some(100_000),
            loss: 0.03,
            seed,
            ..LinkSpec::default()
        }
    }
}

/// Bytes relayed so far, per direction.
#[derive(Debug, Default)]
pub struct LinkCounters {
    /// Client → server.
    pub up: AtomicUsize,
    /// Server → client.
    pub down: AtomicUsize,
}

/// A running relay on 127.0.0.1; every accepted connection gets the spec.
pub struct Link {
    port: u16,
    counters: Arc<LinkCounters>,
    task: tokio::task::JoinHandle<()>,
}

const PACKET: usize = 1400;

impl Link {
    /// Relays connections on a free port to `target` (host:port).
    pub async fn start(target: String, spec: LinkSpec) -> Link {
        Link::start_on("127.0.0.1:0", target, spec).await
    }

    /// Relays connections on `listen` (host:port) to `target`.
    pub async fn start_on(listen: &str, target: String, spec: LinkSpec) -> Link {
        let listener = TcpListener::bind(listen).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let counters = Arc::new(LinkCounters::default());
        let c = counters.clone();
        let task = tokio::spawn(async move {
            let mut n = 0u64;
            while let Ok((client, _)) = listener.accept().await {
                n += 1;
                let Ok(server) = TcpStream::connect(&target).await else {
                    continue;
                };
                let mut spec = spec.clone();
                spec.seed = spec.seed.wrapping_add(n);
                tokio::spawn(relay(client, server, spec, c.clone()));
            }
        });
        Link {
            port,
            counters,
            task,
        }
    }

    /// The relay's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The sync URL through the relay.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/sync", self.port)
    }

    /// Bytes relayed (client → server, server → client).
    pub fn bytes(&self) -> (usize, usize) {
        (
            self.counters.up.load(Ordering::SeqCst),
            self.counters.down.load(Ordering::SeqCst),
        )
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, server: TcpStream, spec: LinkSpec, counters: Arc<LinkCounters>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up_seed = spec.seed.wrapping_mul(2);
    let down_seed = up_seed.wrapping_add(1);
    let up = direction(
        cr,
        sw,
        spec.cut_up_after,
        &spec,
        up_seed,
        counters.clone(),
        true,
    );
    let down = direction(
        sr,
        cw,
        spec.cut_down_after,
        &spec,
        down_seed,
        counters,
        false,
    );
    // Whichever side ends (or is cut) ends the whole connection.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

async fn direction(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    cut_after: Option<usize>,
    spec: &LinkSpec,
    seed: u64,
    counters: Arc<LinkCounters>,
    is_up: bool,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let delay = spec.delay;
    let rate = spec.rate_bps;
    let loss = spec.loss;
    let reader = async move {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut buf = vec![0u8; PACKET];
        let mut sent = 0usize;
        let mut line_free = Instant::now();
        let mut last_arrival = Instant::now();
        loop {
            let want = cut_after.map_or(PACKET, |c| (c - sent).min(PACKET));
            if want == 0 {
                return;
            }
            let n = match from.read(&mut buf[..want]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            sent += n;
            let now = Instant::now();
            let departure = match rate {
                Some(bps) => {
                    let tx_time = Duration::from_secs_f64((n * 8) as f64 / bps as f64);
                    line_free = line_free.max(now) + tx_time;
                    line_free
                }
                None => now,
            };
            let mut arrival = departure + delay;
            if loss > 0.0 && rng.random_bool(loss) {
                arrival += delay * 2 + Duration::from_millis(200);
            }
            arrival = arrival.max(last_arrival);
            last_arrival = arrival;
            if tx.send((arrival, buf[..n].to_vec())).is_err() {
                return;
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            let counter = if is_up { &counters.up } else { &counters.down };
            counter.fetch_add(bytes.len(), Ordering::SeqCst);
        }
        // The reader ended (EOF or the cut): everything before it is
        // delivered, then the connection ends.
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}
