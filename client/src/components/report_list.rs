//! The user's reports for the open rounds, each with its progress and where
//! its data is; reviewers also get the link to their unit's summary page.
//! Opening the list loads (and so syncs) every listed report, so a report is
//! on the phone before the officer walks out of signal.

use crate::app::Persistence;
use crate::components::login::LogoutButton;
use crate::components::start::{DirectoryMissing, role_label};
use crate::components::sync_status::DocSyncBadge;
use crate::directory::{Assignment, Directory};
use crate::format::{period_label, status};
use crate::i18n::{A, T, t, use_lang};
use crate::route::use_router;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use shared::ReportKey;
use shared::dataset::UserRole;
use shared::template::Role;
use shared::validate::progress;
use std::sync::Arc;

/// The report list screen.
#[component]
pub fn ReportList() -> impl IntoView {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let router = use_router();
    Effect::new(move |_| {
        if session.user_id.with(Option::is_none) {
            router.go("/", true);
        }
    });
    let sign_out = move |_| session.sign_out();
    move || {
        let Some(dir) = session.directory.get() else {
            return view! { <DirectoryMissing /> }.into_any();
        };
        let Some(user) = session.user() else {
            return view! { <p class="notice">{t(T::NoUserChosen)}</p> }.into_any();
        };
        let assignments = dir.assignments(&user);
        let role = user.role;
        let unit = dir.unit_name(&user.unit);
        let rounds = if assignments.is_empty() {
            view! { <p class="notice">{t(T::NoReports)}</p> }.into_any()
        } else {
            assignments
                .into_iter()
                .map(|a| view! { <RoundRows dir=dir.clone() assignment=a /> })
                .collect_view()
                .into_any()
        };
        view! {
            <section class="list">
                <div class="who">
                    <div>
                        <strong>{user.name.clone()}</strong>
                        <span class="who-meta">
                            {move || role_label(lang.get(), role)} " · " {unit}
                        </span>
                    </div>
                    {if session.accounts.get() == Some(true) {
                        view! { <LogoutButton /> }.into_any()
                    } else {
                        view! {
                            <a class="switch-user" href="/" on:click=sign_out>
                                {t(T::SwitchUser)}
                            </a>
                        }
                            .into_any()
                    }}
                </div>
                {(role == UserRole::Admin)
                    .then(|| {
                        view! {
                            <a class="district-link" href="/admin/rounds" data-testid="open-admin">
                                {t(A::OpenAdmin)}
                            </a>
                        }
                    })}
                <h1>{t(T::MyReports)}</h1>
                <ul class="report-list">{rounds}</ul>
                <StorageNote />
            </section>
        }
        .into_any()
    }
}

/// Whether the phone's copy is safe from the browser's storage eviction.
#[component]
fn StorageNote() -> impl IntoView {
    let Persistence(persisted) = expect_context::<Persistence>();
    move || {
        persisted.get().map(|granted| {
            let key = if granted {
                T::StoragePersisted
            } else {
                T::StorageNotPersisted
            };
            view! {
                <p
                    class=if granted { "storage-note" } else { "storage-note warn" }
                    data-testid="storage-persist"
                    data-persisted=granted.to_string()
                >
                    {t(key)}
                </p>
            }
        })
    }
}

/// One round: the user's own report and/or the summary link.
#[component]
fn RoundRows(dir: Arc<Directory>, assignment: Assignment) -> impl IntoView {
    let round = assignment.round.clone();
    let own = assignment.own.clone().map(|(key, role)| {
        view! { <ReportRow dir=dir.clone() key=key role=role deadline=round.deadline /> }
    });
    let summary = assignment.summary_of.clone().map(|unit| {
        let href = format!("/district/{}/{}/{unit}", round.template, round.period);
        let name = dir.unit_name(&unit);
        let period = round.period.clone();
        let lang = use_lang();
        view! {
            <li>
                <a class="district-link" href=href data-testid="district-page">
                    <span class="row-title">{t(T::DistrictPage)} " — " {name}</span>
                    <span class="row-sub">
                        {move || period_label(lang.get(), &period)} " · " {t(T::DistrictPageHint)}
                    </span>
                </a>
            </li>
        }
    });
    view! {
        {own}
        {summary}
    }
}

/// A report the user fills in.
#[component]
fn ReportRow(
    dir: Arc<Directory>,
    key: ReportKey,
    role: Role,
    deadline: Option<shared::Date>,
) -> impl IntoView {
    let sync = expect_context::<SyncLoop>();
    let lang = use_lang();
    let id = key.document_id();
    sync.open(id);
    let Some(template) = dir.template(&key.template).cloned() else {
        return ().into_any();
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
    view! {
        <li>
            <a class="report-row" href=href data-testid=format!("report-{}", key.unit)>
                <span class="row-title">{unit_name}</span>
                <span class="row-sub">
                    {move || lang.get().pick(&title, title_en.as_deref()).to_string()} " · "
                    {move || period_label(lang.get(), &period)}
                </span>
                <span class="row-meta">
                    <span class="progress" data-testid="report-progress">
                        {move || summary.with(|(f, t, _)| format!("{f}/{t}"))} " "
                        {t(T::Progress)}
                    </span>
                    <span class="status">
                        {move || summary.with(|(_, _, s)| status(lang.get(), s.as_deref()))}
                    </span>
                    {deadline
                        .map(|d| {
                            view! {
                                <span class="deadline">{t(T::Deadline)} " " {d.to_vn()}</span>
                            }
                        })}
                </span>
                <DocSyncBadge doc=id />
            </a>
        </li>
    }
    .into_any()
}
