//! Saving a file the app fetched: the browser's own download, from memory.
//!
//! The exports need the session token, which a plain `<a href>` cannot send,
//! so the app fetches the bytes itself; this hands them to the browser as a
//! `Blob` behind an object URL and clicks a temporary `<a download>`, which
//! saves them under the given name exactly as a link to the file would.

use wasm_bindgen::JsCast;

/// How long the object URL lives after the click: the browser has copied
/// the blob into its download by then, and the memory is released.
const REVOKE_AFTER_MS: u32 = 60_000;

/// Saves `bytes` as a file called `name` of type `content_type`.
pub fn save(bytes: &[u8], content_type: &str, name: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    body.append_child(&link).map_err(|e| format!("{e:?}"))?;
    link.click();
    link.remove();
    gloo_timers::callback::Timeout::new(REVOKE_AFTER_MS, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
