//! Start screen: the login form on a server with accounts (or, once logged
//! in, straight on to the reports); the list of users to pick from on a
//! server without accounts (`serve --no-auth`).

use crate::components::login::LoginForm;
use crate::i18n::{Lang, T, t, use_lang};
use crate::route::use_router;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use shared::dataset::UserRole;

/// The start screen.
#[component]
pub fn StartScreen() -> impl IntoView {
    let session = expect_context::<Session>();
    let sync = expect_context::<SyncLoop>();
    let router = use_router();
    let login_required = Memo::new(move |_| sync.snapshot().with(|s| s.login_required));
    let logged_in = move || session.login.with(Option::is_some) && !login_required.get();
    Effect::new(move |_| {
        if logged_in() {
            router.go("/reports", true);
        }
    });
    // Re-render only when the screen changes, not on every signal change
    // (e.g. "accounts unknown" → "no accounts" keeps the same chooser).
    let screen = Memo::new(move |_| match session.accounts.get() {
        Some(true) if !logged_in() => Screen::Login,
        Some(true) => Screen::Leaving,
        _ => Screen::Chooser,
    });
    move || match screen.get() {
        Screen::Login => view! { <LoginForm /> }.into_any(),
        Screen::Leaving => ().into_any(),
        Screen::Chooser => view! { <UserChooser /> }.into_any(),
    }
}

/// What the start screen shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Screen {
    /// The login form (a server with accounts, nobody logged in).
    Login,
    /// Nothing: logged in, on the way to the report list.
    Leaving,
    /// The user picker (a server without accounts).
    Chooser,
}

/// The user chooser of a server without accounts.
#[component]
fn UserChooser() -> impl IntoView {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let router = use_router();
    let users = move || {
        let Some(dir) = session.directory.get() else {
            return view! { <DirectoryMissing /> }.into_any();
        };
        let current = session.user_id.get();
        dir.boot
            .users
            .iter()
            .map(|u| {
                let id = u.id.clone();
                let choose = move |_| {
                    session.choose(&id);
                    router.go("/reports", false);
                };
                let unit = dir.unit_name(&u.unit);
                let role = u.role;
                let chosen = current.as_deref() == Some(u.id.as_str());
                view! {
                    <li>
                        <button
                            type="button"
                            class="user"
                            class:chosen=chosen
                            data-testid=format!("user-{}", u.id)
                            on:click=choose
                        >
                            <span class="user-name">{u.name.clone()}</span>
                            <span class="user-meta">
                                {move || role_label(lang.get(), role)} " · " {unit.clone()}
                            </span>
                        </button>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="start">
            <h1>{t(T::ChooseUser)}</h1>
            <p class="hint">{t(T::ChooseUserHint)}</p>
            <ul class="user-list">{users}</ul>
        </section>
    }
}

/// Shown while there is no directory: loading, or the first start is offline.
#[component]
pub fn DirectoryMissing() -> impl IntoView {
    let session = expect_context::<Session>();
    let lang = use_lang();
    move || {
        let text = if session.load_error.with(Option::is_some) {
            T::NeedNetworkFirst
        } else {
            T::Loading
        };
        view! { <p class="notice">{text.get(lang.get())}</p> }
    }
}

/// A role in words.
pub fn role_label(lang: Lang, role: UserRole) -> &'static str {
    match role {
        UserRole::Officer => T::RoleOfficer,
        UserRole::Reviewer => T::RoleReviewer,
        UserRole::Viewer => T::RoleViewer,
        UserRole::Admin => T::RoleAdmin,
    }
    .get(lang)
}
