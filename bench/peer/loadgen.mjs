#!/usr/bin/env node
// Load generator for any server speaking the automerge-repo WebSocket protocol
// (@automerge/automerge-repo-sync-server, samod, ...).
//
// Workload ("commune reports edited offline on phones"):
//   * CLIENTS commune clients (one automerge-repo Repo each, one WebSocket each),
//     each creates DOCS report documents OFFLINE and makes EDITS changes to each;
//   * then all communes go online at once and sync to the server ("upload");
//   * then a fresh 'district' client cold-loads every document by URL from the
//     server and checks content + heads against what the communes wrote ("district");
//   * a concurrency case: two clients edit the same doc offline (different fields,
//     the same field, the same text) then reconnect; check convergence ("concurrency").
//
// Config: env vars or --key=value args (args win). See README.md.
//   SERVER_URL=ws://127.0.0.1:3030  CLIENTS=19  DOCS=5  EDITS=10
//   PHASE=all|upload|district|concurrency|upload+district   (all = upload,district,concurrency)
//   MANIFEST=path     upload writes it, district reads it (lets a runner restart the server in between)
//   FETCH_CONCURRENCY=50  TIMEOUT_S=150  SEED=1  OUT=result.json
//   SERVER_PID=...    optional: sample server VmRSS/VmHWM/CPU from /proc (local servers only)
//   DATA_DIR=...      optional: report server data dir size (du)
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import * as A from "@automerge/automerge"
import WebSocket from "ws"
import { EventEmitter } from "node:events"
import { createHash } from "node:crypto"
import fs from "node:fs"
import { execFileSync } from "node:child_process"

// ---------------------------------------------------------------- config
const args = Object.fromEntries(
  process.argv.slice(2).filter(a => a.startsWith("--")).map(a => {
    const i = a.indexOf("=")
    return i < 0 ? [a.slice(2), "1"] : [a.slice(2, i), a.slice(i + 1)]
  }),
)
const cfg = (k, d) => {
  const lk = k.toLowerCase().replace(/_/g, "-")
  return args[lk] ?? args[k] ?? process.env[k] ?? d
}
const SERVER_URL = cfg("SERVER_URL", "ws://127.0.0.1:3030")
// reconnect phase: the URL the communes come back on (e.g. through link-emu's 2G link)
const RECONNECT_URL = cfg("RECONNECT_URL", "")
const CLIENTS = parseInt(cfg("CLIENTS", "19"))
const DOCS = parseInt(cfg("DOCS", "5"))
const EDITS = parseInt(cfg("EDITS", "10"))
const PHASE = cfg("PHASE", "all")
const MANIFEST = cfg("MANIFEST", "")
const FETCH_CONCURRENCY = parseInt(cfg("FETCH_CONCURRENCY", "50"))
const TIMEOUT_S = parseFloat(cfg("TIMEOUT_S", "150"))
const SEED = parseInt(cfg("SEED", "1"))
const OUT = cfg("OUT", "")
const SERVER_PID = cfg("SERVER_PID", "")
const DATA_DIR = cfg("DATA_DIR", "")
const LABEL = cfg("LABEL", "")
const QUIET = cfg("QUIET", "") !== ""
const phases = PHASE === "all" ? ["upload", "district", "concurrency"] : PHASE.split(/[+,]/)

