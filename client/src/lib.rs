//! baocao's web app: a Leptos CSR app compiled to wasm32 that keeps every
//! report on the phone as an Automerge document and syncs it with the server
//! by itself whenever a connection exists.
//!
//! Layout: [`app`] (root, contexts, routes), [`sync_loop`] (the background sync
//! driver around the shared engine), [`local_store`] (localStorage),
//! [`api`] (REST calls), [`auth`] (the kept login), [`session`] and
//! [`directory`] (who does what),
//! [`i18n`] and [`format`] (words and numbers), [`components`] (screens).

pub mod api;
pub mod app;
pub mod auth;
pub mod components;
pub mod directory;
pub mod download;
pub mod editor;
pub mod format;
pub mod i18n;
pub mod ids;
pub mod local_store;
pub mod route;
pub mod service_worker;
pub mod session;
pub mod socket;
pub mod sync_loop;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point, run by the wasm-bindgen loader in `index.html`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    service_worker::register();
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(loading) = document
        .as_ref()
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    if !local_store::available() {
        // Nothing can be kept on this phone: say so instead of failing later.
        if let Some(body) = document.and_then(|d| d.body()) {
            // The language setting lives in that storage too: say it in both.
            let both = format!(
                "{} {}",
                i18n::T::NoStorage.get(i18n::Lang::Vi),
                i18n::T::NoStorage.get(i18n::Lang::En)
            );
            body.set_inner_text(&both);
        }
        return;
    }
    leptos::mount::mount_to_body(app::App);
}
