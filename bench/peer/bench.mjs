#!/usr/bin/env node
// Side-by-side runner: starts each local server on 127.0.0.1 with a fresh data
// dir, runs loadgen.mjs against it, stops it (by its own PID), repeats, and
// prints medians.  Trials are interleaved (rep1: js, samod; rep2: js, samod; ...)
// so that machine noise hits both servers alike.
//
//   node bench.mjs --servers=js,samod --scales=19x5,500x2 --edits=10 --reps=3 [--restart]
//
// --restart: upload, then SIGTERM the server and start it again on the same
//            data dir, then run the district fetch against the restarted server
//            (tests that what was acknowledged is on disk and loads cold).
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import net from "node:net"
import os from "node:os"
import { fileURLToPath } from "node:url"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const args = Object.fromEntries(process.argv.slice(2).map(a => {
  const m = a.match(/^--([^=]+)(?:=(.*))?$/); return m ? [m[1], m[2] ?? "1"] : [a, "1"]
}))
const SERVERS_SEL = (args.servers ?? "baocao,js,samod").split(",")
const SCALES = (args.scales ?? "19x5").split(",").map(s => s.split("x").map(Number))
const EDITS = args.edits ?? "10"
const REPS = parseInt(args.reps ?? "3")
const RESTART = !!args.restart
const PHASE = args.phase ?? "all" // passed to loadgen when not --restart
const TIMEOUT_S = parseInt(args.timeout ?? "150")
const FETCH_CONCURRENCY = args["fetch-concurrency"] ?? "50"
const PORT_BASE = parseInt(args["port-base"] ?? "3200")
const WORK = args.workdir ?? path.join(HERE, "data")
const RESULTS = args.results ?? path.join(HERE, "results", new Date().toISOString().replace(/[:.]/g, "-"))
fs.mkdirSync(WORK, { recursive: true }); fs.mkdirSync(RESULTS, { recursive: true })

const SAMOD_BIN = path.join(HERE, "samod-server/target/release/samod-server")
const BAOCAO_BIN = path.join(HERE, "../../target/release/baocao")
// Each server: command, args, env (it also gets PORT and DATA_DIR), and the
// WebSocket path its sync endpoint lives on.
const SERVERS = {
  // ours: the release build of this repository, SQLite in DATA_DIR, no demo data
  baocao: { cmd: BAOCAO_BIN, args: ["serve", "--no-demo", "--static-dir", "/nonexistent"], env: {}, path: "/sync",
            envFrom: (port, dataDir) => ({ BAOCAO_PORT: String(port), BAOCAO_DATA_DIR: dataDir, RUST_LOG: "warn" }) },
  // the unmodified npm package; the preload only pins listen() to 127.0.0.1
  js: { cmd: process.execPath, args: ["--import", path.join(HERE, "lib-loopback.mjs"), path.join(HERE, "node_modules/@automerge/automerge-repo-sync-server/src/index.js")], env: {} },
  samod: { cmd: SAMOD_BIN, args: [], env: { STORAGE: "fs" } },
  "samod-mem": { cmd: SAMOD_BIN, args: [], env: { STORAGE: "memory" } },
}
for (const s of SERVERS_SEL) if (!SERVERS[s]) throw new Error(`unknown server ${s}; known: ${Object.keys(SERVERS)}`)

const sleep = ms => new Promise(r => setTimeout(r, ms))
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a)

