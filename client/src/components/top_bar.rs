//! The bar on every screen: app name, where the data is, language switch, and
//! an alert when the phone refuses to store more.

use crate::components::login::login_required;
use crate::components::sync_status::sync_status;
use crate::dom::{View, el};
use crate::i18n::{T, t, use_lang};
use crate::local_store;
use crate::reactive::*;
use crate::service_worker;
use crate::session::Session;
use crate::sync_loop::SyncLoop;

/// The top bar.
pub fn top_bar() -> View {
    let lang = use_lang();
    let sync = expect_context::<SyncLoop>();
    let storage_error = Memo::new(move |_| sync.snapshot().with(|s| s.storage_error.clone()));
    let switch = move |_| {
        let next = lang.get_untracked().other();
        lang.set(next);
        if let Err(e) = local_store::set_json(local_store::LANG, &next) {
            web_sys::console::warn_1(&format!("cannot remember the language: {e}").into());
        }
    };
    let mut bar = View::from(
        el("header")
            .class("topbar")
            .child(
                el("a")
                    .class("brand")
                    .attr("href", "/reports")
                    .dyn_text(t(T::AppName)),
            )
            .child(sync_status())
            .child(
                el("button")
                    .attr("type", "button")
                    .class("lang")
                    .testid("lang-switch")
                    .on("click", switch)
                    .dyn_text(t(T::SwitchLanguage)),
            ),
    );
    bar.push(version_mismatch());
    bar.push(login_required());
    bar.push(crate::dom::show(
        move || storage_error.with(Option::is_some),
        move || {
            el("p")
                .class("alert")
                .attr("role", "alert")
                .testid("storage-error")
                .dyn_text(t(T::StorageFailed))
                .child(el("small").dyn_text(move || storage_error.get().unwrap_or_default()))
        },
    ));
    bar
}

/// Shown when the server speaks another API version than this app: the data
/// stays on the phone, and the officer can reopen the app on the new shell.
fn version_mismatch() -> View {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let text = move || {
        let key = match session.server_api.get() {
            Some(v) if v > shared::API_VERSION => T::AppOutdated,
            _ => T::ServerOutdated,
        };
        key.get(lang.get())
    };
    crate::dom::show(
        move || session.server_api.with(Option::is_some),
        move || {
            el("p")
                .class("alert")
                .attr("role", "alert")
                .testid("version-mismatch")
                .dyn_text(text)
                .text(" ")
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("link-button")
                        .on("click", move |_| service_worker::apply_update_and_reload())
                        .dyn_text(t(T::ReloadApp)),
                )
        },
    )
}
