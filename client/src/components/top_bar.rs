//! The bar on every screen: app name, where the data is, language switch, and
//! an alert when the phone refuses to store more.

use crate::components::sync_status::SyncStatus;
use crate::i18n::{T, t, use_lang};
use crate::local_store;
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
        <Show when=move || storage_error.with(Option::is_some)>
            <p class="alert" role="alert" data-testid="storage-error">
                {t(T::StorageFailed)}
                <small>{move || storage_error.get().unwrap_or_default()}</small>
            </p>
        </Show>
    }
}
