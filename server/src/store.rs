//! The database side of the sync engine's storage tasks, and reading documents
//! back for the REST API.

use crate::auth::policy::Learnt;
use crate::db::Pool;
use automerge::AutoCommit;
use shared::DocumentId;
use shared::report::{ReportMeta, ReportView};
use shared::sync::storage::{
    StorageAction, StorageKey, StorageOutcome, StorageResult, StorageTask,
};
use std::collections::HashMap;

/// Performs one storage task. Each write is one transaction, committed
/// durably before it is reported done.
pub async fn perform(pool: &Pool, task: StorageTask) -> StorageResult {
    perform_as(pool, task, None).await
}

/// The PostgreSQL channel on which replicas announce stored chunks; the
/// payload is "<replica id> <document id>".
pub const CHANNEL: &str = "baocao_docs";

/// [`perform`] by replica `origin`: on PostgreSQL, a stored chunk is
/// announced to the other replicas when its transaction commits.
async fn perform_as(pool: &Pool, task: StorageTask, origin: Option<&str>) -> StorageResult {
    let outcome = match run(pool, task.action, origin).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!("storage task failed: {e}");
            StorageOutcome::Failed("storage error".into())
        }
    };
    StorageResult {
        id: task.id,
        outcome,
    }
}

fn doc_of(key: &StorageKey) -> Result<String, sqlx::Error> {
    key.document()
        .map(|d| d.to_string())
        .ok_or_else(|| sqlx::Error::Protocol(format!("not a document key: {}", key.joined())))
}

async fn run(
    pool: &Pool,
    action: StorageAction,
    origin: Option<&str>,
) -> Result<StorageOutcome, sqlx::Error> {
    match action {
        StorageAction::Load { prefix } => {
            let doc = doc_of(&prefix)?;
            let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
                "SELECT key, data FROM chunks WHERE doc_id = $1 ORDER BY created_at, key",
            )
            .bind(&doc)
            .fetch_all(pool)
            .await?;
            Ok(StorageOutcome::Loaded(
                rows.into_iter()
                    .map(|(k, v)| (StorageKey::from_joined(&k), v))
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .collect(),
            ))
        }
        write => {
            let mut tx = pool.begin().await?;
            apply_write(&mut tx, write, crate::db::now_ms(), origin).await?;
            tx.commit().await?;
            Ok(StorageOutcome::Done)
        }
    }
}