if (!/^wss?:\/\//.test(SERVER_URL)) throw new Error("SERVER_URL must be ws:// or wss://")
const log = (...a) => { if (!QUIET) console.error(`[loadgen ${((performance.now()) / 1000).toFixed(1)}s]`, ...a) }

// ---------------------------------------------------------------- wire byte counters
// Counts WebSocket message payload bytes (not frame/TCP overhead) for every
// socket in this process, via the `ws` module shared with isomorphic-ws.
const wire = { sentBytes: 0, sentMsgs: 0, recvBytes: 0, recvMsgs: 0 }
const allSockets = new Set() // to close them cleanly (close frame) before exit
const byteLen = d => (d == null ? 0 : d.byteLength ?? (Array.isArray(d) ? d.reduce((s, x) => s + x.length, 0) : d.length ?? 0))
{
  const origSend = WebSocket.prototype.send
  WebSocket.prototype.send = function (data, ...rest) {
    wire.sentBytes += byteLen(data); wire.sentMsgs++
    allSockets.add(this)
    return origSend.call(this, data, ...rest)
  }
  const origEmit = WebSocket.prototype.emit ?? EventEmitter.prototype.emit
  WebSocket.prototype.emit = function (ev, ...rest) {
    if (ev === "message") { wire.recvBytes += byteLen(rest[0]); wire.recvMsgs++ }
    return origEmit.call(this, ev, ...rest)
  }
}
const wireSnap = () => ({ ...wire })
const wireDelta = (a, b) => Object.fromEntries(Object.keys(a).map(k => [k, b[k] - a[k]]))

// ---------------------------------------------------------------- /proc helpers
const CLK_TCK = 100
function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const kb = k => parseInt((s.match(new RegExp(`^${k}:\\s+(\\d+)`, "m")) || [])[1] ?? "0")
    return { rssKB: kb("VmRSS"), hwmKB: kb("VmHWM"), threads: kb("Threads") }
  } catch { return null }
}
function procCpuSec(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ")
    return (parseInt(f[11]) + parseInt(f[12])) / CLK_TCK // utime + stime, all threads
  } catch { return null }
}
function loBytes() {
  try {
    const l = fs.readFileSync("/proc/net/dev", "utf8").split("\n").find(x => x.trim().startsWith("lo:"))
    return parseInt(l.split(":")[1].trim().split(/\s+/)[8]) // lo tx bytes
  } catch { return null }
}
function dirSize(dir) {
  if (!dir) return null
  try {
    const bytes = parseInt(execFileSync("du", ["-sb", dir]).toString().split(/\s/)[0])
    const diskKB = parseInt(execFileSync("du", ["-sk", dir]).toString().split(/\s/)[0])
    const files = parseInt(execFileSync("sh", ["-c", 'find "$1" -type f | wc -l', "sh", dir]).toString())
    return { bytes, diskKB, files }
  } catch { return null }
}
// Samples server RSS every 100 ms during a phase.
function startSampler() {
  if (!SERVER_PID) return { stop: () => null }
  let peak = 0
  const tick = () => { const s = procStatus(SERVER_PID); if (s && s.rssKB > peak) peak = s.rssKB }
  tick()
  const id = setInterval(tick, 100)
  return { stop: () => { clearInterval(id); tick(); return peak } }
}

// ---------------------------------------------------------------- phase bookkeeping
const result = {
  label: LABEL, serverUrl: SERVER_URL, clients: CLIENTS, docs: DOCS, edits: EDITS,
  totalDocs: CLIENTS * DOCS, phases: {}, errors: [], ok: true,
  node: process.version, automergeRepo: "2.x client",
}
function phaseStart() {
  return {
    t: performance.now(), wire: wireSnap(), lo: loBytes(),
    srvCpu: SERVER_PID ? procCpuSec(SERVER_PID) : null,
    cliCpu: process.cpuUsage(), sampler: startSampler(),
  }
}
function phaseEnd(s, extra) {
  const peakRss = s.sampler.stop()
  const cpu = process.cpuUsage(s.cliCpu)
  const out = {
    seconds: +((performance.now() - s.t) / 1000).toFixed(3),
    wire: wireDelta(s.wire, wireSnap()),
    loopbackBytes: s.lo != null ? loBytes() - s.lo : null,
    clientCpuSec: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    clientRssMB: Math.round(process.memoryUsage().rss / 1048576),
    ...extra,
  }
  if (SERVER_PID) {
    const st = procStatus(SERVER_PID)
    out.server = {
      cpuSec: +(procCpuSec(SERVER_PID) - s.srvCpu).toFixed(2),
      rssEndMB: st ? +(st.rssKB / 1024).toFixed(1) : null,
      rssPeakSampledMB: +(peakRss / 1024).toFixed(1),
      vmHWMMB: st ? +(st.hwmKB / 1024).toFixed(1) : null,
      threads: st?.threads,
    }
  }
  return out
}
const sleep = ms => new Promise(r => setTimeout(r, ms))
function withTimeout(p, s, what) {
  let id
  return Promise.race([p, new Promise((_, rej) => { id = setTimeout(() => rej(new Error(`timeout after ${s}s: ${what}`)), s * 1000) })])
    .finally(() => clearTimeout(id))
}

