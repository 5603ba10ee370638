//! The editing session of one report: what the form's parts share through
//! context — the report's key and template, the role it is filled in, the
//! current view and validation, and the one way to change it.

use crate::i18n::{Lang, T};
use crate::sync_loop::SyncLoop;
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
    sync: SyncLoop,
    lang: Option<RwSignal<Lang>>,
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
        let rules = template.clone();
        let issues = Memo::new(move |_| view.with(|v| shared::validate::validate(&rules, v, role)));
        let ed = Editor {
            key,
            template,
            role,
            view,
            issues,
            error: RwSignal::new(None),
            show_required: RwSignal::new(false),
            sync,
            lang: use_context::<RwSignal<Lang>>(),
        };
        ed.migrate_when_needed();
        ed
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
        match self.sync.edit(&self.key, &self.template, f) {
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
