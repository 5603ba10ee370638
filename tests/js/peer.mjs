#!/usr/bin/env node
// An unmodified @automerge/automerge-repo client (with its WebSocket adapter)
// as a test peer. The Rust tests run one command per process and read the
// single JSON line it prints on stdout; progress and errors go to stderr.
//
//   node peer.mjs create --server ws://… --content '{"title":"…"}' [--edits N]
//   node peer.mjs fetch  --server ws://… --id <documentId>
//   node peer.mjs edit   --server ws://… --id <documentId> --set '{"path.to.key": value}'
//   node peer.mjs edit   --server ws://… --id <documentId> --ops '[…]' [--expect refused]
//
// `--ops` is a list of raw operations, as any automerge-repo app could make
// them: {"op":"put","path":[…],"value":v} (a JS value: a string becomes a
// text object, as Automerge writes strings by default), {"op":"put",
// "path":[…],"str":"…"} (a scalar string, ImmutableString), {"op":"delete",
// "path":[…]}, {"op":"push","path":[…],"value":v} (append to a list).
// With `--expect refused` the edit finishes when the server answers with
// its refusal (printed as "refused": reason) instead of acknowledging it:
// an ephemeral message on the document, `{type: "changes-refused", reason}`,
// which the library hands to the handle's public "ephemeral-message" event.
//
// create/edit finish only when the server's sync state holds our heads (the
// server acknowledged every change); fetch finishes when the document arrived.
// Every wait is bounded (--timeout seconds, default 20).
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import * as A from "@automerge/automerge"

const [command, ...rest] = process.argv.slice(2)
const args = {}
for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, "")] = rest[i + 1]
const timeoutS = parseFloat(args.timeout ?? "20")
const log = (...a) => console.error(`[js-peer ${command}]`, ...a)

function bounded(promise, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out: ${what}`)), timeoutS * 1000) }),
  ]).finally(() => clearTimeout(timer))
}

const sameHeads = (a, b) => a && b && a.length === b.length && [...a].sort().every((h, i) => h === [...b].sort()[i])

function repoOnline() {
  const adapter = new WebSocketClientAdapter(args.server, 1000)
  const repo = new Repo({ network: [adapter], peerId: `js-${command}-${process.pid}`, sharePolicy: async () => true })
  return { repo, adapter }
}

// Resolves when the server's sync state for `documentId` holds `heads`.
function serverHolds(repo, documentId, heads) {
  return new Promise(resolve => {
    const check = ({ documentId: d, syncState }) => {
      if (d === documentId && sameHeads(syncState.theirHeads, heads)) {
        repo.synchronizer.off("sync-state", check)
        resolve()
      }
    }
    repo.synchronizer.on("sync-state", check)
  })
}

function setPath(doc, path, value) {
  const parts = path.split(".")
  let obj = doc
  for (const p of parts.slice(0, -1)) {
    if (obj[p] === undefined) obj[p] = {}
    obj = obj[p]
  }
  obj[parts[parts.length - 1]] = value
}

function applyOps(doc, ops) {
  for (const o of ops) {
    const parent = o.path.slice(0, -1).reduce((obj, p) => obj[p], doc)
    const last = o.path[o.path.length - 1]
    if (o.op === "put") parent[last] = o.str !== undefined ? new A.ImmutableString(o.str) : o.value
    else if (o.op === "delete") delete parent[last]
    else if (o.op === "push") parent[last].push(o.value)
    else throw new Error(`unknown op ${o.op}`)
  }
}

// Resolves with the reason when the server refuses our changes to the
// handle's document (told through the library's ephemeral messages).
function serverRefuses(handle) {
  return new Promise(resolve => {
    handle.on("ephemeral-message", ({ message }) => {
      if (message?.type === "changes-refused") resolve(message.reason)
    })
  })
}

async function main() {
  const { repo, adapter } = repoOnline()
  let handle
  if (command === "create") {
    handle = repo.create(JSON.parse(args.content))
    for (let k = 0; k < parseInt(args.edits ?? "0"); k++) handle.change(d => { d.edits = (d.edits ?? 0) + 1 })
  } else if (command === "fetch" || command === "edit") {
    handle = await bounded(repo.find(`automerge:${args.id}`), `find ${args.id}`)
    if (command === "edit" && args.set) {
      const set = JSON.parse(args.set)
      handle.change(d => { for (const [k, v] of Object.entries(set)) setPath(d, k, v) })
    }
    if (command === "edit" && args.ops) {
      const ops = JSON.parse(args.ops)
      const refused = args.expect === "refused" ? serverRefuses(handle) : null
      handle.change(d => applyOps(d, ops))
      if (refused) {
        const reason = await bounded(refused, `refusal of the change to ${handle.documentId}`)
        const out = { documentId: handle.documentId, refused: reason, heads: A.getHeads(handle.doc()), doc: A.toJS(handle.doc()) }
        process.stdout.write(JSON.stringify(out) + "\n")
        repo.networkSubsystem.removeNetworkAdapter(adapter)
        await new Promise(r => setTimeout(r, 50))
        return
      }
    }
  } else {
    throw new Error(`unknown command ${command}`)
  }
  const heads = A.getHeads(handle.doc())
  if (command !== "fetch") {
    await bounded(serverHolds(repo, handle.documentId, heads), `server acknowledgement of ${handle.documentId}`)
  }
  const out = { documentId: handle.documentId, url: handle.url, heads, doc: A.toJS(handle.doc()) }
  process.stdout.write(JSON.stringify(out) + "\n")
  // Leave with a close frame, as a phone app would.
  repo.networkSubsystem.removeNetworkAdapter(adapter)
  await new Promise(r => setTimeout(r, 50))
}

main().then(
  () => process.exit(0),
  e => { log(String(e?.stack ?? e)); process.exit(1) },
)
