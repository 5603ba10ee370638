//! Start screen: the login form on a server with accounts (or, once logged
//! in, straight on to the reports); the list of users to pick from on a
//! server without accounts (`serve --no-auth`).

use crate::components::login::login_form;
use crate::dom::{View, dynamic, el, untrack};
use crate::i18n::{Lang, T, t, use_lang};
use crate::reactive::*;
use crate::route::use_router;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use shared::dataset::UserRole;

/// The start screen.
pub fn start_screen() -> View {
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
    dynamic(move || {
        let screen = screen.get();
        untrack(move || match screen {
            Screen::Login => login_form(),
            Screen::Leaving => View::empty(),
            Screen::Chooser => user_chooser(),
        })
    })
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
fn user_chooser() -> View {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let router = use_router();
    let users = move || {
        let Some(dir) = session.directory.get() else {
            return untrack(directory_missing);
        };
        let current = session.user_id.get();
        untrack(move || {
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
                    el("li").child(
                        el("button")
                            .attr("type", "button")
                            .class(if chosen { "user chosen" } else { "user" })
                            .testid(&format!("user-{}", u.id))
                            .on("click", choose)
                            .child(el("span").class("user-name").text(&u.name))
                            .child(
                                el("span")
                                    .class("user-meta")
                                    .dyn_text(move || role_label(lang.get(), role))
                                    .text(" · ")
                                    .text(&unit),
                            ),
                    )
                })
                .collect::<View>()
        })
    };
    el("section")
        .class("start")
        .child(el("h1").dyn_text(t(T::ChooseUser)))
        .child(el("p").class("hint").dyn_text(t(T::ChooseUserHint)))
        .child(el("ul").class("user-list").dyn_child(users))
        .into()
}

/// Shown while there is no directory: loading, or the first start is offline.
pub fn directory_missing() -> View {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let text = move || {
        if session.load_error.with(Option::is_some) {
            T::NeedNetworkFirst
        } else {
            T::Loading
        }
        .get(lang.get())
    };
    el("p").class("notice").dyn_text(text).into()
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