async function waitPort(port, ms = 15000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const ok = await new Promise(res => {
      const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); res(true) })
      s.on("error", () => res(false))
    })
    if (ok) return
    await sleep(100)
  }
  throw new Error(`port ${port} not listening after ${ms} ms`)
}
function startServer(name, port, dataDir, logFile) {
  const def = SERVERS[name]
  const out = fs.openSync(logFile, "a")
  const child = spawn(def.cmd, def.args, {
    cwd: dataDir + "-cwd", stdio: ["ignore", out, out],
    env: { ...process.env, ...def.env, ...(def.envFrom?.(port, dataDir) ?? {}), PORT: String(port), DATA_DIR: dataDir },
  })
  child.exitInfo = new Promise(res => child.on("exit", (code, signal) => res({ code, signal })))
  return child
}
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return await child.exitInfo
  process.kill(child.pid, "SIGTERM")
  const r = await Promise.race([child.exitInfo, sleep(10000).then(() => null)])
  if (r) return r
  process.kill(child.pid, "SIGKILL")
  return { ...(await child.exitInfo), forced: true }
}
function runLoadgen(env, outFile, logFile) {
  return new Promise(res => {
    const out = fs.openSync(logFile, "a")
    const child = spawn(process.execPath, [path.join(HERE, "loadgen.mjs")], {
      stdio: ["ignore", out, out], env: { ...process.env, ...env, OUT: outFile },
    })
    const guard = setTimeout(() => { try { process.kill(child.pid, "SIGKILL") } catch {} }, (TIMEOUT_S * 3 + 120) * 1000)
    child.on("exit", code => { clearTimeout(guard); res(code) })
  })
}
function du(dir) {
  let bytes = 0, files = 0, blocks = 0
  const walk = d => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name)
    if (e.isDirectory()) walk(p); else if (e.isFile()) { const st = fs.statSync(p); bytes += st.size; blocks += st.blocks; files++ }
  } }
  try { walk(dir) } catch { return null }
  return { bytes, diskKB: blocks / 2, files }
}

let port = PORT_BASE
async function trial(name, clients, docs, rep) {
  const tag = `${name}-${clients}x${docs}-r${rep}`
  const dataDir = path.join(WORK, tag)
  fs.rmSync(dataDir, { recursive: true, force: true }); fs.rmSync(dataDir + "-cwd", { recursive: true, force: true })
  fs.mkdirSync(dataDir, { recursive: true }); fs.mkdirSync(dataDir + "-cwd", { recursive: true })
  const serverLog = path.join(RESULTS, `${tag}.server.log`), genLog = path.join(RESULTS, `${tag}.loadgen.log`)
  const p = port++
  const common = {
    SERVER_URL: `ws://127.0.0.1:${p}${SERVERS[name].path ?? ""}`, CLIENTS: String(clients), DOCS: String(docs), EDITS, SEED: String(rep),
    TIMEOUT_S: String(TIMEOUT_S), FETCH_CONCURRENCY, DATA_DIR: dataDir, LABEL: tag,
  }
  const rec = { tag, server: name, clients, docs, edits: +EDITS, rep, loadavg: os.loadavg().map(x => +x.toFixed(2)), restart: RESTART }
  let srv = startServer(name, p, dataDir, serverLog)
  try {
    await waitPort(p)
    if (!RESTART) {
      rec.loadgenExit = await runLoadgen({ ...common, SERVER_PID: String(srv.pid), PHASE }, path.join(RESULTS, `${tag}.json`), genLog)
      rec.result = JSON.parse(fs.readFileSync(path.join(RESULTS, `${tag}.json`), "utf8"))
    } else {
      const manifest = path.join(RESULTS, `${tag}.manifest.json`)
      rec.loadgenExit = await runLoadgen({ ...common, SERVER_PID: String(srv.pid), PHASE: "upload", MANIFEST: manifest }, path.join(RESULTS, `${tag}.up.json`), genLog)
      const up = JSON.parse(fs.readFileSync(path.join(RESULTS, `${tag}.up.json`), "utf8"))
      rec.firstServerStop = await stopServer(srv)
      rec.dataDirAfterUpload = du(dataDir)
      srv = startServer(name, p, dataDir, serverLog)
      await waitPort(p)
      const exit2 = await runLoadgen({ ...common, SERVER_PID: String(srv.pid), PHASE: "district+concurrency", MANIFEST: manifest }, path.join(RESULTS, `${tag}.down.json`), genLog)
      const down = JSON.parse(fs.readFileSync(path.join(RESULTS, `${tag}.down.json`), "utf8"))
      rec.loadgenExit = rec.loadgenExit || exit2
      rec.result = { ...down, phases: { ...up.phases, ...down.phases }, errors: [...up.errors, ...down.errors], ok: up.ok && down.ok }
    }
  } catch (e) {
    rec.error = String(e)
  } finally {
    rec.serverStop = await stopServer(srv)
    rec.dataDirAfterStop = du(dataDir)
    fs.rmSync(dataDir, { recursive: true, force: true }); fs.rmSync(dataDir + "-cwd", { recursive: true, force: true })
  }
  fs.writeFileSync(path.join(RESULTS, `${tag}.trial.json`), JSON.stringify(rec, null, 1))
  const r = rec.result
  log(`${tag}: ok=${r?.ok} upload=${r?.phases.upload?.seconds}s district=${r?.phases.district?.seconds}s ` +
    `verified=${r?.phases.district?.verified}/${r?.totalDocs} conv=${r?.phases.concurrency?.converged} hwm=${r?.serverVmHWMMB}MB ` +
    `disk=${rec.dataDirAfterStop?.bytes}B errors=${r?.errors?.length ?? rec.error}`)
  return rec
}

