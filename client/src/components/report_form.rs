//! The report form, rendered from the template: the sections the unit fills
//! in (by its role), collapsible, with validation next to each field, a note
//! when values were changed concurrently, and submission.

use crate::components::field::FieldView;
use crate::components::review::{History, RefusedBanner, SubmittedNote, WorkflowBar};
use crate::components::start::DirectoryMissing;
use crate::components::sync_status::DocSyncBadge;
use crate::directory::Directory;
use crate::editor::Editor;
use crate::format::{date_time, period_label, status, value};
use crate::i18n::{Lang, T, errors_count, t, use_lang};
use crate::route::ReportRef;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use shared::access::{Action, allowed};
use shared::report::Conflict;
use shared::report::migrate::{self, Retired};
use shared::template::{FieldType, Section};
use shared::validate::{Severity, progress};
use shared::workflow::{Rights, Status, may_edit};
use shared::{ReportKey, Template};
use std::sync::Arc;

/// `/report/:template/:period/:unit`.
#[component]
pub fn ReportPage(
    /// The report the URL names.
    at: ReportRef,
) -> impl IntoView {
    let session = expect_context::<crate::session::Session>();
    move || {
        let Some(dir) = session.directory.get() else {
            return view! { <DirectoryMissing /> }.into_any();
        };
        let found = at
            .template_in(&dir)
            .map(|template| (ReportKey::new(&at.template, &at.unit, &at.period), template));
        match found {
            Some((key, template)) => {
                view! { <ReportForm dir=dir.clone() key template=Arc::new(template) /> }.into_any()
            }
            None => view! { <p class="notice">{t(T::UnknownReport)}</p> }.into_any(),
        }
    }
}

/// The form of one report.
#[component]
pub fn ReportForm(dir: Arc<Directory>, key: ReportKey, template: Arc<Template>) -> impl IntoView {
    let sync = expect_context::<SyncLoop>();
    let lang = use_lang();
    let role = dir.role_of(&template, &key.unit);
    let ed = Editor::new(sync, key.clone(), template.clone(), role);
    provide_context(ed.clone());
    let id = key.document_id();

    let counts = {
        let template = template.clone();
        Memo::new(move |_| ed.view.with(|v| progress(&template, v, role)))
    };
    let state = Memo::new(move |_| ed.view.with(|v| v.status.clone()));
    // What this user may do with this report: the rules the server applies.
    let session = expect_context::<crate::session::Session>();
    let me = session
        .user_id
        .get_untracked()
        .and_then(|id| dir.user(&id).cloned());
    let rights = me.as_ref().map_or_else(Rights::default, |u| Rights {
        write: allowed(&dir.org, u, &key.unit, Action::Write),
        review: allowed(&dir.org, u, &key.unit, Action::Approve),
    });
    let user = me.map(|u| u.id).unwrap_or_default();
    let round_closed = dir.round_closed(&key);
    let read_only =
        Memo::new(move |_| round_closed || !may_edit(Status::of(state.get().as_deref()), rights));
    provide_context(ReadOnly(read_only));
    let title = template.title.clone();
    let title_en = template.title_en.clone();
    let period = key.period.clone();
    // All sections open or closed at once (the officer's thumb on a long form);
    // each section still opens and closes by itself.
    let all_open = RwSignal::new(true);
    let toggle_all = move |_| all_open.update(|open| *open = !*open);
    let sections = template
        .sections
        .iter()
        .filter(|s| s.scope.includes(role))
        .map(|s| view! { <SectionView section=s.clone() all_open /> })
        .collect_view();
    let error = ed.error;
    view! {
        <section class="report" data-testid="report-form">
            <div class="form-head">
                <a class="back" href="/reports">
                    "← "
                    {t(T::BackToList)}
                </a>
                <h1>{dir.unit_name(&key.unit)}</h1>
                <p class="sub">
                    {move || lang.get().pick(&title, title_en.as_deref()).to_string()} " · "
                    {move || period_label(lang.get(), &period)}
                </p>
                <div class="form-meta">
                    <span class="status" data-testid="report-status">
                        {move || status(lang.get(), state.get().as_deref())}
                    </span>
                    <span class="progress" data-testid="form-progress">
                        {move || counts.with(|(f, t)| format!("{f}/{t}"))} " " {t(T::Progress)}
                    </span>
                    <DocSyncBadge doc=id />
                </div>
                <button
                    type="button"
                    class="toggle-all"
                    data-testid="toggle-sections"
                    aria-pressed=move || (!all_open.get()).to_string()
                    on:click=toggle_all
                >
                    {move || {
                        if all_open.get() { T::CollapseAll } else { T::ExpandAll }.get(lang.get())
                    }}
                </button>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert" role="alert">
                    {t(T::EditRefused)} ": " {move || error.get().unwrap_or_default()}
                </p>
            </Show>
            <RefusedBanner doc=id />
            <Show when=move || read_only.get() && rights.write>
                <p class="notice" data-testid="read-only">
                    {t(if round_closed { T::ReadOnlyRoundClosed } else { T::ReadOnlyApproved })}
                </p>
            </Show>
            <SubmittedNote rights />
            <Conflicts template=template.clone() />
            <fieldset class="sections" prop:disabled=move || read_only.get()>
                {sections}
            </fieldset>
            <RetiredValues template=template.clone() />
            <History dir=dir.clone() />
            <WorkflowBar rights user />
        </section>
    }
}

