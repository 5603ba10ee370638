//! The org tree of the administrator's subtree: every unit indented under
//! its parent, with rename, move and close; new units; and merges (the 2025
//! reform: communes merged into a new, larger one). Old reports stay under
//! the units that made them; the server keeps that, the screen only asks.

use super::{Action, Outcome, loaded};
use crate::api::admin::{self, Merge, NewUnit};
use crate::i18n::{A, t, unit_noun, use_lang};
use leptos::prelude::*;
use shared::OrgUnit;

/// The org tree screen.
#[component]
pub fn OrgTree() -> impl IntoView {
    let action = Action::new();
    let done = action.done;
    let units = LocalResource::new(move || {
        let _ = done.get();
        admin::units()
    });
    let picked = RwSignal::new(Vec::<String>::new());
    view! {
        <Outcome action />
        {loaded(
            units,
            move |units| {
                view! {
                    <AddUnit action units=units.clone() />
                    <MergeUnits action picked />
                    <h2>{t(A::UnitsTitle)}</h2>
                    <UnitRows action units picked />
                }
            },
        )}
    }
}

/// The units in tree order with their depth: each parent before its
/// children, the units whose parent is outside the list at the top.
fn tree_order(units: &[OrgUnit]) -> Vec<(usize, OrgUnit)> {
    fn walk(units: &[OrgUnit], parent: &str, depth: usize, out: &mut Vec<(usize, OrgUnit)>) {
        for u in units.iter().filter(|u| u.parent.as_deref() == Some(parent)) {
            out.push((depth, u.clone()));
            walk(units, &u.id, depth + 1, out);
        }
    }
    let known = |id: &str| units.iter().any(|u| u.id == id);
    let mut out = Vec::new();
    for top in units
        .iter()
        .filter(|u| u.parent.as_deref().is_none_or(|p| !known(p)))
    {
        out.push((0, top.clone()));
        walk(units, &top.id, 1, &mut out);
    }
    out
}

