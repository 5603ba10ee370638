//! Logging in and out: the login form (first start, and again when the
//! server no longer accepts the kept session), the alert that says sync waits
//! for a login, and logout that never deletes unsynced work without a warning.

use crate::api::ApiError;
use crate::i18n::{Lang, T, logout_warning, t, use_lang};
use crate::route::use_router;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The login form. On success the app goes to the report list.
#[component]
pub fn LoginForm() -> impl IntoView {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let router = use_router();
    // After an expired session the same person usually logs in again.
    let user = RwSignal::new(
        session
            .login
            .with_untracked(|l| l.as_ref().map(|l| l.user.id.clone()))
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = session
                .log_in(&user.get_untracked(), &password.get_untracked())
                .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    password.set(String::new());
                    router.go("/reports", false);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="login">
            <h1>{t(T::LoginTitle)}</h1>
            <p class="hint">{t(T::LoginHint)}</p>
            <form on:submit=submit data-testid="login-form">
                <label class="login-field">
                    <span>{t(T::LoginUser)}</span>
                    <input
                        type="text"
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        data-testid="login-user"
                        prop:value=move || user.get()
                        on:input=move |ev| user.set(event_target_value(&ev))
                    />
                </label>
                <label class="login-field">
                    <span>{t(T::LoginPassword)}</span>
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        data-testid="login-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                <Show when=move || error.with(Option::is_some)>
                    <p class="notice error" role="alert" data-testid="login-error">
                        {move || error.with(|e| e.as_ref().map(|e| login_error(e, lang.get())))}
                    </p>
                </Show>
                <button
                    type="submit"
                    class="primary"
                    data-testid="login-submit"
                    prop:disabled=move || busy.get()
                >
                    {move || {
                        if busy.get() { T::LoggingIn } else { T::LoginSubmit }.get(lang.get())
                    }}
                </button>
            </form>
        </section>
    }
}

/// What to tell the user about a failed login.
fn login_error(e: &ApiError, lang: Lang) -> String {
    match e {
        ApiError::Status(401) => T::LoginWrong.get(lang).to_string(),
        ApiError::Network(_) => T::LoginOffline.get(lang).to_string(),
        other => other.message(lang),
    }
}

/// The alert shown on every screen while the server refuses the kept session
/// (before the first login, the start screen is the login form).
#[component]
pub fn LoginRequired() -> impl IntoView {
    let sync = expect_context::<SyncLoop>();
    let session = expect_context::<Session>();
    let router = use_router();
    let needed = Memo::new(move |_| {
        sync.snapshot().with(|s| s.login_required) && session.login.with(Option::is_some)
    });
    let again = move |_| router.go("/", false);
    view! {
        <Show when=move || needed.get()>
            <div class="alert" role="alert" data-testid="login-required">
                <strong>{t(T::SyncNeedsLogin)}</strong>
                " "
                <small>{t(T::SyncNeedsLoginHint)}</small>
                " "
                <button
                    type="button"
                    class="link-button"
                    data-testid="login-again"
                    on:click=again
                >
                    {t(T::LoginAgain)}
                </button>
            </div>
        </Show>
    }
}

/// Logout. With reports not yet on the server it first warns that they would
/// be deleted, and offers to stay.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let session = expect_context::<Session>();
    let sync = expect_context::<SyncLoop>();
    let lang = use_lang();
    let warning = RwSignal::new(false);
    let pending = Memo::new(move |_| sync.snapshot().with(|s| s.pending()));
    let ask = move |_| {
        if pending.get_untracked() == 0 {
            session.log_out();
        } else {
            warning.set(true);
        }
    };
    view! {
        <button type="button" class="switch-user" data-testid="logout" on:click=ask>
            {t(T::Logout)}
        </button>
        <Show when=move || warning.get()>
            <div class="alert logout-warning" role="alertdialog" data-testid="logout-warning">
                <p>{move || logout_warning(lang.get(), pending.get())}</p>
                <button
                    type="button"
                    class="primary"
                    data-testid="logout-stay"
                    on:click=move |_| warning.set(false)
                >
                    {t(T::LogoutStay)}
                </button>
                <button
                    type="button"
                    class="remove"
                    data-testid="logout-confirm"
                    on:click=move |_| session.log_out()
                >
                    {t(T::LogoutAnyway)}
                </button>
            </div>
        </Show>
    }
}
