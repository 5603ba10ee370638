//! The consolidating unit's page for a round: every reporting unit with its
//! status and key figures, and the totals the server computes from the merged
//! reports. It reads the server (the phone holds only its own reports), so it
//! needs a network; it says so, and reloads by itself on reconnection.

use crate::api::{self, ApiError, Figures, ReportRow};
use crate::components::district_review::{conflict_list, submission_table};
use crate::components::start::directory_missing;
use crate::directory::Directory;
use crate::dom::{View, dynamic, el, text, untrack};
use crate::format::{date_time, number, period_label, status, value};
use crate::i18n::{Lang, T, completeness, t, unit_noun, use_lang};
use crate::reactive::*;
use crate::route::ReportRef;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use shared::Template;
use shared::aggregate::{FigureValue, Group, ListItem};
use shared::template::{Aggregate, Column, FieldType, Role};
use shared::validate::progress;
use std::sync::Arc;

/// `/district/:template/:period/:unit`.
pub fn district_page(
    // The report the URL names.
    at: ReportRef,
) -> View {
    let session = expect_context::<Session>();
    dynamic(move || {
        let dir = session.directory.get();
        untrack(|| {
            let Some(dir) = dir else {
                return directory_missing();
            };
            match at.template_in(&dir) {
                Some(template) => district_summary(
                    dir.clone(),
                    Arc::new(template),
                    at.period.clone(),
                    at.unit.clone(),
                ),
                None => el("p").class("notice").dyn_text(t(T::UnknownReport)).into(),
            }
        })
    })
}

fn district_summary(
    dir: Arc<Directory>,
    template: Arc<Template>,
    period: String,
    unit: String,
) -> View {
    let lang = use_lang();
    let sync = expect_context::<SyncLoop>();
    // Refetch whenever the sync loop (re)connects: the server is reachable again.
    let connections = Memo::new(move |_| sync.snapshot().with(|s| s.connections));
    let query = (template.id.clone(), period.clone(), unit.clone());
    let reports = {
        let (t, p, u) = query.clone();
        LocalResource::new(move || {
            let _ = connections.get();
            let (t, p, u) = (t.clone(), p.clone(), u.clone());
            async move { api::reports(&t, &p, &u).await }
        })
    };
    let figures = {
        let (t, p, u) = query;
        LocalResource::new(move || {
            let _ = connections.get();
            let (t, p, u) = (t.clone(), p.clone(), u.clone());
            async move { api::figures(&t, &p, &u).await }
        })
    };
    let title = template.title.clone();
    let title_en = template.title_en.clone();
    let label_period = period.clone();
    let totals = {
        let template = template.clone();
        let dir = dir.clone();
        dynamic(move || {
            let loaded = figures.get();
            untrack(|| match loaded {
                None => el("p").class("notice").dyn_text(t(T::Loading)).into(),
                Some(Err(e)) => needs_network(e),
                Some(Ok(f)) => figure_list(dir.clone(), template.clone(), f),
            })
        })
    };
    let units = {
        let template = template.clone();
        let period = period.clone();
        dynamic(move || {
            let loaded = reports.get();
            untrack(|| match loaded {
                None => el("p").class("notice").dyn_text(t(T::Loading)).into(),
                Some(Err(e)) => needs_network(e),
                Some(Ok(rows)) => unit_list(template.clone(), period.clone(), rows),
            })
        })
    };
    el("section")
        .class("district")
        .testid("district")
        .child(
            el("a")
                .class("back")
                .attr("href", "/reports")
                .text("← ")
                .dyn_text(t(T::BackToList)),
        )
        .child(el("h1").text(&dir.unit_name(&unit)))
        .child(
            el("p")
                .class("sub")
                .dyn_text(move || lang.get().pick(&title, title_en.as_deref()).to_string())
                .text(" · ")
                .dyn_text(move || period_label(lang.get(), &label_period)),
        )
        .child(el("h2").dyn_text(t(T::Totals)))
        .child(totals)
        .child(el("h2").dyn_text(t(T::Communes)))
        .child(units)
        .child(el("h2").dyn_text(t(T::SubmissionTitle)))
        .child(submission_table(
            template.id.clone(),
            period.clone(),
            unit.clone(),
        ))
        .child(el("h2").dyn_text(t(T::ConflictsTitle)))
        .child(conflict_list(
            dir.clone(),
            template.clone(),
            period,
            unit.clone(),
        ))
        .into()
}

