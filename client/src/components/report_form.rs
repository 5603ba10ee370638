//! The report form, rendered from the template: the sections the unit fills
//! in (by its role), collapsible, with validation next to each field, a note
//! when values were changed concurrently, and submission.

use crate::components::field::field_view;
use crate::components::review::{history, refused_banner, workflow_bar};
use crate::components::start::directory_missing;
use crate::components::sync_status::doc_sync_badge;
use crate::directory::Directory;
use crate::dom::{View, dynamic, el, untrack};
use crate::editor::Editor;
use crate::format::{date_time, period_label, status, value};
use crate::i18n::{Lang, T, errors_count, t, use_lang};
use crate::reactive::*;
use crate::route::ReportRef;
use crate::sync_loop::SyncLoop;
use shared::access::{Action, allowed};
use shared::report::Conflict;
use shared::report::migrate::{self, Retired};
use shared::template::{FieldType, Section};
use shared::validate::{Severity, progress};
use shared::workflow::{Rights, Status, may_edit};
use shared::{ReportKey, Template};
use std::sync::Arc;

/// `/report/:template/:period/:unit`.
pub fn report_page(
    // The report the URL names.
    at: ReportRef,
) -> View {
    let session = expect_context::<crate::session::Session>();
    dynamic(move || {
        let dir = session.directory.get();
        untrack(|| {
            let Some(dir) = dir else {
                return directory_missing();
            };
            let found = at
                .template_in(&dir)
                .map(|template| (ReportKey::new(&at.template, &at.unit, &at.period), template));
            match found {
                Some((key, template)) => report_form(dir.clone(), key, Arc::new(template)),
                None => el("p").class("notice").dyn_text(t(T::UnknownReport)).into(),
            }
        })
    })
}

/// The form of one report.
pub fn report_form(dir: Arc<Directory>, key: ReportKey, template: Arc<Template>) -> View {
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
    let read_only = Memo::new(move |_| !may_edit(Status::of(state.get().as_deref()), rights));
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
        .map(|s| section_view(s.clone(), all_open))
        .collect::<View>();
    let error = ed.error;
    el("section")
        .class("report")
        .testid("report-form")
        .child(
            el("div")
                .class("form-head")
                .child(
                    el("a")
                        .class("back")
                        .attr("href", "/reports")
                        .text("← ")
                        .dyn_text(t(T::BackToList)),
                )
                .child(el("h1").text(&dir.unit_name(&key.unit)))
                .child(
                    el("p")
                        .class("sub")
                        .dyn_text(move || lang.get().pick(&title, title_en.as_deref()).to_string())
                        .text(" · ")
                        .dyn_text(move || period_label(lang.get(), &period)),
                )
                .child(
                    el("div")
                        .class("form-meta")
                        .child(
                            el("span")
                                .class("status")
                                .testid("report-status")
                                .dyn_text(move || status(lang.get(), state.get().as_deref())),
                        )
                        .child(
                            el("span")
                                .class("progress")
                                .testid("form-progress")
                                .dyn_text(move || counts.with(|(f, t)| format!("{f}/{t}")))
                                .text(" ")
                                .dyn_text(t(T::Progress)),
                        )
                        .child(doc_sync_badge(id)),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("toggle-all")
                        .testid("toggle-sections")
                        .dyn_attr("aria-pressed", move || Some((!all_open.get()).to_string()))
                        .on("click", toggle_all)
                        .dyn_text(move || {
                            if all_open.get() {
                                T::CollapseAll
                            } else {
                                T::ExpandAll
                            }
                            .get(lang.get())
                        }),
                ),
        )
        .show(
            move || error.with(Option::is_some),
            move || {
                el("p")
                    .class("alert")
                    .attr("role", "alert")
                    .dyn_text(t(T::EditRefused))
                    .text(": ")
                    .dyn_text(move || error.get().unwrap_or_default())
            },
        )
        .child(refused_banner(id))
        .show(
            move || read_only.get() && rights.write,
            || {
                el("p")
                    .class("notice")
                    .testid("read-only")
                    .dyn_text(t(T::ReadOnlyApproved))
            },
        )
        .child(conflicts(template.clone()))
        .child(
            el("fieldset")
                .class("sections")
                .dyn_prop("disabled", move || read_only.get())
                .child(sections),
        )
        .child(retired_values(template.clone()))
        .child(history(dir.clone()))
        .child(workflow_bar(rights, user))
        .into()
}

