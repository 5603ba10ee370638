//! The reviewer's parts of the district page: who has submitted, when and
//! whether on time, and the values set concurrently in the round's reports
//! with who set each (resolved on the report's form, by one synced edit).

use crate::api;
use crate::directory::Directory;
use crate::dom::{View, dynamic, el, text, untrack};
use crate::format::{date_time, status, value};
use crate::i18n::{T, t, use_lang};
use crate::reactive::*;
use crate::sync_loop::SyncLoop;
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
pub fn submission_table(template: String, period: String, unit: String) -> View {
    let lang = use_lang();
    let data = on_each_connection((template, period, unit), |t, p, u| async move {
        api::completeness(&t, &p, &u).await
    });
    dynamic(move || -> View {
        let loaded = data.get();
        untrack(|| match loaded {
            None => el("p").class("notice").dyn_text(t(T::Loading)).into(),
            Some(Err(e)) => el("p")
                .class("notice error")
                .dyn_text(move || e.message(lang.get()))
                .into(),
            Some(Ok(c)) => submission_rows(c),
        })
    })
}

fn submission_rows(c: Completeness) -> View {
    let lang = use_lang();
    let deadline = c.deadline.to_vn();
    let rows =
        c.units
            .into_iter()
            .map(|u| {
                let state = u.state.as_str();
                let timely = match u.on_time {
                    Some(true) => Some((T::OnTime, "ok")),
                    Some(false) => Some((T::Late, "error")),
                    None => None,
                };
                el("tr")
                    .testid(&format!("submission-{}", u.unit))
                    .child(el("td").text(&u.unit_name))
                    .child(
                        el("td")
                            .class(&format!("status-{state}"))
                            .dyn_text(move || status(lang.get(), Some(state))),
                    )
                    .child(el("td").child(u.last_sync.map(|at| text(&date_time(at)))))
                    .child(el("td").child(u.submitted_at.map(|at| text(&date_time(at)))))
                    .child(el("td").child(timely.map(|(k, class)| {
                        el("span").class(&format!("badge {class}")).dyn_text(t(k))
                    })))
            })
            .collect::<View>();
    let mut view = View::from(
        el("p")
            .class("sub")
            .dyn_text(t(T::Deadline))
            .text(": ")
            .text(&deadline),
    );
    view.push(
        el("table")
            .class("submissions")
            .testid("submissions")
            .child(
                el("thead").child(
                    el("tr")
                        .child(el("th").dyn_text(t(T::Communes)))
                        .child(el("th").dyn_text(t(T::Progress)))
                        .child(el("th").dyn_text(t(T::LastSync)))
                        .child(el("th").dyn_text(t(T::SubmittedAt)))
                        .child(el("th").dyn_text(t(T::Deadline))),
                ),
            )
            .child(el("tbody").child(rows)),
    );
    view
}

/// The round's conflicts: each value with who set it and when.
pub fn conflict_list(
    dir: Arc<Directory>,
    template: Arc<Template>,
    period: String,
    unit: String,
) -> View {
    let lang = use_lang();
    let data = on_each_connection(
        (template.id.clone(), period.clone(), unit),
        |t, p, u| async move { api::conflicts(&t, &p, &u).await },
    );
    dynamic(move || -> View {
        let loaded = data.get();
        untrack(|| match loaded {
            None => el("p").class("notice").dyn_text(t(T::Loading)).into(),
            Some(Err(e)) => el("p")
                .class("notice error")
                .dyn_text(move || e.message(lang.get()))
                .into(),
            Some(Ok(list)) if list.is_empty() => el("p")
                .class("notice")
                .testid("no-conflicts")
                .dyn_text(t(T::NoConflicts))
                .into(),
            Some(Ok(list)) => {
                let items = list
                    .into_iter()
                    .map(|r| report_conflicts(&dir, &template, &period, r))
                    .collect::<View>();
                el("ul")
                    .class("conflict-list")
                    .testid("conflict-list")
                    .child(items)
                    .into()
            }
        })
    })
}

fn report_conflicts(
    dir: &Directory,
    template: &Template,
    period: &str,
    r: ReportConflicts,
) -> View {
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
                    el("li")
                        .child(el("strong").text(&shown))
                        .text(" · ")
                        .text(&who)
                        .text(" · ")
                        .text(&date_time(v.at))
                })
                .collect::<View>();
            let label = field.map_or_else(
                || c.field.clone(),
                |f| {
                    lang.get_untracked()
                        .pick(&f.label, f.label_en.as_deref())
                        .to_string()
                },
            );
            el("li")
                .testid(&format!("conflict-{}-{}", r.unit, c.field))
                .text(&label)
                .child(el("ul").child(values))
        })
        .collect::<View>();
    el("li")
        .class("unit-row")
        .child(
            el("div")
                .class("unit-head")
                .child(el("span").class("unit-name").text(&dir.unit_name(&r.unit)))
                .child(el("a").attr("href", &href).dyn_text(t(T::OpenToResolve))),
        )
        .child(el("ul").child(lines))
        .into()
}
