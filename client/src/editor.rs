//! The editing session of one report: what the form's parts share through
//! context — the report's key and template, the role it is filled in, the
//! current view and validation, and the one way to change it.
//!
//! An editor either works on the phone's synced copy of a report (the form)
//! or on a scratch document that lives only in this page (the admin's
//! preview of a template): the fields cannot tell the two apart, so the
//! preview is the officer's form itself, not a look-alike.

use crate::i18n::{Lang, T};
use crate::sync_loop::SyncLoop;
use automerge::AutoCommit;
use leptos::prelude::*;
use shared::report::ReportError;
use shared::template::Role;
use shared::validate::{Issue, IssueKind};
use shared::{ReportDoc, ReportKey, ReportView, Template};
use std::sync::Arc;

/// Provided by the report form; read by every field.
#[derive(Clone)]
pub struct Editor {
    /// The report.
    pub key: ReportKey,
    /// Its template.
    pub template: Arc<Template>,
    /// Reporting (commune sections) or consolidating (district sections).
    pub role: Role,
    /// The report as the phone has it now.
    pub view: Memo<ReportView>,
    /// Validation of `view` for `role`.
    pub issues: Memo<Vec<Issue>>,
    /// The last refused edit, shown above the form.
    pub error: RwSignal<Option<String>>,
    /// Whether to flag empty required fields: only after a submission attempt,
    /// so a fresh form is not a wall of red.
    pub show_required: RwSignal<bool>,
    store: Store,
    lang: Option<RwSignal<Lang>>,
}

/// Where the edits go.
#[derive(Clone)]
enum Store {
    /// The phone's copy, stored and synced by the sync loop.
    Synced(SyncLoop),
    /// A document of this page only, with a counter that moves on each edit.
    Scratch(StoredValue<AutoCommit, LocalStorage>, RwSignal<u64>),
}

impl Editor {
    /// A session on `key`; loads the document and keeps `view` current.
    pub fn new(sync: SyncLoop, key: ReportKey, template: Arc<Template>, role: Role) -> Editor {
        let id = key.document_id();
        sync.open(id);
        let rev = Memo::new(move |_| sync.snapshot().with(|s| s.doc(&id).map(|d| d.rev)));
        let empty = ReportView {
            template: key.template.clone(),
            unit: key.unit.clone(),
            period: key.period.clone(),
            ..ReportView::default()
        };
        let view = Memo::new(move |_| {
            // Read (not just track) the memo: an unread memo never updates.
            let _ = rev.get();
            sync.view(&id).unwrap_or_else(|| empty.clone())
        });
        let ed = Editor::with(key, template, role, view, Store::Synced(sync));
        ed.migrate_when_needed();
        ed
    }

    /// A session on a blank report that is never stored nor sent: typing
    /// into it shows the template's validation, and leaving the page drops it.
    pub fn scratch(key: ReportKey, template: Arc<Template>, role: Role) -> Editor {
        let doc = StoredValue::new_local(AutoCommit::new());
        let rev = RwSignal::new(0u64);
        let empty = ReportView {
            template: key.template.clone(),
            unit: key.unit.clone(),
            period: key.period.clone(),
            ..ReportView::default()
        };
        let view = Memo::new(move |_| {
            let _ = rev.get();
            // `document()` ends the pending transaction, hence the update.
            doc.try_update_value(|d| ReportView::read(d.document()).ok())
                .flatten()
                .unwrap_or_else(|| empty.clone())
        });
        Editor::with(key, template, role, view, Store::Scratch(doc, rev))
    }

    fn with(
        key: ReportKey,
        template: Arc<Template>,
        role: Role,
        view: Memo<ReportView>,
        store: Store,
    ) -> Editor {
        let rules = template.clone();
        let issues = Memo::new(move |_| view.with(|v| shared::validate::validate(&rules, v, role)));
        Editor {
            key,
            template,
            role,
            view,
            issues,
            error: RwSignal::new(None),
            show_required: RwSignal::new(false),
            store,
            lang: use_context::<RwSignal<Lang>>(),
        }
    }

    /// Moves values typed under an older template version to their renamed
    /// fields whenever the report holds some: when it opens, and when such
    /// values arrive by sync from a phone still on the old version.
    fn migrate_when_needed(&self) {
        let ed = self.clone();
        Effect::new(move |_| {
            let needed = ed
                .view
                .with(|v| !shared::report::migrate::renames(&ed.template, v).is_empty());
            if needed {
                ed.apply(|r| r.migrate().map(drop));
            }
        });
    }

    /// The issues to show now (see [`Editor::show_required`]).
    pub fn visible(&self, issue: &Issue) -> bool {
        self.show_required.get() || !matches!(issue.kind, IssueKind::Required)
    }

    /// Applies one edit (stored on the phone at once); true if it was accepted.
    pub fn apply(&self, f: impl FnOnce(&mut ReportDoc<'_>) -> Result<(), ReportError>) -> bool {
        let result = match &self.store {
            Store::Synced(sync) => sync.edit(&self.key, &self.template, f),
            Store::Scratch(doc, rev) => {
                let result = doc.try_update_value(|d| {
                    let result = crate::sync_loop::apply_edit(d, &self.key, &self.template, f);
                    if result.is_err() {
                        d.rollback();
                    }
                    result
                });
                rev.update(|n| *n += 1);
                result.unwrap_or_else(|| Err(ReportError::Malformed("the page is gone".into())))
            }
        };
        match result {
            Ok(()) => {
                if self.error.with_untracked(Option::is_some) {
                    self.error.set(None);
                }
                true
            }
            Err(e) => {
                let lang = self.lang.map_or(Lang::Vi, |l| l.get_untracked());
                self.error.set(Some(match e {
                    ReportError::OutOfLimits(_) => T::SubmittedOutOfLimits.get(lang).to_string(),
                    e => e.to_string(),
                }));
                false
            }
        }
    }
}