// ---------------------------------------------------------------- workload data
function rng(seed) { // mulberry32
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const VI = [
  "Ủy ban nhân dân xã đã tổ chức họp giao ban định kỳ với các thôn, bản để triển khai nhiệm vụ trọng tâm.",
  "Tình hình an ninh chính trị, trật tự an toàn xã hội trên địa bàn cơ bản ổn định, không xảy ra vụ việc phức tạp.",
  "Diện tích lúa vụ mùa đạt chín mươi tám phần trăm kế hoạch, năng suất ước tính tăng so với cùng kỳ năm trước.",
  "Công tác tiêm chủng mở rộng cho trẻ em dưới một tuổi được thực hiện đầy đủ theo đúng lịch của trạm y tế.",
  "Hội Liên hiệp Phụ nữ xã phối hợp với Đoàn Thanh niên tổ chức tuyên truyền phòng, chống bạo lực gia đình.",
  "Trường tiểu học và trung học cơ sở hoàn thành sửa chữa phòng học, chuẩn bị tốt cho năm học mới.",
  "Đã tiếp nhận và giải quyết mười hai hồ sơ thủ tục hành chính đúng hạn, không có hồ sơ quá hạn.",
  "Mưa lớn kéo dài gây sạt lở cục bộ tại tuyến đường liên thôn, xã đã huy động lực lượng khắc phục kịp thời.",
  "Chương trình xây dựng nông thôn mới tiếp tục được quan tâm, nhân dân tích cực hiến đất làm đường giao thông.",
  "Công tác chi trả trợ cấp cho người có công và đối tượng bảo trợ xã hội được thực hiện đầy đủ, công khai.",
  "Ban chỉ huy quân sự xã hoàn thành công tác tuyển chọn và gọi công dân nhập ngũ theo chỉ tiêu được giao.",
  "Đề nghị huyện hỗ trợ kinh phí nâng cấp hệ thống thủy lợi nội đồng phục vụ sản xuất vụ đông xuân.",
  "Tổng đàn gia súc, gia cầm ổn định, không phát sinh dịch bệnh; công tác tiêm phòng đạt yêu cầu.",
  "Thu ngân sách trên địa bàn đạt tám mươi lăm phần trăm dự toán, chi ngân sách bảo đảm đúng quy định.",
]
const TITLES = ["Họp dân thôn Đông", "Kiểm tra đê điều", "Tiêm phòng gia súc", "Hòa giải tranh chấp đất", "Cấp giấy khai sinh",
  "Tập huấn phòng cháy", "Thăm hộ nghèo", "Sửa đường liên thôn", "Kiểm tra an toàn thực phẩm", "Phát động trồng cây"]
function paragraph(r, target = 500) {
  let s = ""
  while (s.length < target) s += (s ? " " : "") + VI[Math.floor(r() * VI.length)]
  return s
}
const pad = (n, w = 2) => String(n).padStart(w, "0")
const dateStr = r => `2026-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))}`
function initialReport(c, d) {
  const r = rng(SEED * 1000003 + c * 1009 + d)
  const fields = {}
  for (let i = 0; i < 40; i++) fields[`chi_tieu_${pad(i)}`] = Math.round(r() * 100000) / 10
  return {
    type: "bao_cao_xa", commune: `xa-${pad(c, 3)}`, period: `2026-T${1 + (d % 12)}`, status: "draft",
    fields,
    paragraphs: [paragraph(r), paragraph(r), paragraph(r)],
    records: Array.from({ length: 10 }, (_, i) => ({ number: i + 1, date: dateStr(r), title: TITLES[(i + d) % TITLES.length] })),
  }
}
function applyEdit(handle, c, d, k) {
  const r = rng(SEED * 7919 + c * 104729 + d * 1299709 + k)
  handle.change(doc => {
    for (let j = 0; j < 3; j++) doc.fields[`chi_tieu_${pad(Math.floor(r() * 40))}`] = Math.round(r() * 100000) / 10
    const p = k % doc.paragraphs.length
    const len = doc.paragraphs[p].length
    A.splice(doc, ["paragraphs", p], Math.floor(r() * len), 0, " (bổ sung: " + VI[Math.floor(r() * VI.length)].slice(0, 30) + ")")
    if (k % 4 === 3 && len > 80) A.splice(doc, ["paragraphs", p], Math.floor(r() * (len - 40)), 20) // delete 20 chars
    const rec = doc.records[k % doc.records.length]
    rec.title = TITLES[Math.floor(r() * TITLES.length)] + ` (lần ${k + 1})`
    rec.date = dateStr(r)
    if (k % 5 === 4) doc.records.push({ number: doc.records.length + 1, date: dateStr(r), title: TITLES[Math.floor(r() * TITLES.length)] })
    doc.status = k === EDITS - 1 ? "submitted" : "draft"
    doc.editCount = k + 1
  })
}
function canonical(v) {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]"
  if (v && typeof v === "object" && !(v instanceof Uint8Array))
    return "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}"
  return JSON.stringify(v)
}
const docDigest = doc => createHash("sha256").update(canonical(A.toJS(doc))).digest("hex")
const sortedHeads = doc => [...A.getHeads(doc)].sort()
const sameHeads = (a, b) => a && b && a.length === b.length && [...a].sort().every((h, i) => h === [...b].sort()[i])

