//! The server's access policy for the sync engine: each connection belongs to
//! a logged-in user, and every document message is judged by the role rules
//! of `shared::access` — reports by their unit, other documents by who stored
//! them first. Accepted changes bind their Automerge actor ids to the user,
//! which is how "who entered this" is answered for every value.

use crate::catalog::Catalog;
use crate::catalog::SharedCatalog;
use automerge::Automerge;
use shared::DocumentId;
use shared::Template;
use shared::access::{Access, Action, access, allowed};
use shared::dataset::User;
use shared::report::shape::{Shape, ShapeReason};
use shared::report::{ReportMeta, ReportView};
use shared::sync::{AccessPolicy, ConnId, Verdict};
use shared::workflow::{
    Refusal, Rights, Status, check_change, check_history, check_limits_kept, check_repair,
    check_submission, submits,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Something the policy learnt that must be stored: the engine hands it to
/// the hub in its results (`SyncResults::learnt`), the hub to the writer.
pub use shared::sync::Binding as Learnt;

#[derive(Default)]
struct State {
    conns: HashMap<ConnId, User>,
    actors: HashMap<String, String>,
    owners: HashMap<DocumentId, String>,
}

/// Shared between the hub (which registers connections and stores what is
/// learnt) and the engine (which asks).
#[derive(Clone)]
pub struct ServerPolicy {
    catalog: SharedCatalog,
    state: Arc<Mutex<State>>,
}

impl ServerPolicy {
    /// A policy over the catalog's units and users, judging reports by its
    /// templates (and the older versions phones may still run), knowing the
    /// actors and owners stored so far.
    pub fn new(
        catalog: SharedCatalog,
        actors: HashMap<String, String>,
        owners: HashMap<DocumentId, String>,
    ) -> ServerPolicy {
        ServerPolicy {
            catalog,
            state: Arc::new(Mutex::new(State {
                actors,
                owners,
                ..State::default()
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection belongs to `user`.
    pub fn connected(&self, conn: ConnId, user: User) {
        self.state().conns.insert(conn, user);
    }

    /// The connection is gone.
    pub fn disconnected(&self, conn: ConnId) {
        self.state().conns.remove(&conn);
    }

    /// A binding as the database holds it, stored by this or another
    /// replica: it replaces whatever this replica assumed, since the first
    /// binding stored is the one that holds.
    pub fn stored(&self, l: Learnt) {
        let mut state = self.state();
        match l {
            Learnt::Actor { actor, user } => {
                state.actors.insert(actor, user);
            }
            Learnt::Owner { doc, user } => {
                state.owners.insert(doc, user);
            }
        }
    }

    /// The user an actor id is bound to.
    pub fn user_of_actor(&self, actor: &str) -> Option<String> {
        self.state().actors.get(actor).cloned()
    }

    /// The user's current record (role or unit may have changed since login).
    fn user(&self, conn: ConnId) -> Option<User> {
        let id = self.state().conns.get(&conn)?.id.clone();
        self.catalog.get().user(&id).cloned()
    }
}

/// The report a document is, if it is one whose content matches its id.
fn report_of(id: &DocumentId, doc: &Automerge) -> Option<ReportMeta> {
    ReportMeta::read(doc)
        .ok()
        .filter(|m| m.key.document_id() == *id)
}

impl AccessPolicy for ServerPolicy {
    fn may_read(&self, conn: ConnId, id: &DocumentId, doc: &Automerge) -> bool {
        let Some(user) = self.user(conn) else {
            return false;
        };
        match report_of(id, doc) {
            Some(meta) => access(&self.catalog.get().tree, &user, &meta.key.unit) >= Access::Read,
            None => self.state().owners.get(id) == Some(&user.id),
        }
    }

    fn may_write(
        &self,
        conn: ConnId,
        id: &DocumentId,
        before: &Automerge,
        after: &Automerge,
    ) -> Verdict {
        let Some(user) = self.user(conn) else {
            return Verdict::refuse("not logged in");
        };
        match self.judge(&user, id, before, after) {
            Ok(learnt) => Verdict::accept(learnt),
            Err(r) => {
                // Who sent what: a refused change is kept by its sender, so
                // the log is where an administrator sees a misbehaving client.
                tracing::warn!(user = %user.id, doc = %id, reason = %r.code, "change refused: {}", r.detail);
                Verdict::refuse(r.code)
            }
        }
    }
}

/// Why a change is refused: `code` goes to the sender, `detail` to the log.
struct Refused {
    code: String,
    detail: String,
}

impl From<String> for Refused {
    fn from(detail: String) -> Refused {
        Refused {
            code: detail.clone(),
            detail,
        }
    }
}

impl From<&str> for Refused {
    fn from(detail: &str) -> Refused {
        Refused::from(detail.to_string())
    }
}

fn refused(code: &str, detail: impl std::fmt::Display) -> Refused {
    Refused {
        code: code.to_string(),
        detail: detail.to_string(),
    }
}

impl ServerPolicy {
    /// The shape of `template`'s reports, knowing its older versions.
    fn shape<'t>(catalog: &'t Catalog, template: &'t Template) -> Shape<'t> {
        Shape::new(template)
            .with_older_versions(catalog.older.get(&template.id).into_iter().flatten())
    }

    fn judge(
        &self,
        user: &User,
        id: &DocumentId,
        before: &Automerge,
        after: &Automerge,
    ) -> Result<Vec<Learnt>, Refused> {
        let mut learnt = Vec::new();
        if report_of(id, before).is_some() && report_of(id, after).is_none() {
            return Err(refused(
                ShapeReason::Identity.code(),
                "the change leaves no report identity matching the document id",
            ));
        }
        match report_of(id, after) {
            Some(meta) => {
                let dir = self.catalog.get();
                let unit = &meta.key.unit;
                // A closed round locks its reports for everyone, the
                // reviewer included, until it is reopened.
                if dir.round_closed(&meta.key.template, &meta.key.period, unit) {
                    return Err(refused(
                        Refusal::RoundClosed.code(),
                        format!(
                            "the round {} {} is closed",
                            meta.key.template, meta.key.period
                        ),
                    ));
                }
                // An administrator may only repair (correct values that
                // break their fields' rules), judged below.
                let repair_only = !allowed(&dir.tree, user, unit, Action::Write)
                    && allowed(&dir.tree, user, unit, Action::Repair);
                if !allowed(&dir.tree, user, unit, Action::Write) && !repair_only {
                    return Err(format!("{} may not write reports of {unit}", user.id).into());
                }
                // Shape and types, as the product writes them, whoever sent
                // the change. A report of a template this server does not
                // know is only stored.
                if let Some(template) = dir.templates.get(&meta.key.template) {
                    Self::shape(&dir, template)
                        .check(before, after)
                        .map_err(|e| refused(e.code(), &e))?;
                }
                if repair_only {
                    let template = dir.templates.get(&meta.key.template).ok_or_else(|| {
                        refused(
                            Refusal::NotARepair.code(),
                            "a report of a template not served here cannot be repaired",
                        )
                    })?;
                    match (ReportView::read(before), ReportView::read(after)) {
                        (Ok(b), Ok(a)) => {
                            check_repair(template, &b, &a).map_err(|r| refused(r.code(), r))?
                        }
                        _ => return Err(refused(Refusal::NotARepair.code(), "unreadable report")),
                    }
                }
                let rights = Rights {
                    write: true,
                    review: allowed(&dir.tree, user, unit, Action::Approve),
                };
                let was = Status::of(report_of(id, before).and_then(|m| m.status).as_deref());
                let is = Status::of(meta.status.as_deref());
                // The same rule the phone applies before offering an edit;
                // the code tells the phone why, in its user's language.
                check_change(was, is, rights).map_err(|r| r.code().to_string())?;
                let history = |d: &Automerge| ReportView::history_of(d).unwrap_or_default();
                check_history(&history(before), &history(after), &user.id)
                    .map_err(|r| r.code().to_string())?;
                // A submitted or approved report stays within its fields'
                // limits (the README says why this is refused rather than
                // turned back into a draft).
                const HELD: [Status; 2] = [Status::Submitted, Status::Approved];
                if HELD.contains(&is)
                    && ReportMeta::edited_while(before, after, &HELD)
                    && let Some(template) = dir.templates.get(&meta.key.template)
                    && let (Ok(b), Ok(a)) = (ReportView::read(before), ReportView::read(after))
                {
                    check_limits_kept(template, &b, &a).map_err(|r| r.code().to_string())?;
                }
                // A submission is validated as on the phone (reading the
                // whole report only then: this runs for every sync change).
                // A report of a template this server does not know is only
                // stored.
                if submits(was, is)
                    && let Some(template) = dir.templates.get(&meta.key.template)
                    && let Ok(view) = ReportView::read(after)
                {
                    let kind = dir.tree.get(unit).map(|u| u.kind.as_str()).unwrap_or("");
                    check_submission(template, &view, template.role_for(kind))
                        .map_err(|r| r.code().to_string())?;
                }
            }
            None => {
                let state = self.state();
                match state.owners.get(id) {
                    Some(owner) if *owner != user.id => {
                        return Err(format!("document {id} belongs to another user").into());
                    }
                    Some(_) => {}
                    None if before.get_heads().is_empty() => learnt.push(Learnt::Owner {
                        doc: *id,
                        user: user.id.clone(),
                    }),
                    None => return Err(format!("document {id} has no owner").into()),
                }
            }
        }
        // Attribution: the new changes' actors are this user's, and no one else's.
        let mut state = self.state();
        for change in after.get_changes(&before.get_heads()) {
            let actor = change.actor_id().to_hex_string();
            match state.actors.get(&actor) {
                Some(owner) if *owner != user.id => {
                    return Err(format!(
                        "changes signed with actor {actor}, which belongs to another user"
                    )
                    .into());
                }
                Some(_) => {}
                None => {
                    if !learnt
                        .iter()
                        .any(|l| matches!(l, Learnt::Actor { actor: a, .. } if *a == actor))
                    {
                        learnt.push(Learnt::Actor {
                            actor,
                            user: user.id.clone(),
                        });
                    }
                }
            }
        }
        for l in &learnt {
            match l {
                Learnt::Actor { actor, user } => {
                    state.actors.insert(actor.clone(), user.clone());
                }
                Learnt::Owner { doc, user } => {
                    state.owners.insert(*doc, user.clone());
                }
            }
        }
        Ok(learnt)
    }
}