#[component]
fn UnitRows(action: Action, units: Vec<OrgUnit>, picked: RwSignal<Vec<String>>) -> impl IntoView {
    let lang = use_lang();
    let parents: Vec<(String, String)> = units
        .iter()
        .filter(|u| !u.closed)
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    let rows = tree_order(&units)
        .into_iter()
        .map(|(depth, u)| {
            let id = u.id.clone();
            let kind = u.kind.clone();
            let pick = {
                let id = id.clone();
                move |ev: leptos::ev::Event| {
                    let on = event_target_checked(&ev);
                    picked.update(|p| {
                        p.retain(|x| *x != id);
                        if on {
                            p.push(id.clone());
                        }
                    });
                }
            };
            view! {
                <li
                    class="admin-row unit"
                    class:closed=u.closed
                    style=format!("margin-left: {}rem", depth.min(6))
                    data-testid=format!("unit-{id}")
                >
                    <div class="row-title">
                        <label>
                            <input type="checkbox" on:change=pick prop:disabled=u.closed />
                            " "
                            {u.name.clone()}
                        </label>
                    </div>
                    <div class="row-sub">
                        {id.clone()} " · " {move || unit_noun(lang.get(), &kind)}
                        {u.closed.then(|| view! { " · " {t(A::StateClosed)} })}
                    </div>
                    {(!u.closed).then(|| view! { <UnitEdit action unit=u.clone() parents=parents.clone() /> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="admin-list">{rows}</ul> }
}

/// Rename, move or close one unit.
#[component]
fn UnitEdit(action: Action, unit: OrgUnit, parents: Vec<(String, String)>) -> impl IntoView {
    let name = RwSignal::new(unit.name.clone());
    let parent = RwSignal::new(unit.parent.clone().unwrap_or_default());
    let id = unit.id.clone();
    let rename = {
        let id = id.clone();
        move |_| {
            let (id, name) = (id.clone(), name.get());
            action.run(A::UnitRenamed, async move {
                admin::rename_unit(&id, name.trim()).await
            });
        }
    };
    let relocate = {
        let id = id.clone();
        move |_| {
            let (id, to) = (id.clone(), parent.get());
            action.run(
                A::UnitMoved,
                async move { admin::move_unit(&id, &to).await },
            );
        }
    };
    let close = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            action.run(A::UnitClosed, async move { admin::close_unit(&id).await });
        }
    };
    let options = parents
        .into_iter()
        .filter(|(p, _)| *p != id)
        .map(|(p, n)| view! { <option value=p.clone() selected=unit.parent.as_deref() == Some(p.as_str())>{n}</option> })
        .collect_view();
    view! {
        <details class="unit-edit">
            <summary>{t(A::Change)}</summary>
            <div class="row-actions">
                <input
                    type="text"
                    aria-label=t(A::UnitName)
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <button type="button" on:click=rename prop:disabled=move || action.busy()>
                    {t(A::Rename)}
                </button>
            </div>
            <div class="row-actions">
                <select on:change=move |ev| parent.set(event_target_value(&ev))>{options}</select>
                <button type="button" on:click=relocate prop:disabled=move || action.busy()>
                    {t(A::Move)}
                </button>
            </div>
            <div class="row-actions">
                <button type="button" on:click=close prop:disabled=move || action.busy()>
                    {t(A::CloseUnit)}
                </button>
            </div>
        </details>
    }
}

/// A new unit under one of the admin's.
#[component]
fn AddUnit(action: Action, units: Vec<OrgUnit>) -> impl IntoView {
    let id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let options = units
        .iter()
        .filter(|u| !u.closed)
        .map(|u| view! { <option value=u.id.clone()>{u.name.clone()}</option> })
        .collect_view();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (i, n, k, p) = (id.get(), name.get(), kind.get(), parent.get());
        if i.trim().is_empty() || n.trim().is_empty() || k.trim().is_empty() || p.is_empty() {
            action.incomplete(A::UnitIncomplete);
            return;
        }
        action.run(A::UnitAdded, async move {
            let unit = NewUnit {
                id: i.trim(),
                name: n.trim(),
                kind: k.trim(),
                parent: Some(&p),
            };
            admin::add_unit(&unit).await
        });
    };
    view! {
        <details class="admin-form">
            <summary>{t(A::AddUnit)}</summary>
            <form on:submit=add>
                <Text label=A::UnitId value=id />
                <Text label=A::UnitName value=name />
                <Text label=A::UnitKind value=kind />
                <label class="login-field">
                    <span>{t(A::Parent)}</span>
                    <select on:change=move |ev| parent.set(event_target_value(&ev))>
                        <option value="">{t(A::ChooseUnit)}</option>
                        {options}
                    </select>
                </label>
                <button type="submit" class="primary" prop:disabled=move || action.busy()>
                    {t(A::AddUnit)}
                </button>
            </form>
        </details>
    }
}

/// The units ticked in the tree, merged into a new one.
#[component]
fn MergeUnits(action: Action, picked: RwSignal<Vec<String>>) -> impl IntoView {
    let into = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let merge = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (i, n, units) = (into.get(), name.get(), picked.get());
        if i.trim().is_empty() || n.trim().is_empty() || units.len() < 2 {
            action.incomplete(A::MergeIncomplete);
            return;
        }
        action.run(A::UnitsMerged, async move {
            let m = Merge {
                into: i.trim(),
                name: n.trim(),
                units: units.iter().map(String::as_str).collect(),
            };
            admin::merge_units(&m).await
        });
        picked.set(Vec::new());
    };
    view! {
        <details class="admin-form">
            <summary>{t(A::MergeUnits)}</summary>
            <p class="help">{t(A::MergeHint)}</p>
            <form on:submit=merge>
                <p class="row-sub">{move || picked.get().join(", ")}</p>
                <Text label=A::UnitId value=into />
                <Text label=A::UnitName value=name />
                <button type="submit" class="primary" prop:disabled=move || action.busy()>
                    {t(A::MergeUnits)}
                </button>
            </form>
        </details>
    }
}

/// A labelled text box bound to `value`.
#[component]
pub fn Text(
    label: A,
    value: RwSignal<String>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    view! {
        <label class="login-field">
            <span>{t(label)}</span>
            <input
                type="text"
                data-testid=testid
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}
