//! The consolidating unit's page for a round: every reporting unit with its
//! status and key figures, the totals the server computes from the merged
//! reports, and the consolidated report (downloads and a preview). It reads the server (the phone holds only its own reports), so it
//! needs a network; it says so, and reloads by itself on reconnection.

use crate::api::{self, ApiError, Figures, ReportRow};
use crate::components::district_report::{ExportButtons, ReportWorkspace};
use crate::components::district_review::{ConflictList, SubmissionTable};
use crate::components::start::DirectoryMissing;
use crate::directory::Directory;
use crate::format::{date_time, number, period_label, status, value};
use crate::i18n::{Lang, T, completeness, t, unit_noun, use_lang};
use crate::route::ReportRef;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use shared::Template;
use shared::aggregate::{FigureValue, Group, ListItem};
use shared::template::{Aggregate, Column, FieldType, Role};
use shared::validate::progress;
use std::sync::Arc;

/// `/district/:template/:period/:unit`.
#[component]
pub fn DistrictPage(
    /// The report the URL names.
    at: ReportRef,
) -> impl IntoView {
    let session = expect_context::<Session>();
    move || {
        let Some(dir) = session.directory.get() else {
            return view! { <DirectoryMissing /> }.into_any();
        };
        match at.template_in(&dir) {
            Some(template) => view! {
                <DistrictSummary
                    dir=dir.clone()
                    template=Arc::new(template)
                    period=at.period.clone()
                    unit=at.unit.clone()
                />
            }
            .into_any(),
            None => view! { <p class="notice">{t(T::UnknownReport)}</p> }.into_any(),
        }
    }
}

