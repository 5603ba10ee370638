//! Registers `/sw.js`, which keeps the app shell so the app opens with no
//! network at all after one visit (see `client/static/sw.js`).

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, spawn_local};

/// Registers the service worker if the browser supports it (it needs a
/// secure origin: https, or http on localhost/127.0.0.1).
pub fn register() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let supported =
        js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
    if !supported {
        web_sys::console::warn_1(
            &"no service worker support: the app will need a network to open".into(),
        );
        return;
    }
    let promise = navigator.service_worker().register("/sw.js");
    spawn_local(async move {
        if let Err(e) = JsFuture::from(promise).await {
            let message = crate::local_store::js_error(e);
            web_sys::console::warn_1(
                &format!("service worker registration failed: {message}").into(),
            );
        }
    });
}
