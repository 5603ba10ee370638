//! The consolidated report on the district page: the buttons that save it
//! (.docx) and the round's data (.xlsx, CSV), and a preview of its text next
//! to the narratives the consolidating unit writes into it.
//!
//! The exports need the session token, which a plain link cannot carry, so
//! each button fetches its file with the token and hands it to the browser
//! ([`crate::download`]). The preview is the structured document the server
//! renders for every format (`/api/export/json`, the one `render` the .docx
//! is written from), so what the reviewer reads here is what the .docx says;
//! it reloads when the unit's own edits reach the server.

use crate::api;
use crate::components::field::FieldView;
use crate::directory::Directory;
use crate::editor::Editor;
use crate::i18n::{T, t, use_lang};
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::access::{Action, allowed};
use shared::report_text::{Block, BlockKind, Document, Run, RunKind, superscript};
use shared::template::{FieldType, Role};
use shared::workflow::{Rights, Status, may_edit};
use shared::{ReportKey, Template};
use std::sync::Arc;

/// The downloads: the endpoint's format word and the button's label.
const EXPORTS: [(&str, T); 3] = [
    ("docx", T::DownloadDocx),
    ("xlsx", T::DownloadXlsx),
    ("csv", T::DownloadCsv),
];

/// The download buttons of a round. Each is busy while its own file is
/// on its way; a failure is said under them, in the user's language.
#[component]
pub fn ExportButtons(template: String, period: String, unit: String) -> impl IntoView {
    let lang = use_lang();
    let failed = RwSignal::new(None::<String>);
    let buttons = EXPORTS
        .iter()
        .map(|&(format, label)| {
            let busy = RwSignal::new(false);
            let query = (template.clone(), period.clone(), unit.clone());
            let on_click = move |_| {
                if busy.get_untracked() {
                    return;
                }
                busy.set(true);
                failed.set(None);
                let (t, p, u) = query.clone();
                spawn_local(async move {
                    let saved = match api::export_file(format, &t, &p, &u).await {
                        Ok(file) => {
                            // The server names its files; this is the same
                            // name, for a server that did not say.
                            let name = file
                                .file_name
                                .unwrap_or_else(|| format!("{t}_{p}_{u}.{format}"));
                            crate::download::save(&file.bytes, &file.content_type, &name)
                        }
                        Err(e) => Err(e.message(lang.get_untracked())),
                    };
                    busy.set(false);
                    if let Err(e) = saved {
                        failed.set(Some(e));
                    }
                });
            };
            view! {
                <button
                    type="button"
                    class="export"
                    data-testid=format!("export-{format}")
                    aria-busy=move || busy.get().to_string()
                    prop:disabled=move || busy.get()
                    on:click=on_click
                >
                    {move || if busy.get() { T::Downloading } else { label }.get(lang.get())}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="exports" data-testid="exports">
            {buttons}
        </div>
        {move || {
            failed
                .get()
                .map(|e| {
                    view! {
                        <p class="notice error" role="alert" data-testid="export-error">
                            {t(T::DownloadFailed)}
                            ": "
                            {e}
                        </p>
                    }
                })
        }}
    }
}

/// The report's preview, beside the consolidating unit's own narratives
/// when the template gives it some (and it may open its report).
#[component]
pub fn ReportWorkspace(
    dir: Arc<Directory>,
    template: Arc<Template>,
    period: String,
    unit: String,
) -> impl IntoView {
    let key = ReportKey::new(&template.id, &unit, &period);
    let own = dir.role_of(&template, &unit) == Role::Consolidating
        && template.has_fields_for(Role::Consolidating);
    let class = if own {
        "report-workspace"
    } else {
        "report-workspace single"
    };
    view! {
        <div class=class>
            {own.then(|| view! { <OwnNarratives dir template key=key.clone() /> })}
            <ReportPreview key />
        </div>
    }
}

/// The narratives of the consolidating unit's own report, edited here as on
/// its report form (the same fields, synced the same way), and a link to
/// that form for the rest (its own figures, document number, signer).
#[component]
fn OwnNarratives(dir: Arc<Directory>, template: Arc<Template>, key: ReportKey) -> impl IntoView {
    let sync = expect_context::<SyncLoop>();
    let session = expect_context::<Session>();
    let ed = Editor::new(sync, key.clone(), template.clone(), Role::Consolidating);
    provide_context(ed.clone());
    let me = session
        .user_id
        .get_untracked()
        .and_then(|id| dir.user(&id).cloned());
    let rights = me.map_or_else(Rights::default, |u| Rights {
        write: allowed(&dir.org, &u, &key.unit, Action::Write),
        review: allowed(&dir.org, &u, &key.unit, Action::Approve),
    });
    let state = Memo::new(move |_| ed.view.with(|v| v.status.clone()));
    let read_only = Memo::new(move |_| !may_edit(Status::of(state.get().as_deref()), rights));
    let fields = template
        .sections
        .iter()
        .filter(|s| s.scope.includes(Role::Consolidating))
        .flat_map(|s| &s.fields)
        .filter(|f| f.ty == FieldType::Narrative)
        .map(|f| view! { <FieldView field=f.clone() /> })
        .collect_view();
    let href = format!("/report/{}/{}/{}", key.template, key.period, key.unit);
    view! {
        <section class="own-narratives" data-testid="own-narratives">
            <h3>{t(T::OwnNarratives)}</h3>
            <fieldset class="plain" prop:disabled=move || read_only.get()>
                {fields}
            </fieldset>
            <a href=href data-testid="open-own-report">
                {t(T::OpenOwnReport)}
            </a>
        </section>
    }
}

/// The consolidated report as the server renders it now. Reloads on each
/// reconnection, when the unit's own report is on the server again after
/// an edit, and on request (other units' data changes on the server).
#[component]
fn ReportPreview(key: ReportKey) -> impl IntoView {
    let sync = expect_context::<SyncLoop>();
    let lang = use_lang();
    let id = key.document_id();
    let connections = Memo::new(move |_| sync.snapshot().with(|s| s.connections));
    // The revision of the own report the server last confirmed holding:
    // changes only when an edit has reached the server, not on every key.
    let stored = Memo::new(move |prev: Option<&Option<u64>>| {
        let now = sync
            .snapshot()
            .with(|s| s.doc(&id).filter(|d| d.on_server).map(|d| d.rev));
        now.or_else(|| prev.copied().flatten())
    });
    let refresh = RwSignal::new(0u32);
    let document = LocalResource::new(move || {
        let _ = (connections.get(), stored.get(), refresh.get());
        let key = key.clone();
        async move { api::report_document(&key.template, &key.period, &key.unit).await }
    });
    let shown = move || match document.get() {
        None => view! { <p class="notice">{t(T::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! {
            <p class="notice error" data-testid="report-preview-error">
                {e.message(lang.get())}
            </p>
        }
        .into_any(),
        Some(Ok(doc)) => document_view(doc).into_any(),
    };
    view! {
        <section class="preview">
            <div class="preview-head">
                <h3>{t(T::ReportPreview)}</h3>
                <button
                    type="button"
                    class="refresh"
                    data-testid="report-preview-refresh"
                    on:click=move |_| refresh.update(|n| *n += 1)
                >
                    {t(T::Refresh)}
                </button>
            </div>
            <p class="help">{t(T::ReportPreviewHint)}</p>
            {shown}
        </section>
    }
}

/// The document laid out as a page, its parts in the reading order of its
/// plain text (header, body, recipients, signature, footnotes), so the
/// page reads exactly as the .docx and the text export do.
fn document_view(doc: Document) -> impl IntoView {
    let lines = |items: Vec<String>| {
        items
            .into_iter()
            .map(|l| view! { <p>{l}</p> })
            .collect_view()
    };
    let body = doc.body.into_iter().map(block_view).collect_view();
    let notes = doc
        .footnotes
        .into_iter()
        .map(|n| {
            view! {
                <p class="doc-note" data-testid=format!("report-note-{}", n.number)>
                    <span class="note-ref">{superscript(n.number)}</span>
                    " "
                    {n.text}
                </p>
            }
        })
        .collect_view();
    view! {
        <article class="report-preview" lang="vi" data-testid="report-preview">
            <header class="doc-head">
                <div class="doc-issuer">{lines(doc.issuer)} <p>{doc.number}</p></div>
                <div class="doc-national">
                    {lines(doc.national)} <p class="doc-place">{doc.place_date}</p>
                </div>
            </header>
            <p class="doc-kind">{doc.kind}</p>
            <p class="doc-subject">{doc.subject}</p>
            <div class="doc-body">{body}</div>
            <footer class="doc-end">
                <div class="doc-recipients">
                    <p class="doc-recipients-title">{doc.recipients_title}</p>
                    {lines(doc.recipients)}
                </div>
                <div class="doc-signature">
                    {lines(doc.signature)} <p class="doc-signer">{doc.signer}</p>
                </div>
            </footer>
            <div class="doc-notes">{notes}</div>
        </article>
    }
}

/// A heading or paragraph; the consolidating unit's own paragraphs are
/// marked (they are theirs to change), figures and names are highlighted.
fn block_view(block: Block) -> AnyView {
    let runs = block.runs.into_iter().map(run_view).collect_view();
    match block.kind {
        BlockKind::Heading { level } => {
            view! { <p class=format!("doc-heading doc-h{level}")>{runs}</p> }.into_any()
        }
        BlockKind::Paragraph => view! { <p class="doc-paragraph">{runs}</p> }.into_any(),
        BlockKind::Narrative { field } => view! {
            <p class="doc-paragraph doc-narrative" data-field=field>
                {runs}
            </p>
        }
        .into_any(),
    }
}

fn run_view(run: Run) -> AnyView {
    match run.kind {
        RunKind::Text => run.text.into_any(),
        RunKind::Value { source } => {
            view! { <span class="doc-value" data-source=source>{run.text}</span> }.into_any()
        }
        RunKind::NoteRef { number } => {
            view! { <span class="note-ref">{superscript(number)}</span> }.into_any()
        }
    }
}