function newClientRepo(peerId, online = true) {
  const repo = new Repo({ network: [], peerId, sharePolicy: async () => true })
  let adapter = null
  const goOnline = (url = SERVER_URL) => { adapter = new WebSocketClientAdapter(url, 2000); repo.networkSubsystem.addNetworkAdapter(adapter) }
  const goOffline = () => { if (adapter) { repo.networkSubsystem.removeNetworkAdapter(adapter); adapter = null } }
  if (online) goOnline()
  return { repo, goOnline, goOffline }
}
function waitPeer(repo, what) {
  return withTimeout(new Promise(res => {
    if (repo.peers.length) return res(repo.peers[0])
    repo.networkSubsystem.once("peer", ({ peerId, peerMetadata }) => res({ peerId, peerMetadata }))
  }), 20, `handshake (${what})`)
}
const recvTypes = {}
function countTypes(repo) { repo.networkSubsystem.on("message", m => { recvTypes[m.type] = (recvTypes[m.type] || 0) + 1 }) }

// ---------------------------------------------------------------- phase: upload
async function phaseUpload() {
  log(`prepare: ${CLIENTS} clients x ${DOCS} docs x ${EDITS} edits, offline`)
  const tPrep = performance.now()
  const clients = []
  const manifest = []
  for (let c = 0; c < CLIENTS; c++) {
    const cl = newClientRepo(`xa-${pad(c, 3)}-${SEED}-${process.pid}`, false)
    cl.handles = []
    for (let d = 0; d < DOCS; d++) {
      const h = cl.repo.create(initialReport(c, d))
      for (let k = 0; k < EDITS; k++) applyEdit(h, c, d, k)
      const doc = h.doc()
      cl.handles.push(h)
      manifest.push({ url: h.url, heads: sortedHeads(doc), sha: docDigest(doc), commune: c, bytes: A.save(doc).byteLength })
    }
    clients.push(cl)
  }
  const prepSec = (performance.now() - tPrep) / 1000
  const docBytes = manifest.map(m => m.bytes).sort((a, b) => a - b)
  log(`prepared ${manifest.length} docs in ${prepSec.toFixed(1)}s; A.save() size median ${docBytes[docBytes.length >> 1]} B`)

  // ack tracking: a doc is "on the server" once the server's sync state reports our heads
  const want = new Map(manifest.map(m => [m.url.slice("automerge:".length), m.heads]))
  const acked = new Set()
  let resolveAll
  const allAcked = new Promise(r => { resolveAll = r })
  const tStarts = []
  const s = phaseStart()
  for (const cl of clients) {
    countTypes(cl.repo)
    cl.repo.synchronizer.on("sync-state", ({ documentId, syncState }) => {
      if (acked.has(documentId)) return
      const th = syncState.theirHeads
      if (th && sameHeads(th, want.get(documentId))) {
        acked.add(documentId)
        if (acked.size === want.size) resolveAll()
      }
    })
  }
  let serverPeer = null
  for (const cl of clients) {
    cl.goOnline()
    waitPeer(cl.repo, "upload").then(p => { serverPeer ??= p }).catch(e => result.errors.push(String(e)))
  }
  let timedOut = false
  const prog = setInterval(() => log(`upload: ${acked.size}/${want.size} acked`), 5000)
  try { await withTimeout(allAcked, TIMEOUT_S, "upload") } catch (e) { timedOut = true; result.errors.push(String(e)) }
  clearInterval(prog)
  result.phases.upload = phaseEnd(s, {
    acked: acked.size, expected: want.size, timedOut, prepSec: +prepSec.toFixed(2),
    docSaveBytesMedian: docBytes[docBytes.length >> 1], docSaveBytesTotal: docBytes.reduce((a, b) => a + b, 0),
    serverPeerId: serverPeer?.peerId, serverPeerMetadata: serverPeer?.peerMetadata,
  })
  if (timedOut) result.ok = false
  log(`upload: ${acked.size}/${want.size} acked in ${result.phases.upload.seconds}s`)
  if (MANIFEST) fs.writeFileSync(MANIFEST, JSON.stringify({ serverUrl: SERVER_URL, clients: CLIENTS, docs: DOCS, edits: EDITS, manifest }))
  return { clients, manifest }
}

