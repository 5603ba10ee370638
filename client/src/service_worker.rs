//! Registers `/sw.js`, which keeps the app shell so the app opens with no
//! network at all after one visit (see `client/static/sw.js`), and applies a
//! waiting update when the user asks for it.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::{JsFuture, spawn_local};

/// Registers the service worker if the browser supports it (it needs a
/// secure origin: https, or http on localhost/127.0.0.1).
pub fn register() {
    let Some(container) = container() else {
        web_sys::console::warn_1(
            &"no service worker support: the app will need a network to open".into(),
        );
        return;
    };
    let promise = container.register("/sw.js");
    spawn_local(async move {
        if let Err(e) = JsFuture::from(promise).await {
            let message = crate::local_store::js_error(e);
            web_sys::console::warn_1(
                &format!("service worker registration failed: {message}").into(),
            );
        }
    });
}

/// Restarts the app on the newest shell: a worker that installed in the
/// background and waits (see sw.js) is told to take over, and the page
/// reloads once it controls it; with no waiting worker, a plain reload (which
/// fetches and installs a newer one if the server has it). Everything typed is
/// already stored, so reloading loses nothing.
pub fn apply_update_and_reload() {
    let reload = || {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    let Some(container) = container() else {
        reload();
        return;
    };
    spawn_local(async move {
        let registration = JsFuture::from(container.get_registration())
            .await
            .ok()
            .and_then(|r| r.dyn_into::<web_sys::ServiceWorkerRegistration>().ok());
        match registration.and_then(|r| r.waiting()) {
            Some(waiting) => {
                let on_change = Closure::once_into_js(reload);
                container.set_oncontrollerchange(Some(on_change.unchecked_ref()));
                if waiting
                    .post_message(&JsValue::from_str("skip-waiting"))
                    .is_err()
                {
                    reload();
                }
            }
            None => reload(),
        }
    });
}

fn container() -> Option<web_sys::ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker"))
        .unwrap_or(false)
        .then(|| navigator.service_worker())
}