#[component]
fn DistrictSummary(
    dir: Arc<Directory>,
    template: Arc<Template>,
    period: String,
    unit: String,
) -> impl IntoView {
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
        move || match figures.get() {
            None => view! { <p class="notice">{t(T::Loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <NeedsNetwork error=e /> }.into_any(),
            Some(Ok(f)) => {
                view! { <FigureList dir=dir.clone() template=template.clone() figures=f /> }
                    .into_any()
            }
        }
    };
    let units = {
        let template = template.clone();
        let period = period.clone();
        move || match reports.get() {
            None => view! { <p class="notice">{t(T::Loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <NeedsNetwork error=e /> }.into_any(),
            Some(Ok(rows)) => {
                view! { <UnitList template=template.clone() period=period.clone() rows /> }
                    .into_any()
            }
        }
    };
    view! {
        <section class="district" data-testid="district">
            <a class="back" href="/reports">
                "← "
                {t(T::BackToList)}
            </a>
            <h1>{dir.unit_name(&unit)}</h1>
            <p class="sub">
                {move || lang.get().pick(&title, title_en.as_deref()).to_string()} " · "
                {move || period_label(lang.get(), &label_period)}
            </p>
            <ExportButtons template=template.id.clone() period=period.clone() unit=unit.clone() />
            <h2>{t(T::Totals)}</h2>
            {totals}
            <h2>{t(T::Communes)}</h2>
            {units}
            <h2>{t(T::SubmissionTitle)}</h2>
            <SubmissionTable template=template.id.clone() period=period.clone() unit=unit.clone() />
            <h2>{t(T::ConflictsTitle)}</h2>
            <ConflictList
                dir=dir.clone()
                template=template.clone()
                period=period.clone()
                unit=unit.clone()
            />
            <h2>{t(T::ConsolidatedReport)}</h2>
            <ReportWorkspace dir=dir.clone() template=template.clone() period unit=unit.clone() />
        </section>
    }
}

#[component]
fn NeedsNetwork(error: ApiError) -> impl IntoView {
    let lang = use_lang();
    let offline = matches!(error, ApiError::Network(_));
    move || {
        let lang = lang.get();
        let text = if offline {
            T::DistrictNeedsNetwork.get(lang).to_string()
        } else {
            error.message(lang)
        };
        view! {
            <p class="notice error" data-testid="district-offline">
                {text}
            </p>
        }
    }
}

/// Every reporting unit: status, last change, progress and a few key figures.
#[component]
fn UnitList(template: Arc<Template>, period: String, rows: Vec<ReportRow>) -> impl IntoView {
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
                    view! {
                        <li>
                            {move || lang.get().pick(&label, label_en.as_deref()).to_string()} ": "
                            <strong>
                                {shown
                                    .clone()
                                    .unwrap_or_else(|| T::NotFilled.get(lang.get()).to_string())}
                            </strong>
                        </li>
                    }
                })
                .collect_view();
            let state = row.status.clone();
            let updated = row.updated_at.map(date_time);
            view! {
                <li class="unit-row" data-testid=format!("unit-{}", row.unit)>
                    <div class="unit-head">
                        <a href=href class="unit-name">
                            {row.unit_name.clone()}
                        </a>
                        <span class=format!("badge status-{}", row.status)>
                            {move || status(lang.get(), Some(&state))}
                        </span>
                    </div>
                    <div class="unit-meta">
                        {progress_text
                            .map(|p| view! { <span>{p} " " {t(T::Progress)}</span> })}
                        {updated
                            .map(|u| view! { <span>{t(T::UpdatedAt)} " " {u}</span> })}
                    </div>
                    <ul class="key-figures">{figures}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="completeness" data-testid="completeness">
            {move || completeness(lang.get(), submitted, started, not_started)}
        </p>
        <ul class="unit-list">{items}</ul>
    }
}

/// The consolidated figures in template order, then the values they leave
/// out (outside their field's limits), one sentence each in the UI language.
#[component]
fn FigureList(dir: Arc<Directory>, template: Arc<Template>, figures: Figures) -> impl IntoView {
    let lang = use_lang();
    move || {
        let lang = lang.get();
        let noun = unit_noun(lang, &template.filled_by);
        // The number of reporting units, unless the template has it as a figure.
        let has_units_figure = template
            .figures
            .iter()
            .any(|f| matches!(f.kind, shared::template::FigureKind::Units));
        let head = (!has_units_figure).then(|| {
            view! {
                <div class="figure">
                    <span class="figure-label">{T::ReportingUnits.get(lang)}</span>
                    <span class="figure-value">
                        {format!("{} {noun}", number(figures.reporting_units as f64))}
                    </span>
                </div>
            }
        });
        let rows = template
            .all_figures()
            .into_iter()
            .filter_map(|fig| {
                let v = figures.figures.get(&fig.id)?;
                let label = lang.pick(&fig.label, fig.label_en.as_deref()).to_string();
                let shown = figure_value(lang, &dir, &template, &fig.kind, v, &noun);
                Some(view! {
                    <div class="figure" data-testid=format!("figure-{}", fig.id)>
                        <span class="figure-label">{label}</span>
                        <div class="figure-value">{shown}</div>
                    </div>
                })
            })
            .collect_view();
        let excluded = (!figures.excluded.is_empty()).then(|| {
            let items = figures
                .excluded
                .iter()
                .map(|x| {
                    let text = x.message(&template, &dir.unit_name(&x.unit), lang.is_en());
                    view! { <li>{text}</li> }
                })
                .collect_view();
            view! {
                <div class="notice conflict excluded">
                    <p>{T::ExcludedValues.get(lang)}</p>
                    <ul data-testid="excluded-values">{items}</ul>
                </div>
            }
        });
        view! {
            <div class="figures">{head} {rows}</div>
            {excluded}
        }
    }
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
) -> AnyView {
    match v {
        FigureValue::Number { value } => number(*value).into_any(),
        FigureValue::Count { count, of } => {
            format!("{}/{} {noun}", number(*count as f64), number(*of as f64)).into_any()
        }
        FigureValue::Ratio {
            numerator,
            denominator,
            value,
        } => {
            let ratio = value
                .map(|r| format!(" (= {})", shared::value::format_decimal_vi(r)))
                .unwrap_or_default();
            format!("{}/{}{ratio}", number(*numerator), number(*denominator)).into_any()
        }
        FigureValue::Groups { groups } => {
            let columns = records_columns(template, figure_field(kind));
            let items = groups
                .iter()
                .filter(|g| g.records > 0)
                .map(|g| view! { <li>{group_line(lang, &columns, g)}</li> })
                .collect_view();
            view! { <ul class="groups">{items}</ul> }.into_any()
        }
        FigureValue::List { items } => {
            let columns = records_columns(template, figure_field(kind));
            let count = items.len();
            let lines = items
                .iter()
                .map(|i| view! { <li>{list_line(lang, &columns, i, &dir.unit_name(&i.unit))}</li> })
                .collect_view();
            view! {
                <details class="list-figure">
                    <summary>{number(count as f64)}</summary>
                    <ol>{lines}</ol>
                </details>
            }
            .into_any()
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
