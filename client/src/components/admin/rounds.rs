//! Reporting rounds: open one (template, period, consolidating unit,
//! deadline), change its deadline, close and reopen it. The server refuses a
//! period of the wrong kind, an unknown unit or an overlapping round, and
//! the screen shows its reason.

use super::{Action, Outcome, loaded};
use crate::api::admin::{self, RoundBody, TemplateRow};
use crate::format::period_label;
use crate::i18n::{A, t, use_lang};
use leptos::prelude::*;
use shared::OrgUnit;
use shared::dataset::Round;
use shared::period::{Period, PeriodKind, PeriodPart, Window};

/// The rounds screen.
#[component]
pub fn Rounds() -> impl IntoView {
    let action = Action::new();
    let done = action.done;
    let rounds = LocalResource::new(move || {
        let _ = done.get();
        admin::rounds()
    });
    let choices = LocalResource::new(move || async move {
        let templates = admin::templates().await?;
        let units = admin::units().await?;
        Ok((templates, units))
    });
    view! {
        <Outcome action />
        {loaded(choices, move |(templates, units)| view! { <OpenRound action templates units /> })}
        <h2>{t(A::RoundsTitle)}</h2>
        {loaded(rounds, move |list| view! { <RoundList action list /> })}
    }
}

/// The form that opens a round.
#[component]
fn OpenRound(action: Action, templates: Vec<TemplateRow>, units: Vec<OrgUnit>) -> impl IntoView {
    let lang = use_lang();
    let template = RwSignal::new(templates.first().map(|t| t.id.clone()).unwrap_or_default());
    let period = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let deadline = RwSignal::new(String::new());
    let kinds: Vec<(String, PeriodKind)> =
        templates.iter().map(|t| (t.id.clone(), t.period)).collect();
    let example = move || {
        let id = template.get();
        kinds
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, kind)| example_period(*kind))
            .unwrap_or_default()
    };
    let options = templates
        .into_iter()
        .map(|t| {
            let label = format!("{} (v{})", t.title, t.version);
            view! { <option value=t.id>{label}</option> }
        })
        .collect_view();
    // Rounds are opened at a unit that has units under it (they report).
    let parents: Vec<&str> = units.iter().filter_map(|u| u.parent.as_deref()).collect();
    let unit_options = units
        .iter()
        .filter(|u| !u.closed && parents.contains(&u.id.as_str()))
        .map(|u| view! { <option value=u.id.clone()>{u.name.clone()}</option> })
        .collect_view();
    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (tpl, per, at, due) = (template.get(), period.get(), unit.get(), deadline.get());
        if tpl.is_empty() || per.trim().is_empty() || at.is_empty() {
            action.incomplete(A::RoundIncomplete);
            return;
        }
        action.run(A::RoundOpened, async move {
            let body = RoundBody {
                template: &tpl,
                period: per.trim(),
                unit: &at,
                deadline: (!due.is_empty()).then_some(due.as_str()),
            };
            admin::open_round(&body).await
        });
    };
    view! {
        <form class="admin-form" data-testid="round-form" on:submit=open>
            <h2>{t(A::OpenRound)}</h2>
            <label class="login-field">
                <span>{t(A::Template)}</span>
                <select
                    data-testid="round-template"
                    prop:value=move || template.get()
                    on:change=move |ev| template.set(event_target_value(&ev))
                >
                    {options}
                </select>
            </label>
            <label class="login-field">
                <span>{t(A::Period)}</span>
                <input
                    type="text"
                    data-testid="round-period"
                    placeholder=example.clone()
                    prop:value=move || period.get()
                    on:input=move |ev| period.set(event_target_value(&ev))
                />
                <small class="help">
                    {move || {
                        let typed = period.get();
                        if typed.trim().is_empty() {
                            format!("{} {}", A::PeriodExample.get(lang.get()), example())
                        } else {
                            period_label(lang.get(), typed.trim())
                        }
                    }}
                </small>
            </label>
            <label class="login-field">
                <span>{t(A::RoundUnit)}</span>
                <select
                    data-testid="round-unit"
                    on:change=move |ev| unit.set(event_target_value(&ev))
                >
                    <option value="">{t(A::ChooseUnit)}</option>
                    {unit_options}
                </select>
            </label>
            <label class="login-field">
                <span>{t(A::Deadline)}</span>
                <input
                    type="date"
                    data-testid="round-deadline"
                    on:input=move |ev| deadline.set(event_target_value(&ev))
                />
            </label>
            <button
                type="submit"
                class="primary"
                data-testid="round-open"
                prop:disabled=move || action.busy()
            >
                {t(A::OpenRoundButton)}
            </button>
        </form>
    }
}