/// Whether the report takes no edits from this user now (approved).
#[derive(Clone, Copy)]
struct ReadOnly(Memo<bool>);

/// One section, collapsible, with its error count in the header; follows the
/// form's expand/collapse-all switch whenever it is pressed.
fn section_view(section: Section, all_open: RwSignal<bool>) -> View {
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
    el("details")
        .class("section")
        .dyn_prop("open", move || all_open.get())
        .testid(&format!("section-{}", section.id))
        .child(
            el("summary")
                .child(
                    el("span")
                        .class("section-title")
                        .dyn_text(move || lang.get().pick(&title, title_en.as_deref()).to_string()),
                )
                .show(
                    move || errors.get() != 0,
                    move || {
                        el("span")
                            .class("badge error")
                            .dyn_text(move || errors_count(lang.get(), errors.get()))
                    },
                ),
        )
        .child(
            el("div")
                .class("fields")
                .child(section.fields.into_iter().map(field_view).collect::<View>()),
        )
        .into()
}

/// Values typed under an older version of the template whose field is gone
/// (or whose new place was already filled): kept in the report, shown here.
fn retired_values(template: Arc<Template>) -> View {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let shown = template.clone();
    let retired = Memo::new(move |_| ed.view.with(|v| migrate::retired(&template, v)));
    dynamic(move || {
        if retired.with(Retired::is_empty) {
            return View::empty();
        }
        let lang = lang.get();
        let lines = retired.with(|r| retired_lines(lang, &shown, r));
        untrack(|| {
            let items = lines
                .into_iter()
                .map(|(id, line)| el("li").testid(&format!("retired-{id}")).text(&line))
                .collect::<View>();
            el("details")
                .class("section retired")
                .attr("open", "")
                .testid("retired")
                .child(
                    el("summary").child(
                        el("span")
                            .class("section-title")
                            .text(T::RetiredTitle.get(lang)),
                    ),
                )
                .child(
                    el("div")
                        .class("fields")
                        .child(el("p").class("help").text(T::RetiredHint.get(lang)))
                        .child(el("ul").class("retired-list").child(items)),
                )
                .into()
        })
    })
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
fn conflicts(template: Arc<Template>) -> View {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let conflicts = Memo::new(move |_| ed.view.with(|v| v.conflicts.clone()));
    let ReadOnly(read_only) = expect_context::<ReadOnly>();
    dynamic(move || {
        if conflicts.with(Vec::is_empty) {
            return View::empty();
        }
        let lang = lang.get();
        let editable = !read_only.get();
        let all = conflicts.get();
        untrack(|| {
            let items = all
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
                            el("button")
                                .attr("type", "button")
                                .testid(&testid)
                                .on("click", resolve)
                                .text(T::KeepValue.get(lang))
                                .text(" ")
                                .text(&(i + 1).to_string())
                        })
                        .collect::<View>();
                    el("li")
                        .testid(&format!("conflict-{}", c.field))
                        .text(&conflict_line(lang, &template, &c))
                        .child(editable.then(|| el("div").class("keep").child(keep)))
                })
                .collect::<View>();
            el("div")
                .class("notice conflict")
                .testid("conflicts")
                .child(el("strong").text(T::ConflictTitle.get(lang)))
                .child(el("ul").child(items))
                .child(el("p").text(T::ConflictHint.get(lang)))
                .into()
        })
    })
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