fn needs_network(error: ApiError) -> View {
    let lang = use_lang();
    let offline = matches!(error, ApiError::Network(_));
    let text = move || {
        let lang = lang.get();
        if offline {
            T::DistrictNeedsNetwork.get(lang).to_string()
        } else {
            error.message(lang)
        }
    };
    el("p")
        .class("notice error")
        .testid("district-offline")
        .dyn_text(text)
        .into()
}

/// Every reporting unit: status, last change, progress and a few key figures.
fn unit_list(template: Arc<Template>, period: String, rows: Vec<ReportRow>) -> View {
    let lang = use_lang();
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    // Approved reports were submitted; returned ones are being worked on again.
    let submitted = count("submitted") + count("approved");
    let started = count("in_progress") + count("returned");
    let not_started = count("not_started");
    // The first few summed figures of the reporting units' sections.
    let key_fields: Vec<(String, String, Option<String>)> = template
        .sections
        .iter()
        .filter(|s| s.scope.includes(Role::Reporting))
        .flat_map(|s| &s.fields)
        .filter(|f| f.aggregate == Some(Aggregate::Sum))
        .take(3)
        .map(|f| (f.id.clone(), f.label.clone(), f.label_en.clone()))
        .collect();
    let items = rows
        .into_iter()
        .map(|row| {
            let href = format!("/report/{}/{}/{}", template.id, period, row.unit);
            let progress_text = row.report.as_ref().map(|r| {
                let (f, t) = progress(&template, r, Role::Reporting);
                format!("{f}/{t}")
            });
            let figures = key_fields
                .iter()
                .map(|(id, label, label_en)| {
                    let shown = row
                        .report
                        .as_ref()
                        .and_then(|r| r.fields.get(id))
                        .map(|v| v.display_vi());
                    let (label, label_en) = (label.clone(), label_en.clone());
                    el("li")
                        .dyn_text(move || lang.get().pick(&label, label_en.as_deref()).to_string())
                        .text(": ")
                        .child(el("strong").dyn_text(move || {
                            shown
                                .clone()
                                .unwrap_or_else(|| T::NotFilled.get(lang.get()).to_string())
                        }))
                })
                .collect::<View>();
            let state = row.status.clone();
            let updated = row.updated_at.map(date_time);
            el("li")
                .class("unit-row")
                .testid(&format!("unit-{}", row.unit))
                .child(
                    el("div")
                        .class("unit-head")
                        .child(
                            el("a")
                                .attr("href", &href)
                                .class("unit-name")
                                .text(&row.unit_name),
                        )
                        .child(
                            el("span")
                                .class(&format!("badge status-{}", row.status))
                                .dyn_text(move || status(lang.get(), Some(&state))),
                        ),
                )
                .child(
                    el("div")
                        .class("unit-meta")
                        .child(
                            progress_text
                                .map(|p| el("span").text(&p).text(" ").dyn_text(t(T::Progress))),
                        )
                        .child(
                            updated
                                .map(|u| el("span").dyn_text(t(T::UpdatedAt)).text(" ").text(&u)),
                        ),
                )
                .child(el("ul").class("key-figures").child(figures))
        })
        .collect::<View>();
    let mut view = View::from(
        el("p")
            .class("completeness")
            .testid("completeness")
            .dyn_text(move || completeness(lang.get(), submitted, started, not_started)),
    );
    view.push(el("ul").class("unit-list").child(items));
    view
}

