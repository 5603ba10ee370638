//! The reviewer's parts of the district page: who has submitted, when and
//! whether on time, and the values set concurrently in the round's reports
//! with who set each (resolved on the report's form, by one synced edit).

use crate::api;
use crate::directory::Directory;
use crate::format::{date_time, status, value};
use crate::i18n::{T, t, use_lang};
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use shared::Template;
use shared::review::{Completeness, ReportConflicts};
use std::sync::Arc;

/// Loads `fetch` whenever the sync loop (re)connects.
fn on_each_connection<T: 'static, F>(
    query: (String, String, String),
    fetch: fn(String, String, String) -> F,
) -> LocalResource<Result<T, api::ApiError>>
where
    F: std::future::Future<Output = Result<T, api::ApiError>> + 'static,
{
    let sync = expect_context::<SyncLoop>();
    let connections = Memo::new(move |_| sync.snapshot().with(|s| s.connections));
    LocalResource::new(move || {
        let _ = connections.get();
        let (t, p, u) = query.clone();
        fetch(t, p, u)
    })
}

/// Every reporting unit: state, last sync, submission time, on time or late.
#[component]
pub fn SubmissionTable(template: String, period: String, unit: String) -> impl IntoView {
    let lang = use_lang();
    let data = on_each_connection((template, period, unit), |t, p, u| async move {
        api::completeness(&t, &p, &u).await
    });
    move || match data.get() {
        None => view! { <p class="notice">{t(T::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="notice error">{e.message(lang.get())}</p> }.into_any(),
        Some(Ok(c)) => submission_rows(c).into_any(),
    }
}

fn submission_rows(c: Completeness) -> impl IntoView {
    let lang = use_lang();
    let deadline = c.deadline.to_vn();
    let rows = c
        .units
        .into_iter()
        .map(|u| {
            let state = u.state.as_str();
            let timely = match u.on_time {
                Some(true) => Some((T::OnTime, "ok")),
                Some(false) => Some((T::Late, "error")),
                None => None,
            };
            view! {
                <tr data-testid=format!("submission-{}", u.unit)>
                    <td>{u.unit_name}</td>
                    <td class=format!("status-{state}")>{move || status(lang.get(), Some(state))}</td>
                    <td>{u.last_sync.map(date_time)}</td>
                    <td>{u.submitted_at.map(date_time)}</td>
                    <td>
                        {timely
                            .map(|(k, class)| {
                                view! { <span class=format!("badge {class}")>{t(k)}</span> }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="sub">{t(T::Deadline)} ": " {deadline}</p>
        <table class="submissions" data-testid="submissions">
            <thead>
                <tr>
                    <th>{t(T::Communes)}</th>
                    <th>{t(T::Status)}</th>
                    <th>{t(T::LastSync)}</th>
                    <th>{t(T::SubmittedAt)}</th>
                    <th>{t(T::Deadline)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The round's conflicts: each value with who set it and when.
#[component]
pub fn ConflictList(
    dir: Arc<Directory>,
    template: Arc<Template>,
    period: String,
    unit: String,
) -> impl IntoView {
    let lang = use_lang();
    let data = on_each_connection(
        (template.id.clone(), period.clone(), unit),
        |t, p, u| async move { api::conflicts(&t, &p, &u).await },
    );
    move || match data.get() {
        None => view! { <p class="notice">{t(T::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="notice error">{e.message(lang.get())}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="notice" data-testid="no-conflicts">{t(T::NoConflicts)}</p> }
                .into_any()
        }
        Some(Ok(list)) => {
            let items = list
                .into_iter()
                .map(|r| report_conflicts(&dir, &template, &period, r))
                .collect_view();
            view! { <ul class="conflict-list" data-testid="conflict-list">{items}</ul> }.into_any()
        }
    }
}

fn report_conflicts(
    dir: &Directory,
    template: &Template,
    period: &str,
    r: ReportConflicts,
) -> impl IntoView {
    let lang = use_lang();
    let href = format!("/report/{}/{period}/{}", template.id, r.unit);
    let lines = r
        .conflicts
        .into_iter()
        .map(|c| {
            let field = template.field(&c.field).map(|(f, _)| f.clone());
            let values = c
                .values
                .into_iter()
                .map(|v| {
                    let who = v
                        .user_name
                        .or(v.user)
                        .unwrap_or_else(|| v.actor.chars().take(8).collect());
                    let shown = field.as_ref().filter(|_| c.column.is_none()).map_or_else(
                        || v.value.display_vi(),
                        |f| value(lang.get_untracked(), &f.ty, &v.value),
                    );
                    view! {
                        <li>
                            <strong>{shown}</strong>
                            " · "
                            {who}
                            " · "
                            {date_time(v.at)}
                        </li>
                    }
                })
                .collect_view();
            let label = field.map_or_else(
                || c.field.clone(),
                |f| {
                    lang.get_untracked()
                        .pick(&f.label, f.label_en.as_deref())
                        .to_string()
                },
            );
            view! {
                <li data-testid=format!("conflict-{}-{}", r.unit, c.field)>
                    {label}
                    <ul>{values}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="unit-row">
            <div class="unit-head">
                <span class="unit-name">{dir.unit_name(&r.unit)}</span>
                <a href=href>{t(T::OpenToResolve)}</a>
            </div>
            <ul>{lines}</ul>
        </li>
    }
}