// ---------------------------------------------------------------- phase: district
async function phaseDistrict(manifest) {
  const s = phaseStart()
  const { repo } = newClientRepo(`huyen-${SEED}-${process.pid}-${Date.now()}`)
  countTypes(repo)
  await waitPeer(repo, "district")
  let ok = 0, mismatch = 0, unavailable = 0, late = 0, errors = 0
  const lat = []
  let next = 0
  const deadline = performance.now() + TIMEOUT_S * 1000
  async function worker() {
    while (next < manifest.length && performance.now() < deadline) {
      const m = manifest[next++]
      const t = performance.now()
      try {
        const h = await withTimeout(repo.find(m.url), Math.max(1, (deadline - performance.now()) / 1000), `find ${m.url}`)
        let doc = h.doc()
        if (!(sameHeads(sortedHeads(doc), m.heads) && docDigest(doc) === m.sha)) {
          // maybe more changes still in flight: give it up to 5 s
          const until = performance.now() + 5000
          while (performance.now() < until && !sameHeads(sortedHeads(h.doc()), m.heads)) await sleep(50)
          doc = h.doc()
          if (sameHeads(sortedHeads(doc), m.heads) && docDigest(doc) === m.sha) late++
          else { mismatch++; if (result.errors.length < 20) result.errors.push(`content mismatch ${m.url}`); continue }
        }
        ok++
        lat.push(performance.now() - t)
      } catch (e) {
        if (/unavailable/i.test(String(e))) unavailable++; else errors++
        if (result.errors.length < 20) result.errors.push(`district ${m.url}: ${String(e).slice(0, 200)}`)
      }
    }
  }
  const prog = setInterval(() => log(`district: ${ok}/${manifest.length} verified`), 5000)
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, manifest.length) }, worker))
  clearInterval(prog)
  lat.sort((a, b) => a - b)
  const q = p => lat.length ? +lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1) : null
  result.phases.district = phaseEnd(s, {
    verified: ok, expected: manifest.length, mismatch, unavailable, lateButOk: late, otherErrors: errors,
    findLatencyMs: { p50: q(0.5), p95: q(0.95), max: q(1) },
  })
  if (ok !== manifest.length) result.ok = false
  log(`district: ${ok}/${manifest.length} verified (mismatch ${mismatch}, unavailable ${unavailable}, errors ${errors}) in ${result.phases.district.seconds}s`)
  repo.networkSubsystem.disconnect()
}