/// Whether the report takes no edits from this user now (approved).
#[derive(Clone, Copy)]
struct ReadOnly(Memo<bool>);

/// One section, collapsible, with its error count in the header; follows the
/// form's expand/collapse-all switch whenever it is pressed.
#[component]
pub fn SectionView(section: Section, all_open: RwSignal<bool>) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let ids: Vec<String> = section.fields.iter().map(|f| f.id.clone()).collect();
    let errors = Memo::new(move |_| {
        ed.issues.with(|all| {
            all.iter()
                .filter(|i| i.severity == Severity::Error && ids.contains(&i.field))
                .filter(|i| ed.visible(i))
                .count()
        })
    });
    let title = section.title.clone();
    let title_en = section.title_en.clone();
    view! {
        <details
            class="section"
            prop:open=move || all_open.get()
            data-testid=format!("section-{}", section.id)
        >
            <summary>
                <span class="section-title">
                    {move || lang.get().pick(&title, title_en.as_deref()).to_string()}
                </span>
                <Show when=move || errors.get() != 0>
                    <span class="badge error">{move || errors_count(lang.get(), errors.get())}</span>
                </Show>
            </summary>
            <div class="fields">
                {section.fields.into_iter().map(|f| view! { <FieldView field=f /> }).collect_view()}
            </div>
        </details>
    }
}

/// Values typed under an older version of the template whose field is gone
/// (or whose new place was already filled): kept in the report, shown here.
#[component]
fn RetiredValues(template: Arc<Template>) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let shown = template.clone();
    let retired = Memo::new(move |_| ed.view.with(|v| migrate::retired(&template, v)));
    move || {
        if retired.with(Retired::is_empty) {
            return ().into_any();
        }
        let lang = lang.get();
        let items = retired
            .with(|r| retired_lines(lang, &shown, r))
            .into_iter()
            .map(|(id, line)| view! { <li data-testid=format!("retired-{id}")>{line}</li> })
            .collect_view();
        view! {
            <details class="section retired" open data-testid="retired">
                <summary>
                    <span class="section-title">{T::RetiredTitle.get(lang)}</span>
                </summary>
                <div class="fields">
                    <p class="help">{T::RetiredHint.get(lang)}</p>
                    <ul class="retired-list">{items}</ul>
                </div>
            </details>
        }
        .into_any()
    }
}