/// Carries out a put or a compaction inside the caller's transaction. A new
/// chunk is announced (NOTIFY, delivered at commit; PostgreSQL folds equal
/// payloads of one transaction into one) when `origin` is set. A compaction
/// is not: it adds no change the other replicas lack.
async fn apply_write(
    tx: &mut sqlx::AnyConnection,
    action: StorageAction,
    now: i64,
    origin: Option<&str>,
) -> Result<(), sqlx::Error> {
    match action {
        StorageAction::Load { prefix } => Err(sqlx::Error::Protocol(format!(
            "a load is not a write: {}",
            prefix.joined()
        ))),
        StorageAction::Put { key, data } => {
            insert_chunk(&mut *tx, &key, data, now).await?;
            if let (Some(origin), Some(doc), Some(_)) = (origin, key.document(), key.chunk_kind()) {
                sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(format!("{origin} {doc}"))
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(())
        }
        StorageAction::Compact { key, data, delete } => {
            insert_chunk(&mut *tx, &key, data, now).await?;
            for k in delete.iter().filter(|k| **k != key) {
                sqlx::query("DELETE FROM chunks WHERE key = $1")
                    .bind(k.joined())
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(())
        }
    }
}

/// Performs many writes as one transaction — one fsync for all of them — and
/// the projection updates that go with them. If the batch fails, each write
/// is retried on its own so that one bad write fails alone. `origin`: see
/// [`perform_as`].
pub async fn perform_writes(
    pool: &Pool,
    tasks: Vec<StorageTask>,
    projections: Vec<(DocumentId, Projected)>,
    learnt: Vec<Learnt>,
    origin: Option<&str>,
) -> Vec<StorageResult> {
    let now = crate::db::now_ms();
    let batch = async {
        let mut tx = pool.begin().await?;
        // What the access policy learnt goes first: an acknowledged change
        // is never stored without its attribution.
        for l in &learnt {
            record_learnt(&mut tx, l, now, origin).await?;
        }
        for t in &tasks {
            apply_write(&mut tx, t.action.clone(), now, origin).await?;
        }
        for (id, p) in &projections {
            upsert_projection(&mut *tx, id, p, now).await?;
        }
        tx.commit().await
    };
    match batch.await {
        Ok(()) => tasks
            .into_iter()
            .map(|t| StorageResult {
                id: t.id,
                outcome: StorageOutcome::Done,
            })
            .collect(),
        Err(e) => {
            tracing::warn!("a batch of {} writes failed ({e}); one by one", tasks.len());
            for l in &learnt {
                if let Ok(mut c) = pool.acquire().await
                    && let Err(e) = record_learnt(&mut c, l, now, origin).await
                {
                    tracing::error!("cannot record {l:?}: {e}");
                }
            }
            for (id, p) in &projections {
                if let Err(e) = upsert_projection(pool, id, p, now).await {
                    tracing::error!(%id, "cannot update projection: {e}");
                }
            }
            let mut results = Vec::with_capacity(tasks.len());
            for t in tasks {
                results.push(perform_as(pool, t, origin).await);
            }
            results
        }
    }
}

/// The PostgreSQL channel on which replicas announce the bindings they
/// stored; the payload is "<replica id>\t<a|o>\t<actor or document>\t<user>".
pub const BINDINGS: &str = "baocao_bindings";

/// Stores an actor binding or a document owner (first one wins). A binding
/// that was new is announced to the other replicas when `origin` is set, so
/// none of them binds the same actor or document to someone else.
async fn record_learnt(
    c: &mut sqlx::AnyConnection,
    l: &Learnt,
    now: i64,
    origin: Option<&str>,
) -> Result<(), sqlx::Error> {
    let (kind, key, user, inserted) = match l {
        Learnt::Actor { actor, user } => {
            let r = sqlx::query(
                "INSERT INTO actors (actor, user_id, first_seen) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(actor)
            .bind(user)
            .bind(now)
            .execute(&mut *c)
            .await?;
            ("a", actor.clone(), user, r.rows_affected())
        }
        Learnt::Owner { doc, user } => {
            let r = sqlx::query(
                "INSERT INTO doc_owners (doc_id, user_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(doc.to_string())
            .bind(user)
            .bind(now)
            .execute(&mut *c)
            .await?;
            ("o", doc.to_string(), user, r.rows_affected())
        }
    };
    if let Some(origin) = origin
        && inserted > 0
    {
        sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
            .bind(BINDINGS)
            .bind(format!("{origin}\t{kind}\t{key}\t{user}"))
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// A binding announced on [`BINDINGS`] by another replica than `me`.
pub fn parse_binding(payload: &str, me: &str) -> Option<Learnt> {
    let mut parts = payload.split('\t');
    let (origin, kind, key, user) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if origin == me {
        return None;
    }
    match kind {
        "a" => Some(Learnt::Actor {
            actor: key.to_string(),
            user: user.to_string(),
        }),
        "o" => Some(Learnt::Owner {
            doc: key.parse().ok()?,
            user: user.to_string(),
        }),
        _ => None,
    }
}

/// Actor bindings and document owners stored so far.
pub async fn load_bindings(
    pool: &Pool,
) -> Result<(HashMap<String, String>, HashMap<DocumentId, String>), sqlx::Error> {
    let actors: Vec<(String, String)> = sqlx::query_as("SELECT actor, user_id FROM actors")
        .fetch_all(pool)
        .await?;
    let owners: Vec<(String, String)> = sqlx::query_as("SELECT doc_id, user_id FROM doc_owners")
        .fetch_all(pool)
        .await?;
    Ok((
        actors.into_iter().collect(),
        owners
            .into_iter()
            .filter_map(|(d, u)| Some((d.parse().ok()?, u)))
            .collect(),
    ))
}

/// Writes a value. Chunk keys are content hashes, so rewriting one changes
/// nothing; other keys (sync states) take the new value.
async fn insert_chunk<'e, E>(
    exec: E,
    key: &StorageKey,
    data: Vec<u8>,
    now: i64,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO chunks (key, doc_id, data, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET data = excluded.data",
    )
    .bind(key.joined())
    .bind(doc_of(key)?)
    .bind(data)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(())
}

/// Reads a stored document, or `None` if the server has none.
pub async fn load_doc(pool: &Pool, id: &DocumentId) -> Result<Option<AutoCommit>, sqlx::Error> {
    let rows: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT key, data FROM chunks WHERE doc_id = $1 ORDER BY created_at, key")
            .bind(id.to_string())
            .fetch_all(pool)
            .await?;
    let chunks: Vec<Vec<u8>> = rows
        .into_iter()
        .filter(|(k, _)| StorageKey::from_joined(k).chunk_kind().is_some())
        .map(|(_, v)| v)
        .collect();
    if chunks.is_empty() {
        return Ok(None);
    }
    let mut doc = AutoCommit::new();
    for bytes in chunks {
        if let Err(e) = doc.load_incremental(&bytes) {
            tracing::error!("skipping a corrupt chunk of {id}: {e}");
        }
    }
    Ok(Some(doc))
}

/// What the projection holds of one report: its identity and status, and
/// its values as a [`ReportView`] in JSON, so that figures across thousands
/// of communes read rows instead of loading documents.
#[derive(Clone, Debug)]
pub struct Projected {
    meta: ReportMeta,
    view: String,
}

impl Projected {
    /// The projection of a stored document, or `None` if it is not a report
    /// or claims an identity that is not its id.
    pub fn of(id: &DocumentId, doc: &automerge::Automerge) -> Option<Projected> {
        let meta = ReportMeta::read(doc).ok()?;
        if meta.key.document_id() != *id {
            tracing::warn!(%id, "document claims an identity that does not match its id");
            return None;
        }
        let view = serde_json::to_string(&ReportView::read(doc).ok()?).ok()?;
        Some(Projected { meta, view })
    }
}

/// Records a report's identity, status, values and last update, for lists,
/// completeness and figures. Never moves `updated_at` backwards.
pub async fn upsert_projection<'e, E>(
    exec: E,
    id: &DocumentId,
    p: &Projected,
    updated_at: i64,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO documents (doc_id, template, unit, period, status, updated_at, view) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (doc_id) DO UPDATE SET status = excluded.status, \
         updated_at = excluded.updated_at, view = excluded.view \
         WHERE excluded.updated_at >= documents.updated_at",
    )
    .bind(id.to_string())
    .bind(&p.meta.key.template)
    .bind(&p.meta.key.unit)
    .bind(&p.meta.key.period)
    .bind(&p.meta.status)
    .bind(updated_at)
    .bind(&p.view)
    .execute(exec)
    .await?;
    Ok(())
}

/// The projected reports of a round, by unit: one query, no document loaded.
pub async fn round_views(
    pool: &Pool,
    template: &str,
    period: &str,
) -> Result<HashMap<String, ReportView>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT unit, view FROM documents \
         WHERE template = $1 AND period = $2 AND view IS NOT NULL",
    )
    .bind(template)
    .bind(period)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(unit, view)| Some((unit, serde_json::from_str(&view).ok()?)))
        .collect())
}

/// Projects reports whose projection row is missing or older than their
/// newest chunk (the projection is written in the batch after the chunks, so
/// a kill in between leaves it behind) or has no values (written before the
/// projection held them).
pub async fn repair_projection(pool: &Pool) -> Result<usize, sqlx::Error> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT c.doc_id FROM chunks c LEFT JOIN documents d ON d.doc_id = c.doc_id \
         WHERE d.view IS NULL OR c.created_at > d.updated_at",
    )
    .fetch_all(pool)
    .await?;
    let mut repaired = 0;
    for (id,) in ids {
        let Ok(id) = id.parse::<DocumentId>() else {
            continue;
        };
        let Some(mut doc) = load_doc(pool, &id).await? else {
            continue;
        };
        let Some(p) = Projected::of(&id, doc.document()) else {
            continue;
        };
        upsert_projection(pool, &id, &p, crate::db::now_ms()).await?;
        repaired += 1;
    }
    Ok(repaired)
}
