//! The user's reports for the open rounds, each with its progress and where
//! its data is; reviewers also get the link to their unit's summary page.
//! Opening the list loads (and so syncs) every listed report, so a report is
//! on the phone before the officer walks out of signal.

use crate::app::Persistence;
use crate::components::login::logout_button;
use crate::components::start::{directory_missing, role_label};
use crate::components::sync_status::doc_sync_badge;
use crate::directory::{Assignment, Directory};
use crate::dom::{View, dynamic, el, untrack};
use crate::format::{period_label, status};
use crate::i18n::{T, t, use_lang};
use crate::reactive::*;
use crate::route::use_router;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use shared::ReportKey;
use shared::template::Role;
use shared::validate::progress;
use std::sync::Arc;

/// The report list screen.
pub fn report_list() -> View {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let router = use_router();
    Effect::new(move |_| {
        if session.user_id.with(Option::is_none) {
            router.go("/", true);
        }
    });
    let sign_out = move |_| session.sign_out();
    dynamic(move || {
        let Some(dir) = session.directory.get() else {
            return untrack(directory_missing);
        };
        let Some(user) = session.user() else {
            return el("p").class("notice").dyn_text(t(T::NoUserChosen)).into();
        };
        let accounts = session.accounts.get() == Some(true);
        untrack(move || {
            let assignments = dir.assignments(&user);
            let role = user.role;
            let unit = dir.unit_name(&user.unit);
            let rounds = if assignments.is_empty() {
                el("p").class("notice").dyn_text(t(T::NoReports)).into()
            } else {
                assignments
                    .into_iter()
                    .map(|a| round_rows(dir.clone(), a))
                    .collect::<View>()
            };
            let switch = if accounts {
                logout_button()
            } else {
                el("a")
                    .class("switch-user")
                    .attr("href", "/")
                    .on("click", sign_out)
                    .dyn_text(t(T::SwitchUser))
                    .into()
            };
            el("section")
                .class("list")
                .child(
                    el("div")
                        .class("who")
                        .child(
                            el("div").child(el("strong").text(&user.name)).child(
                                el("span")
                                    .class("who-meta")
                                    .dyn_text(move || role_label(lang.get(), role))
                                    .text(" · ")
                                    .text(&unit),
                            ),
                        )
                        .child(switch),
                )
                .child(el("h1").dyn_text(t(T::MyReports)))
                .child(el("ul").class("report-list").child(rounds))
                .child(storage_note())
                .into()
        })
    })
}

/// Whether the phone's copy is safe from the browser's storage eviction.
fn storage_note() -> View {
    let Persistence(persisted) = expect_context::<Persistence>();
    dynamic(move || {
        persisted.get().map(|granted| {
            let key = if granted {
                T::StoragePersisted
            } else {
                T::StorageNotPersisted
            };
            el("p")
                .class(if granted {
                    "storage-note"
                } else {
                    "storage-note warn"
                })
                .testid("storage-persist")
                .attr("data-persisted", &granted.to_string())
                .dyn_text(t(key))
        })
    })
}

/// One round: the user's own report and/or the summary link.
fn round_rows(dir: Arc<Directory>, assignment: Assignment) -> View {
    let round = assignment.round.clone();
    let own = assignment
        .own
        .clone()
        .map(|(key, role)| report_row(dir.clone(), key, role, round.deadline));
    let summary = assignment.summary_of.clone().map(|unit| {
        let href = format!("/district/{}/{}/{unit}", round.template, round.period);
        let name = dir.unit_name(&unit);
        let period = round.period.clone();
        let lang = use_lang();
        el("li").child(
            el("a")
                .class("district-link")
                .attr("href", &href)
                .testid("district-page")
                .child(
                    el("span")
                        .class("row-title")
                        .dyn_text(t(T::DistrictPage))
                        .text(" — ")
                        .text(&name),
                )
                .child(
                    el("span")
                        .class("row-sub")
                        .dyn_text(move || period_label(lang.get(), &period))
                        .text(" · ")
                        .dyn_text(t(T::DistrictPageHint)),
                ),
        )
    });
    let mut view = View::from(own);
    view.push(summary);
    view
}

/// A report the user fills in.
fn report_row(
    dir: Arc<Directory>,
    key: ReportKey,
    role: Role,
    deadline: Option<shared::Date>,
) -> View {
    let sync = expect_context::<SyncLoop>();
    let lang = use_lang();
    let id = key.document_id();
    sync.open(id);
    let Some(template) = dir.template(&key.template).cloned() else {
        return View::empty();
    };
    let rev = Memo::new(move |_| sync.snapshot().with(|s| s.doc(&id).map(|d| d.rev)));
    let total_template = template.clone();
    let summary = Memo::new(move |_| {
        // Read (not just track) the memo: an unread memo never updates.
        let _ = rev.get();
        let view = sync.view(&id).unwrap_or_default();
        let (filled, total) = progress(&total_template, &view, role);
        (filled, total, view.status)
    });
    let href = format!("/report/{}/{}/{}", key.template, key.period, key.unit);
    let unit_name = dir.unit_name(&key.unit);
    let title = template.title.clone();
    let title_en = template.title_en.clone();
    let period = key.period.clone();
    el("li")
        .child(
            el("a")
                .class("report-row")
                .attr("href", &href)
                .testid(&format!("report-{}", key.unit))
                .child(el("span").class("row-title").text(&unit_name))
                .child(
                    el("span")
                        .class("row-sub")
                        .dyn_text(move || lang.get().pick(&title, title_en.as_deref()).to_string())
                        .text(" · ")
                        .dyn_text(move || period_label(lang.get(), &period)),
                )
                .child(
                    el("span")
                        .class("row-meta")
                        .child(
                            el("span")
                                .class("progress")
                                .testid("report-progress")
                                .dyn_text(move || summary.with(|(f, t, _)| format!("{f}/{t}")))
                                .text(" ")
                                .dyn_text(t(T::Progress)),
                        )
                        .child(el("span").class("status").dyn_text(move || {
                            summary.with(|(_, _, s)| status(lang.get(), s.as_deref()))
                        }))
                        .child(deadline.map(|d| {
                            el("span")
                                .class("deadline")
                                .dyn_text(t(T::Deadline))
                                .text(" ")
                                .text(&d.to_vn())
                        })),
                )
                .child(doc_sync_badge(id)),
        )
        .into()
}