/// "Số quyết định (board_decision): 12/QĐ-UBND" — an old id reads as the
/// label of the field that replaced it, when there is one.
fn retired_lines(lang: Lang, template: &Template, r: &Retired) -> Vec<(String, String)> {
    let name = |id: &str| {
        template
            .fields()
            .find(|(_, f)| f.renamed_from.iter().any(|old| old == id))
            .map_or_else(
                || id.to_string(),
                |(_, f)| format!("{} ({id})", lang.pick(&f.label, f.label_en.as_deref())),
            )
    };
    let mut out = Vec::new();
    for (id, v) in &r.fields {
        out.push((id.clone(), format!("{}: {}", name(id), v.display_vi())));
    }
    for (id, rows) in &r.records {
        for row in rows {
            let cells: Vec<String> = row.values.values().map(|v| v.display_vi()).collect();
            out.push((id.clone(), format!("{}: {}", name(id), cells.join(" · "))));
        }
    }
    for (id, text) in &r.narratives {
        out.push((id.clone(), format!("{}: {text}", name(id))));
    }
    out
}

/// Values set concurrently on different devices: the one shown and the others.
#[component]
fn Conflicts(template: Arc<Template>) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let conflicts = Memo::new(move |_| ed.view.with(|v| v.conflicts.clone()));
    let ReadOnly(read_only) = expect_context::<ReadOnly>();
    move || {
        if conflicts.with(Vec::is_empty) {
            return ().into_any();
        }
        let lang = lang.get();
        let editable = !read_only.get();
        let items = conflicts
            .get()
            .into_iter()
            .map(|c| {
                let keep = c
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let testid = format!("keep-{}-{i}", c.field);
                        let (c, value) = (c.clone(), v.value.clone());
                        let ed = ed.clone();
                        // One put that supersedes every concurrent value,
                        // synced like any edit.
                        let resolve = move |_| {
                            ed.apply(|r| match (&c.record, &c.column) {
                                (Some(rec), Some(col)) => {
                                    r.set_record_value(&c.field, rec, col, Some(&value))
                                }
                                _ => r.set_field(&c.field, Some(&value)),
                            });
                        };
                        view! {
                            <button
                                type="button"
                                data-testid=testid
                                on:click=resolve
                            >
                                {T::KeepValue.get(lang)}
                                " "
                                {i + 1}
                            </button>
                        }
                    })
                    .collect_view();
                view! {
                    <li data-testid=format!("conflict-{}", c.field)>
                        {conflict_line(lang, &template, &c)}
                        {editable.then(|| view! { <div class="keep">{keep}</div> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="notice conflict" data-testid="conflicts">
                <strong>{T::ConflictTitle.get(lang)}</strong>
                <ul>{items}</ul>
                <p>{T::ConflictHint.get(lang)}</p>
            </div>
        }
        .into_any()
    }
}

/// "Số thôn: 7 (10/07/2024 09:12, đang dùng) / 8 (10/07/2024 09:15)".
fn conflict_line(lang: Lang, template: &Template, c: &Conflict) -> String {
    let field = template.field(&c.field).map(|(f, _)| f);
    let mut label = field
        .map(|f| lang.pick(&f.label, f.label_en.as_deref()).to_string())
        .unwrap_or_else(|| c.field.clone());
    let mut ty = field.map(|f| f.ty.clone());
    if let (Some(FieldType::Records { columns, .. }), Some(col)) = (&ty, &c.column) {
        let column = columns.iter().find(|x| &x.id == col);
        label = format!(
            "{label} › {}",
            column.map_or(col.as_str(), |x| lang.pick(&x.label, x.label_en.as_deref()))
        );
        ty = column.map(|x| x.ty.clone());
    }
    let values: Vec<String> = c
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let shown = ty
                .as_ref()
                .map_or_else(|| v.value.display_vi(), |ty| value(lang, ty, &v.value));
            let when = date_time(v.time.saturating_mul(1000));
            if i == 0 {
                format!("{shown} ({when}, {})", T::ConflictShown.get(lang))
            } else {
                format!("{shown} ({when})")
            }
        })
        .collect();
    format!("{label}: {}", values.join(" / "))
}