const median = xs => { const v = xs.filter(x => x != null && !Number.isNaN(x)).sort((a, b) => a - b); return v.length ? (v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : null }
const all = []
for (let rep = 1; rep <= REPS; rep++)
  for (const [c, d] of SCALES)
    for (const s of SERVERS_SEL) all.push(await trial(s, c, d, rep))

const metrics = {
  "upload s": r => r.result?.phases.upload?.seconds,
  "district s": r => r.result?.phases.district?.seconds,
  "district p95 find ms": r => r.result?.phases.district?.findLatencyMs?.p95,
  "verified": r => r.result?.phases.district?.verified,
  "server CPU upload s": r => r.result?.phases.upload?.server?.cpuSec,
  "server CPU district s": r => r.result?.phases.district?.server?.cpuSec,
  "client CPU upload s": r => r.result?.phases.upload?.clientCpuSec,
  "client CPU district s": r => r.result?.phases.district?.clientCpuSec,
  "server VmHWM MB": r => Math.max(r.result?.serverVmHWMMB ?? 0, r.result?.phases.upload?.server?.vmHWMMB ?? 0) || null,
  "server RSS after upload MB": r => r.result?.phases.upload?.server?.rssEndMB,
  "upload WS bytes up": r => r.result?.phases.upload?.wire?.sentBytes,
  "upload WS bytes down": r => r.result?.phases.upload?.wire?.recvBytes,
  "district WS bytes down": r => r.result?.phases.district?.wire?.recvBytes,
  "district WS bytes up": r => r.result?.phases.district?.wire?.sentBytes,
  "data dir bytes (after stop)": r => r.dataDirAfterStop?.bytes,
  "data dir files": r => r.dataDirAfterStop?.files,
  "concurrency converged (of reps)": r => (r.result?.phases.concurrency?.converged ? 1 : 0),
  "concurrency converge s": r => r.result?.phases.concurrency?.convergeSec,
}
const summary = {}
let md = `| metric | ${SCALES.map(([c, d]) => SERVERS_SEL.map(s => `${s} ${c}x${d}`).join(" | ")).join(" | ")} |\n`
md += `|---|${SCALES.map(() => SERVERS_SEL.map(() => "---:").join("|")).join("|")}|\n`
for (const [m, f] of Object.entries(metrics)) {
  const cells = []
  for (const [c, d] of SCALES) for (const s of SERVERS_SEL) {
    const rs = all.filter(r => r.server === s && r.clients === c && r.docs === d)
    const vals = rs.map(f)
    const v = m.startsWith("concurrency converged") ? vals.reduce((a, b) => a + (b || 0), 0) + `/${rs.length}` : median(vals)
    ;(summary[`${s} ${c}x${d}`] ??= {})[m] = v
    summary[`${s} ${c}x${d}`][m + " (all reps)"] = vals
    cells.push(v)
  }
  md += `| ${m} | ${cells.join(" | ")} |\n`
}
fs.writeFileSync(path.join(RESULTS, "summary.json"), JSON.stringify({ args, summary }, null, 1))
fs.writeFileSync(path.join(RESULTS, "summary.md"), md)
console.log(md)
console.log(`results in ${RESULTS}`)