// ---------------------------------------------------------------- phase: concurrency
async function waitUntil(pred, s, what) {
  const until = performance.now() + s * 1000
  while (!pred()) { if (performance.now() > until) throw new Error(`timeout after ${s}s: ${what}`); await sleep(20) }
}
async function phaseConcurrency() {
  const s = phaseStart()
  const out = { steps: [] }
  const step = m => { out.steps.push(m); log(`concurrency: ${m}`) }
  try {
    const a = newClientRepo(`phone-A-${process.pid}-${Date.now()}`)
    const b = newClientRepo(`phone-B-${process.pid}-${Date.now()}`)
    await Promise.all([waitPeer(a.repo, "A"), waitPeer(b.repo, "B")])
    const ha = a.repo.create(initialReport(9999, 0))
    const docId = ha.documentId
    // wait for server ack of A's doc
    const headsA0 = sortedHeads(ha.doc())
    await withTimeout(new Promise(res => {
      const f = ({ documentId, syncState }) => { if (documentId === docId && sameHeads(syncState.theirHeads, headsA0)) { a.repo.synchronizer.off("sync-state", f); res() } }
      a.repo.synchronizer.on("sync-state", f)
    }), 20, "A doc acked")
    const hb = await withTimeout(b.repo.find(ha.url), 20, "B finds A's doc")
    step(`B fetched doc from server, same heads: ${sameHeads(sortedHeads(hb.doc()), headsA0)}`)

    a.goOffline(); b.goOffline()
    await sleep(200)
    // offline edits: different fields, the same field, the same text paragraph, list
    ha.change(d => {
      d.fields.chi_tieu_01 = 111; d.fields.chi_tieu_00 = 1000; d.status = "A-reviewed"
      A.splice(d, ["paragraphs", 0], 0, 0, "[A viết] ")
      d.records.push({ number: 101, date: "2026-05-01", title: "Ghi chú của A" })
    })
    hb.change(d => {
      d.fields.chi_tieu_02 = 222; d.fields.chi_tieu_00 = 2000; d.status = "B-reviewed"
      A.splice(d, ["paragraphs", 0], 0, 0, "[B viết] ")
      d.records.push({ number: 102, date: "2026-05-02", title: "Ghi chú của B" })
    })
    const headsA = sortedHeads(ha.doc()), headsB = sortedHeads(hb.doc())
    step(`offline edits done, heads differ: ${!sameHeads(headsA, headsB)}`)
    const t0 = performance.now()
    a.goOnline(); b.goOnline()
    await withTimeout(Promise.all([waitPeer(a.repo, "A again"), waitPeer(b.repo, "B again")]), 20, "reconnect")
    // B learns about the doc again only if the repo re-syncs it on reconnect (automerge-repo does, sharePolicy true)
    await waitUntil(() => sameHeads(sortedHeads(ha.doc()), sortedHeads(hb.doc())) && sortedHeads(ha.doc()).length === 2, 30, "A and B converge")
    out.convergeSec = +((performance.now() - t0) / 1000).toFixed(3)
    const da = A.toJS(ha.doc()), db = A.toJS(hb.doc())
    out.identical = canonical(da) === canonical(db)
    out.bothDifferentFieldsKept = da.fields.chi_tieu_01 === 111 && da.fields.chi_tieu_02 === 222
    out.sameFieldWinner = da.fields.chi_tieu_00
    out.sameFieldConflicts = Object.values(A.getConflicts(ha.doc().fields, "chi_tieu_00") || {})
    out.statusWinner = da.status
    out.textHasBothInserts = da.paragraphs[0].includes("[A viết]") && da.paragraphs[0].includes("[B viết]")
    out.textPrefix = da.paragraphs[0].slice(0, 20)
    out.recordsAppendedBoth = da.records.some(r => r.number === 101) && da.records.some(r => r.number === 102)
    // a fresh client fetching from the server must see the merged doc
    const c = newClientRepo(`phone-C-${process.pid}-${Date.now()}`)
    await waitPeer(c.repo, "C")
    const mergedHeads = sortedHeads(ha.doc())
    const hc = await withTimeout(c.repo.find(ha.url), 20, "C finds merged doc")
    await waitUntil(() => sameHeads(sortedHeads(hc.doc()), mergedHeads), 10, "server has merged doc")
    out.serverCopyIdentical = canonical(A.toJS(hc.doc())) === canonical(da)
    out.converged = out.identical && out.bothDifferentFieldsKept && out.textHasBothInserts && out.recordsAppendedBoth && out.serverCopyIdentical
    for (const x of [a, b, c]) x.goOffline()
  } catch (e) {
    out.converged = false
    out.error = String(e)
    result.errors.push(`concurrency: ${e}`)
  }
  if (!out.converged) result.ok = false
  result.phases.concurrency = phaseEnd(s, out)
  log(`concurrency: converged=${out.converged} in ${out.convergeSec}s (winner of same field: ${out.sameFieldWinner}, conflicts ${JSON.stringify(out.sameFieldConflicts)})`)
}

