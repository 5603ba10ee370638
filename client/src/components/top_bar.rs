//! The bar on every screen: app name, where the data is, language switch, and
//! an alert when the phone refuses to store more.

use crate::components::login::LoginRequired;
use crate::components::sync_status::SyncStatus;
use crate::i18n::{T, t, use_lang};
use crate::local_store;
use crate::service_worker;
use crate::session::Session;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;

/// The top bar.
#[component]
pub fn TopBar() -> impl IntoView {
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
    view! {
        <header class="topbar">
            <a class="brand" href="/reports">
                {t(T::AppName)}
            </a>
            <SyncStatus />
            <button type="button" class="lang" data-testid="lang-switch" on:click=switch>
                {t(T::SwitchLanguage)}
            </button>
        </header>
        <VersionMismatch />
        <LoginRequired />
        <Show when=move || storage_error.with(Option::is_some)>
            <p class="alert" role="alert" data-testid="storage-error">
                {t(T::StorageFailed)}
                <small>{move || storage_error.get().unwrap_or_default()}</small>
            </p>
        </Show>
    }
}

/// Shown when the server speaks another API version than this app: the data
/// stays on the phone, and the officer can reopen the app on the new shell.
#[component]
fn VersionMismatch() -> impl IntoView {
    let session = expect_context::<Session>();
    let lang = use_lang();
    let text = move || {
        let key = match session.server_api.get() {
            Some(v) if v > shared::API_VERSION => T::AppOutdated,
            _ => T::ServerOutdated,
        };
        key.get(lang.get())
    };
    view! {
        <Show when=move || session.server_api.with(Option::is_some)>
            <p class="alert" role="alert" data-testid="version-mismatch">
                {text}
                " "
                <button
                    type="button"
                    class="link-button"
                    on:click=move |_| service_worker::apply_update_and_reload()
                >
                    {t(T::ReloadApp)}
                </button>
            </p>
        </Show>
    }
}
