//! Users of the administrator's subtree: who they are, their role and unit,
//! whether they may log in and when they last did; add one, change role or
//! unit, deactivate and reactivate (their data stays), set a new password.

use super::org::Text;
use super::{Action, Outcome, loaded};
use crate::api::admin::{self, NewUser, UserChange, UserRow};
use crate::components::start::role_label;
use crate::format::date_time;
use crate::i18n::{A, Lang, t, use_lang};
use leptos::prelude::*;
use shared::OrgUnit;
use shared::dataset::UserRole;

const ROLES: [UserRole; 4] = [
    UserRole::Officer,
    UserRole::Reviewer,
    UserRole::Viewer,
    UserRole::Admin,
];

/// A role as the API spells it (`officer`).
fn role_id(role: UserRole) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A role's name for the screen, from the API's spelling.
fn role_name(lang: Lang, id: &str) -> String {
    ROLES
        .into_iter()
        .find(|r| role_id(*r) == id)
        .map_or_else(|| id.to_string(), |r| role_label(lang, r).to_string())
}

/// The users screen.
#[component]
pub fn Users() -> impl IntoView {
    let action = Action::new();
    let done = action.done;
    let data = LocalResource::new(move || {
        let _ = done.get();
        async move {
            let users = admin::users().await?;
            let units = admin::units().await?;
            Ok((users, units))
        }
    });
    view! {
        <Outcome action />
        {loaded(
            data,
            move |(users, units)| {
                let names: Vec<(String, String)> = units
                    .iter()
                    .filter(|u| !u.closed)
                    .map(|u| (u.id.clone(), u.name.clone()))
                    .collect();
                let rows = users
                    .into_iter()
                    .map(|u| view! { <UserItem action user=u units=names.clone() /> })
                    .collect_view();
                view! {
                    <AddUser action units=units.clone() />
                    <h2>{t(A::UsersTitle)}</h2>
                    <ul class="admin-list">{rows}</ul>
                }
            },
        )}
    }
}

fn role_options(chosen: &str) -> impl IntoView + use<> {
    let lang = use_lang();
    ROLES
        .into_iter()
        .map(|r| {
            let id = role_id(r);
            let selected = id == chosen;
            view! {
                <option value=id selected=selected>
                    {move || role_label(lang.get(), r)}
                </option>
            }
        })
        .collect_view()
}

#[component]
fn UserItem(action: Action, user: UserRow, units: Vec<(String, String)>) -> impl IntoView {
    let lang = use_lang();
    let role = RwSignal::new(user.role.clone());
    let unit = RwSignal::new(user.unit.clone());
    let password = RwSignal::new(String::new());
    let id = user.id.clone();
    let active = user.active;
    let change = {
        let id = id.clone();
        move |_| {
            let (id, r, u) = (id.clone(), role.get(), unit.get());
            action.run(A::UserChanged, async move {
                let c = UserChange {
                    role: Some(&r),
                    unit: Some(&u),
                    ..UserChange::default()
                };
                admin::change_user(&id, &c).await
            });
        }
    };
    let toggle = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            let said = if active {
                A::UserDeactivated
            } else {
                A::UserReactivated
            };
            action.run(said, async move { admin::set_active(&id, !active).await });
        }
    };
    let reset = {
        let id = id.clone();
        move |_| {
            let (id, p) = (id.clone(), password.get());
            if p.is_empty() {
                action.incomplete(A::PasswordEmpty);
                return;
            }
            password.set(String::new());
            action.run(A::PasswordSet, async move {
                admin::reset_password(&id, &p).await
            });
        }
    };
    let unit_options = units
        .into_iter()
        .map(|(u, n)| {
            let selected = u == user.unit;
            view! { <option value=u selected=selected>{n}</option> }
        })
        .collect_view();
    let last = user.last_login;
    let shown_role = user.role.clone();
    view! {
        <li class="admin-row" class:closed=!active data-testid=format!("user-{id}")>
            <div class="row-title">{user.name.clone()} " (" {id.clone()} ")"</div>
            <div class="row-sub">
                {move || role_name(lang.get(), &shown_role)} " · " {user.unit.clone()} " · "
                <span data-testid="user-state">
                    {t(if active { A::Active } else { A::Inactive })}
                </span> " · " {t(A::LastLogin)} " "
                {move || last.map_or_else(|| A::Never.get(lang.get()).to_string(), date_time)}
            </div>
            <details class="unit-edit">
                <summary>{t(A::Change)}</summary>
                <div class="row-actions">
                    <select on:change=move |ev| role.set(event_target_value(&ev))>
                        {role_options(&user.role)}
                    </select>
                    <select on:change=move |ev| unit.set(event_target_value(&ev))>{unit_options}</select>
                    <button type="button" on:click=change prop:disabled=move || action.busy()>
                        {t(A::Save)}
                    </button>
                </div>
                <div class="row-actions">
                    <input
                        type="password"
                        autocomplete="new-password"
                        aria-label=t(A::NewPassword)
                        placeholder=t(A::NewPassword)
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                    <button type="button" on:click=reset prop:disabled=move || action.busy()>
                        {t(A::SetPassword)}
                    </button>
                </div>
                <div class="row-actions">
                    <button
                        type="button"
                        data-testid="user-toggle"
                        on:click=toggle
                        prop:disabled=move || action.busy()
                    >
                        {t(if active { A::Deactivate } else { A::Reactivate })}
                    </button>
                </div>
            </details>
        </li>
    }
}

/// A new account.
#[component]
fn AddUser(action: Action, units: Vec<OrgUnit>) -> impl IntoView {
    let id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(role_id(UserRole::Officer));
    let unit = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let options = units
        .iter()
        .filter(|u| !u.closed)
        .map(|u| view! { <option value=u.id.clone()>{u.name.clone()}</option> })
        .collect_view();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (i, n, r, u, p) = (id.get(), name.get(), role.get(), unit.get(), password.get());
        if i.trim().is_empty() || n.trim().is_empty() || u.is_empty() || p.is_empty() {
            action.incomplete(A::UserIncomplete);
            return;
        }
        action.run(A::UserAdded, async move {
            let user = NewUser {
                id: i.trim(),
                name: n.trim(),
                role: &r,
                unit: &u,
                password: &p,
            };
            admin::add_user(&user).await
        });
    };
    view! {
        <details class="admin-form">
            <summary>{t(A::AddUser)}</summary>
            <form on:submit=add>
                <Text label=A::UserId value=id />
                <Text label=A::UserName value=name />
                <label class="login-field">
                    <span>{t(A::Role)}</span>
                    <select on:change=move |ev| role.set(event_target_value(&ev))>
                        {role_options(&role.get_untracked())}
                    </select>
                </label>
                <label class="login-field">
                    <span>{t(A::Unit)}</span>
                    <select on:change=move |ev| unit.set(event_target_value(&ev))>
                        <option value="">{t(A::ChooseUnit)}</option>
                        {options}
                    </select>
                </label>
                <label class="login-field">
                    <span>{t(A::FirstPassword)}</span>
                    <input
                        type="password"
                        autocomplete="new-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" class="primary" prop:disabled=move || action.busy()>
                    {t(A::AddUser)}
                </button>
            </form>
        </details>
    }
}