// ---------------------------------------------------------------- main
// automerge-repo's WebSocketClientAdapter re-throws any socket error other than
// ECONNREFUSED from an event handler (e.g. ECONNRESET when an overloaded server
// drops a connection during the upgrade), which would kill the whole process.
// Record it and keep going; the adapter reconnects by itself.
let uncaught = 0
process.on("uncaughtException", e => {
  uncaught++
  if (result.errors.length < 20) result.errors.push(`uncaught: ${String(e?.code || e).slice(0, 200)}`)
  result.uncaughtExceptions = uncaught
})
// ---------------------------------------------------------------- phase: dump
// The reconnect phase's documents, for another client to replay (baocao's
// native phone engine, `phone-2g`): per commune and report, the document
// after its first EDITS edits (what is on the server before going offline)
// and the changes of the next EDITS, made offline — the same generator and
// seeds as `phaseReconnect`. Written to OUT as JSON, bytes in hex.
function phaseDump() {
  const docs = []
  for (let c = 0; c < CLIENTS; c++) for (let d = 0; d < DOCS; d++) {
    let doc = A.from(initialReport(c, d))
    const h = { change: fn => { doc = A.change(doc, fn) } }
    for (let k = 0; k < EDITS; k++) applyEdit(h, c, d, k)
    const first = A.save(doc)
    const heads = A.getHeads(doc)
    for (let k = EDITS; k < 2 * EDITS; k++) applyEdit(h, c, d, k)
    docs.push({ commune: c, doc: d, first: Buffer.from(first).toString("hex"),
      offline: Buffer.from(A.saveSince(doc, heads)).toString("hex"), heads: sortedHeads(doc) })
  }
  fs.writeFileSync(OUT, JSON.stringify({ seed: SEED, edits: EDITS, docs }))
  process.exit(0)
}

