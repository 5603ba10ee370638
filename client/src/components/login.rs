//! Logging in and out: the login form (first start, and again when the
//! server no longer accepts the kept session), the alert that says sync waits
//! for a login, and logout that never deletes unsynced work without a warning.

use crate::api::ApiError;
use crate::dom::{View, el, event_target_value, show};
use crate::i18n::{Lang, T, logout_warning, t, use_lang};
use crate::reactive::*;
use crate::route::use_router;
use crate::session::Session;
use crate::sync_loop::SyncLoop;

/// The login form. On success the app goes to the report list.
pub fn login_form() -> View {
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
    let submit = move |ev: web_sys::Event| {
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
    el("section")
        .class("login")
        .child(el("h1").dyn_text(t(T::LoginTitle)))
        .child(el("p").class("hint").dyn_text(t(T::LoginHint)))
        .child(
            el("form")
                .on("submit", submit)
                .testid("login-form")
                .child(
                    el("label")
                        .class("login-field")
                        .child(el("span").dyn_text(t(T::LoginUser)))
                        .child(
                            el("input")
                                .attr("type", "text")
                                .attr("name", "username")
                                .attr("autocomplete", "username")
                                .attr("autocapitalize", "none")
                                .attr("spellcheck", "false")
                                .attr("required", "")
                                .testid("login-user")
                                .dyn_prop("value", move || user.get())
                                .on("input", move |ev| user.set(event_target_value(&ev))),
                        ),
                )
                .child(
                    el("label")
                        .class("login-field")
                        .child(el("span").dyn_text(t(T::LoginPassword)))
                        .child(
                            el("input")
                                .attr("type", "password")
                                .attr("name", "password")
                                .attr("autocomplete", "current-password")
                                .attr("required", "")
                                .testid("login-password")
                                .dyn_prop("value", move || password.get())
                                .on("input", move |ev| password.set(event_target_value(&ev))),
                        ),
                )
                .show(
                    move || error.with(Option::is_some),
                    move || {
                        el("p")
                            .class("notice error")
                            .attr("role", "alert")
                            .testid("login-error")
                            .dyn_text(move || {
                                error
                                    .with(|e| e.as_ref().map(|e| login_error(e, lang.get())))
                                    .unwrap_or_default()
                            })
                    },
                )
                .child(
                    el("button")
                        .attr("type", "submit")
                        .class("primary")
                        .testid("login-submit")
                        .dyn_prop("disabled", move || busy.get())
                        .dyn_text(move || {
                            if busy.get() {
                                T::LoggingIn
                            } else {
                                T::LoginSubmit
                            }
                            .get(lang.get())
                        }),
                ),
        )
        .into()
}

/// What to tell the user about a failed login.
fn login_error(e: &ApiError, lang: Lang) -> String {
    match e {
        ApiError::Status(401) => T::LoginWrong.get(lang).to_string(),
        ApiError::Status(429) => T::LoginTooMany.get(lang).to_string(),
        ApiError::Network(_) => T::LoginOffline.get(lang).to_string(),
        other => other.message(lang),
    }
}

/// The alert shown on every screen while the server refuses the kept session
/// (before the first login, the start screen is the login form).
pub fn login_required() -> View {
    let sync = expect_context::<SyncLoop>();
    let session = expect_context::<Session>();
    let router = use_router();
    let needed = Memo::new(move |_| {
        sync.snapshot().with(|s| s.login_required) && session.login.with(Option::is_some)
    });
    show(
        move || needed.get(),
        move || {
            el("div")
                .class("alert")
                .attr("role", "alert")
                .testid("login-required")
                .child(el("strong").dyn_text(t(T::SyncNeedsLogin)))
                .text(" ")
                .child(el("small").dyn_text(t(T::SyncNeedsLoginHint)))
                .text(" ")
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("link-button")
                        .testid("login-again")
                        .on("click", move |_| router.go("/", false))
                        .dyn_text(t(T::LoginAgain)),
                )
        },
    )
}

/// Logout. With reports not yet on the server it first warns that they would
/// be deleted, and offers to stay.
pub fn logout_button() -> View {
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
    let mut view = View::from(
        el("button")
            .attr("type", "button")
            .class("switch-user")
            .testid("logout")
            .on("click", ask)
            .dyn_text(t(T::Logout)),
    );
    view.push(show(
        move || warning.get(),
        move || {
            el("div")
                .class("alert logout-warning")
                .attr("role", "alertdialog")
                .testid("logout-warning")
                .child(el("p").dyn_text(move || logout_warning(lang.get(), pending.get())))
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("primary")
                        .testid("logout-stay")
                        .on("click", move |_| warning.set(false))
                        .dyn_text(t(T::LogoutStay)),
                )
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("remove")
                        .testid("logout-confirm")
                        .on("click", move |_| session.log_out())
                        .dyn_text(t(T::LogoutAnyway)),
                )
        },
    ));
    view
}
