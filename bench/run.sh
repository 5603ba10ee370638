#!/usr/bin/env bash
# Reproduces the figures of docs/BENCHMARKS.md on this machine:
#   bench/run.sh peer   side by side with the reference servers (19x5, 100x2, 500x2; medians of 3)
#   bench/run.sh 2g     reconnect-to-durable of a commune with 5 edited reports over an emulated 2G link
#                       (the JS client against both servers, then our native phone engine)
#   bench/run.sh many   server memory after storing 100,000 small reports
#   bench/run.sh province  10,000 communes on PostgreSQL: upload with 1 and 2 replicas, province figures
#   bench/run.sh        all three (about 40 minutes on 2 cores)
# Results go to bench/peer/results/ (not committed); the summaries are copied
# into docs/BENCHMARKS.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
REPS=${REPS:-3}
peer=bench/peer

step() { echo; echo "==> $*" >&2; }

step "building (release): our server, link-emu, many-docs, the samod reference server"
cargo build --release -p baocao-server -p baocao-tests --bins
cargo build --release --manifest-path $peer/samod-server/Cargo.toml
if [ ! -d $peer/node_modules/@automerge/automerge-repo-sync-server ]; then
    (cd $peer && npm install --no-audit --no-fund)
fi

if [ "$what" = all ] || [ "$what" = peer ]; then
    step "side by side: 19x5 and 100x2, $REPS reps"
    node $peer/bench.mjs --servers=baocao,js,samod --scales=19x5,100x2 --reps="$REPS" \
        --port-base=3500 --results=$peer/results/small
    step "side by side: 500x2 (samod once, with a shorter limit: it does not finish)"
    node $peer/bench.mjs --servers=baocao,js --scales=500x2 --reps="$REPS" \
        --port-base=3600 --results=$peer/results/500
    node $peer/bench.mjs --servers=samod --scales=500x2 --reps=1 --timeout=120 \
        --port-base=3700 --results=$peer/results/500-samod || true
fi

# Starts server $1 (baocao|js) on port $2 with data dir $3; prints its pid.
start_server() {
    local name=$1 port=$2 dir=$3
    mkdir -p "$dir" "$dir-cwd"
    case $name in
    baocao)
        RUST_LOG=warn target/release/baocao serve --no-demo --no-auth --data-dir "$dir" --port "$port" \
            --static-dir /nonexistent >"$dir.log" 2>&1 &
        ;;
    js)
        (cd "$dir-cwd" && PORT=$port DATA_DIR=$dir exec node --import "$OLDPWD/$peer/lib-loopback.mjs" \
            "$OLDPWD/$peer/node_modules/@automerge/automerge-repo-sync-server/src/index.js") >"$dir.log" 2>&1 &
        ;;
    esac
    echo $!
}

wait_port() {
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "port $1 never opened" >&2
    return 1
}

if [ "$what" = all ] || [ "$what" = 2g ]; then
    step "2G reconnect: 1 commune x 5 reports x 10 offline edits, RTT 600 ms, 100 kbit/s, 3 % loss; $REPS reps"
    out=$peer/results/2g
    mkdir -p $out
    port=3900
    for rep in $(seq 1 "$REPS"); do
        for name in baocao js; do
            dir=$(mktemp -d)
            path=""; [ $name = baocao ] && path=/sync
            pid=$(start_server $name $port "$dir/data")
            wait_port $port
            target/release/link-emu --listen 127.0.0.1:$((port + 1)) --to 127.0.0.1:$port \
                --profile 2g --seed "$rep" >/dev/null 2>&1 &
            link=$!
            wait_port $((port + 1))
            SERVER_URL=ws://127.0.0.1:$port$path RECONNECT_URL=ws://127.0.0.1:$((port + 1))$path \
                PHASE=reconnect CLIENTS=1 DOCS=5 EDITS=10 SEED=$rep QUIET=1 \
                OUT=$out/$name-r$rep.json node $peer/loadgen.mjs || true
            node -e 'const r=require(process.argv[1]); console.log(process.argv[2], "rep", process.argv[3], "reconnect-to-acked", r.phases.reconnect?.seconds, "s", "acked", r.phases.reconnect?.acked, "/", r.phases.reconnect?.expected, "up", r.phases.reconnect?.wire?.sentBytes, "B down", r.phases.reconnect?.wire?.recvBytes, "B")' \
                "$PWD/$out/$name-r$rep.json" $name "$rep" | tee -a $out/summary.txt
            kill "$link" "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            rm -rf "$dir"
            port=$((port + 2))
        done
    done
fi

if [ "$what" = all ] || [ "$what" = 2g ]; then
    step "2G reconnect with our own phone engine (native build): the same documents and offline changes; $REPS reps"
    out=$peer/results/2g
    mkdir -p $out
    port=3950
    for rep in $(seq 1 "$REPS"); do
        dir=$(mktemp -d)
        (cd $peer && CLIENTS=1 DOCS=5 EDITS=10 SEED=$rep PHASE=dump OUT="$dir/dump.json" node loadgen.mjs)
        pid=$(start_server baocao $port "$dir/data")
        wait_port $port
        target/release/link-emu --listen 127.0.0.1:$((port + 1)) --to 127.0.0.1:$port \
            --profile 2g --seed "$rep" >/dev/null 2>&1 &
        link=$!
        wait_port $((port + 1))
        echo "phone-2g rep $rep $(target/release/phone-2g --dump "$dir/dump.json" \
            --server ws://127.0.0.1:$port/sync --via ws://127.0.0.1:$((port + 1))/sync || true)" \
            | tee -a $out/summary.txt
        kill "$link" "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rm -rf "$dir"
        port=$((port + 2))
    done
fi

if [ "$what" = all ] || [ "$what" = many ]; then
    step "server memory with 100,000 stored reports"
    RUST_LOG=warn target/release/many-docs --docs "${DOCS:-100000}" | tee $peer/results/many-docs.json
fi

if [ "$what" = all ] || [ "$what" = province ]; then
    step "province on PostgreSQL: ${COMMUNES:-10000} communes x 1 report, 1 and 2 replicas"
    RUST_LOG=warn target/release/province-bench --communes "${COMMUNES:-10000}" \
        | tee $peer/results/province.txt
fi