/// A period of `kind` in the coming year, as an example of its id.
pub(super) fn example_period(kind: PeriodKind) -> String {
    let year = js_sys::Date::new_0().get_full_year() as i32;
    let part = match kind {
        PeriodKind::Year => PeriodPart::Year,
        PeriodKind::HalfYear => PeriodPart::Half(1),
        PeriodKind::Quarter => PeriodPart::Quarter(1),
        PeriodKind::Month => PeriodPart::Month(1),
        PeriodKind::AdHoc => PeriodPart::AdHoc(String::from("1")),
        PeriodKind::Nd09Month => PeriodPart::Window(Window::Month(1)),
        PeriodKind::Nd09Quarter => PeriodPart::Window(Window::Quarter(1)),
        PeriodKind::Nd09HalfYear => PeriodPart::Window(Window::Half(1)),
        PeriodKind::Nd09Year => PeriodPart::Window(Window::Year),
    };
    Period { year, part }.id()
}

/// Every round with its deadline and state.
#[component]
fn RoundList(action: Action, list: Vec<Round>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="notice">{t(A::NoRounds)}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|r| view! { <RoundRow action round=r /> })
        .collect_view();
    view! { <ul class="admin-list">{rows}</ul> }.into_any()
}

#[component]
fn RoundRow(action: Action, round: Round) -> impl IntoView {
    let lang = use_lang();
    let id = format!("{}_{}_{}", round.template, round.period, round.unit);
    let deadline = RwSignal::new(round.deadline.map(|d| d.to_iso()).unwrap_or_default());
    let closed = round.closed;
    let key = (
        round.template.clone(),
        round.period.clone(),
        round.unit.clone(),
    );
    let save = {
        let key = key.clone();
        move |_| {
            let (tpl, per, at) = key.clone();
            let due = deadline.get();
            action.run(A::DeadlineSaved, async move {
                let body = RoundBody {
                    template: &tpl,
                    period: &per,
                    unit: &at,
                    deadline: (!due.is_empty()).then_some(due.as_str()),
                };
                admin::set_deadline(&body).await
            });
        }
    };
    let toggle = move |_| {
        let (tpl, per, at) = key.clone();
        let said = if closed {
            A::RoundReopened
        } else {
            A::RoundClosed
        };
        action.run(said, async move {
            let body = RoundBody {
                template: &tpl,
                period: &per,
                unit: &at,
                deadline: None,
            };
            admin::set_round_closed(&body, !closed).await
        });
    };
    let period = round.period.clone();
    view! {
        <li class="admin-row" data-testid=format!("round-{id}")>
            <div class="row-title">
                {round.template.clone()} " · " {move || period_label(lang.get(), &period)}
            </div>
            <div class="row-sub">
                {round.unit.clone()} " · "
                <span data-testid="round-state">
                    {t(if closed { A::StateClosed } else { A::StateOpen })}
                </span>
            </div>
            <div class="row-actions">
                <label>
                    <span>{t(A::Deadline)}</span>
                    <input
                        type="date"
                        data-testid="round-deadline-edit"
                        prop:value=move || deadline.get()
                        on:input=move |ev| deadline.set(event_target_value(&ev))
                    />
                </label>
                <button type="button" on:click=save prop:disabled=move || action.busy()>
                    {t(A::Save)}
                </button>
                <button
                    type="button"
                    data-testid="round-toggle"
                    on:click=toggle
                    prop:disabled=move || action.busy()
                >
                    {t(if closed { A::Reopen } else { A::Close })}
                </button>
            </div>
        </li>
    }
}