/// The consolidated figures in template order.
fn figure_list(dir: Arc<Directory>, template: Arc<Template>, figures: Figures) -> View {
    let lang = use_lang();
    dynamic(move || {
        let lang = lang.get();
        untrack(|| {
            let noun = unit_noun(lang, &template.filled_by);
            // The number of reporting units, unless the template has it as a figure.
            let has_units_figure = template
                .figures
                .iter()
                .any(|f| matches!(f.kind, shared::template::FigureKind::Units));
            let head = (!has_units_figure).then(|| {
                el("div")
                    .class("figure")
                    .child(
                        el("span")
                            .class("figure-label")
                            .text(T::ReportingUnits.get(lang)),
                    )
                    .child(el("span").class("figure-value").text(&format!(
                        "{} {noun}",
                        number(figures.reporting_units as f64)
                    )))
            });
            let rows = template
                .all_figures()
                .into_iter()
                .filter_map(|fig| {
                    let v = figures.figures.get(&fig.id)?;
                    let label = lang.pick(&fig.label, fig.label_en.as_deref()).to_string();
                    let shown = figure_value(lang, &dir, &template, &fig.kind, v, &noun);
                    Some(
                        el("div")
                            .class("figure")
                            .testid(&format!("figure-{}", fig.id))
                            .child(el("span").class("figure-label").text(&label))
                            .child(el("div").class("figure-value").child(shown)),
                    )
                })
                .collect::<View>();
            View::from(el("div").class("figures").child(head).child(rows))
        })
    })
}

/// A figure's value as the district report writes it: "19/19 xã", "38",
/// "93/93", groups with their sums, the merged list.
fn figure_value(
    lang: Lang,
    dir: &Directory,
    template: &Template,
    kind: &shared::template::FigureKind,
    v: &FigureValue,
    noun: &str,
) -> View {
    match v {
        FigureValue::Number { value } => text(&number(*value)),
        FigureValue::Count { count, of } => text(&format!(
            "{}/{} {noun}",
            number(*count as f64),
            number(*of as f64)
        )),
        FigureValue::Ratio {
            numerator,
            denominator,
            value,
        } => {
            let ratio = value
                .map(|r| format!(" (= {})", shared::value::format_decimal_vi(r)))
                .unwrap_or_default();
            text(&format!(
                "{}/{}{ratio}",
                number(*numerator),
                number(*denominator)
            ))
        }
        FigureValue::Groups { groups } => {
            let columns = records_columns(template, figure_field(kind));
            let items = groups
                .iter()
                .filter(|g| g.records > 0)
                .map(|g| el("li").text(&group_line(lang, &columns, g)))
                .collect::<View>();
            el("ul").class("groups").child(items).into()
        }
        FigureValue::List { items } => {
            let columns = records_columns(template, figure_field(kind));
            let count = items.len();
            let lines = items
                .iter()
                .map(|i| el("li").text(&list_line(lang, &columns, i, &dir.unit_name(&i.unit))))
                .collect::<View>();
            el("details")
                .class("list-figure")
                .child(el("summary").text(&number(count as f64)))
                .child(el("ol").child(lines))
                .into()
        }
    }
}

fn figure_field(kind: &shared::template::FigureKind) -> Option<&str> {
    use shared::template::FigureKind as K;
    match kind {
        K::RecordsSumBy { field, .. } | K::RecordsList { field, .. } => Some(field),
        _ => None,
    }
}

fn records_columns(template: &Template, field: Option<&str>) -> Vec<Column> {
    match field.and_then(|f| template.field(f)) {
        Some((
            shared::template::Field {
                ty: FieldType::Records { columns, .. },
                ..
            },
            _,
        )) => columns.clone(),
        _ => Vec::new(),
    }
}

/// "Sở LĐ-TB&XH phối hợp tổ chức — Số lớp: 6 · Số người tham dự: 520".
fn group_line(lang: Lang, columns: &[Column], g: &Group) -> String {
    let sums: Vec<String> = g
        .sums
        .iter()
        .map(|(col, sum)| {
            let label = columns
                .iter()
                .find(|c| &c.id == col)
                .map_or(col.as_str(), |c| lang.pick(&c.label, c.label_en.as_deref()));
            format!("{label}: {}", number(*sum))
        })
        .collect();
    let name = columns
        .iter()
        .find_map(|c| match &c.ty {
            FieldType::Choice { options } => options.iter().find(|o| o.value == g.key),
            _ => None,
        })
        .map_or(g.label.as_str(), |o| {
            lang.pick(&o.label, o.label_en.as_deref())
        });
    format!("{name} — {}", sums.join(" · "))
}

/// One merged record: its values in column order, then who entered it.
fn list_line(lang: Lang, columns: &[Column], item: &ListItem, unit_name: &str) -> String {
    let parts: Vec<String> = columns
        .iter()
        .filter_map(|c| item.record.values.get(&c.id).map(|v| value(lang, &c.ty, v)))
        .collect();
    format!("{} ({} {unit_name})", parts.join(" · "), T::By.get(lang))
}