// ---------------------------------------------------------------- phase: reconnect
// Each commune's reports are on the server already (uploaded directly); the
// phone edits every report EDITS more times offline, then comes back online on
// RECONNECT_URL (a slow link). Timed: from going online until the server's
// sync state holds every report's new heads.
async function phaseReconnect() {
  const url = RECONNECT_URL || SERVER_URL
  const clients = []
  const want = new Map()
  for (let c = 0; c < CLIENTS; c++) {
    const cl = newClientRepo(`xa-${pad(c, 3)}-${SEED}-${process.pid}-re`, false)
    cl.handles = []
    for (let d = 0; d < DOCS; d++) {
      const h = cl.repo.create(initialReport(c, d))
      for (let k = 0; k < EDITS; k++) applyEdit(h, c, d, k)
      cl.handles.push(h)
    }
    clients.push(cl)
  }
  // first sync, directly
  const ackedFirst = new Set()
  const firstHeads = new Map(clients.flatMap(cl => cl.handles.map(h => [h.documentId, sortedHeads(h.doc())])))
  const firstDone = new Promise(res => {
    for (const cl of clients) cl.repo.synchronizer.on("sync-state", ({ documentId, syncState }) => {
      if (sameHeads(syncState.theirHeads, firstHeads.get(documentId))) { ackedFirst.add(documentId); if (ackedFirst.size === firstHeads.size) res() }
    })
  })
  for (const cl of clients) cl.goOnline()
  await withTimeout(firstDone, TIMEOUT_S, "first upload")
  for (const cl of clients) cl.goOffline()
  await sleep(500)
  // offline edits
  for (const [c, cl] of clients.entries())
    cl.handles.forEach((h, d) => { for (let k = EDITS; k < 2 * EDITS; k++) applyEdit(h, c, d, k); want.set(h.documentId, sortedHeads(h.doc())) })
  const acked = new Set()
  let resolveAll
  const all = new Promise(r => { resolveAll = r })
  for (const cl of clients) cl.repo.synchronizer.on("sync-state", ({ documentId, syncState }) => {
    if (want.has(documentId) && sameHeads(syncState.theirHeads, want.get(documentId))) { acked.add(documentId); if (acked.size === want.size) resolveAll() }
  })
  const s = phaseStart()
  for (const cl of clients) cl.goOnline(url)
  let timedOut = false
  try { await withTimeout(all, TIMEOUT_S, "reconnect") } catch (e) { timedOut = true; result.errors.push(String(e)) }
  result.phases.reconnect = phaseEnd(s, { acked: acked.size, expected: want.size, timedOut, url })
  if (timedOut) result.ok = false
  log(`reconnect: ${acked.size}/${want.size} acked in ${result.phases.reconnect.seconds}s over ${url}`)
  for (const cl of clients) cl.goOffline()
}

async function main() {
  if (PHASE === "dump") return phaseDump()
  const hard = setTimeout(() => { result.ok = false; result.errors.push("hard timeout"); finish(3) }, (TIMEOUT_S * phases.length + 60) * 1000)
  hard.unref()
  let manifest = null
  if (phases.includes("upload")) {
    const up = await phaseUpload()
    manifest = up.manifest
    // communes go offline before the district reads (district = one connection)
    for (const cl of up.clients) cl.goOffline()
    await sleep(500)
    if (SERVER_PID) { const st = procStatus(SERVER_PID); result.phases.upload.server.rssAfterClientsLeftMB = st ? +(st.rssKB / 1024).toFixed(1) : null }
  }
  if (phases.includes("district")) {
    if (!manifest) {
      if (!MANIFEST) throw new Error("PHASE=district needs MANIFEST from a previous upload")
      manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8")).manifest
    }
    await phaseDistrict(manifest)
  }
  if (phases.includes("concurrency")) await phaseConcurrency()
  if (phases.includes("reconnect")) await phaseReconnect()
  result.recvMessageTypes = recvTypes
  if (SERVER_PID) { const st = procStatus(SERVER_PID); result.serverVmHWMMB = st ? +(st.hwmKB / 1024).toFixed(1) : null }
  if (DATA_DIR) { await sleep(1000); result.dataDir = dirSize(DATA_DIR) }
  finish(result.ok ? 0 : 2)
}
function finish(code) {
  const json = JSON.stringify(result, null, 1)
  if (OUT) fs.writeFileSync(OUT, json)
  else console.log(json)
  for (const ws of allSockets) { try { if (ws.readyState === WebSocket.OPEN) ws.close(1000) } catch {} }
  setTimeout(() => process.exit(code), 300)
}
main().catch(e => { result.ok = false; result.errors.push(String(e?.stack || e)); finish(1) })
