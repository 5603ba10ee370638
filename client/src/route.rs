//! The app's screens and their URLs.
//!
//! Four fixed routes need no routing library: this module is the whole router
//! (leptos_router and the URL parser it brings cost ≈ 60 KB of the phone's
//! download). Same-origin link clicks and the back button change one signal;
//! the address bar follows with the History API, so a reload or a shared link
//! opens the same screen (the service worker serves the app for every path).

use crate::directory::Directory;
use leptos::prelude::*;
use shared::Template;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// A screen and what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: log in, or choose a user when the server has no accounts.
    Start,
    /// `/reports`: the user's reports.
    Reports,
    /// `/report/:template/:period/:unit`: one report's form.
    Report(ReportRef),
    /// `/district/:template/:period/:unit`: a consolidating unit's summary.
    District(ReportRef),
    /// Anything else.
    Unknown,
}

/// The three parts of a report's URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRef {
    /// Template id.
    pub template: String,
    /// Period.
    pub period: String,
    /// Org unit id.
    pub unit: String,
}

impl ReportRef {
    /// The template of the report, if the directory knows both its unit and
    /// its template.
    pub fn template_in(&self, dir: &Directory) -> Option<Template> {
        dir.org.get(&self.unit)?;
        dir.template(&self.template).cloned()
    }
}

impl Route {
    /// The route of a URL path (`/report/a/b/c`); segments are percent-decoded.
    pub fn parse(path: &str) -> Route {
        let parts: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect();
        let report = |p: &[String]| ReportRef {
            template: p[0].clone(),
            period: p[1].clone(),
            unit: p[2].clone(),
        };
        match parts.as_slice() {
            [] => Route::Start,
            [r] if r == "reports" => Route::Reports,
            [r, rest @ ..] if r == "report" && rest.len() == 3 => Route::Report(report(rest)),
            [r, rest @ ..] if r == "district" && rest.len() == 3 => Route::District(report(rest)),
            _ => Route::Unknown,
        }
    }
}

fn decode(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_string();
    }
    js_sys::decode_uri_component(segment)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| segment.to_string())
}

/// The current route, as context.
#[derive(Clone, Copy)]
pub struct Router(RwSignal<Route>);

impl Router {
    /// Reads the address bar and starts following link clicks and the back
    /// button; provides itself as context.
    pub fn install() -> Router {
        let router = Router(RwSignal::new(Route::parse(&current_path())));
        provide_context(router);
        let Some(window) = web_sys::window() else {
            return router;
        };
        let on_pop = Closure::<dyn Fn()>::new(move || router.show(&current_path()));
        let _ =
            window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        on_pop.forget();
        let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev| router.follow(ev));
        if let Some(doc) = window.document() {
            let _ =
                doc.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        }
        on_click.forget();
        router
    }

    /// The current route (tracked).
    pub fn get(&self) -> Route {
        self.0.get()
    }

    /// Goes to `path`; with `replace` the current history entry is replaced
    /// (a redirect), otherwise a new one is pushed (back returns here).
    pub fn go(&self, path: &str, replace: bool) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = if replace {
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
            } else {
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
            };
        }
        if !replace && let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.show(path);
    }

    /// Shows `path`'s screen; the same screen again is no change (nothing
    /// re-renders).
    fn show(&self, path: &str) {
        let route = Route::parse(path);
        if self.0.with_untracked(|r| *r != route) {
            self.0.set(route);
        }
    }

    /// A plain left click on a same-origin link becomes an in-app navigation.
    fn follow(&self, ev: web_sys::MouseEvent) {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.ctrl_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let Some(anchor) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        else {
            return;
        };
        let same_origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .is_some_and(|o| o == anchor.origin());
        if !same_origin || !anchor.target().is_empty() || anchor.has_attribute("download") {
            return;
        }
        // Only the app's own screens: a link to anything else the server
        // serves (a file, an export) is left to the browser.
        let path = anchor.pathname();
        if Route::parse(&path) == Route::Unknown {
            return;
        }
        ev.prevent_default();
        self.go(&format!("{path}{}", anchor.search()), false);
    }
}

fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".into())
}

/// The router provided by [`Router::install`].
pub fn use_router() -> Router {
    expect_context::<Router>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(t: &str, p: &str, u: &str) -> ReportRef {
        ReportRef {
            template: t.into(),
            period: p.into(),
            unit: u.into(),
        }
    }

    #[test]
    fn paths_map_to_routes() {
        assert_eq!(Route::parse("/"), Route::Start);
        assert_eq!(Route::parse(""), Route::Start);
        assert_eq!(Route::parse("/reports"), Route::Reports);
        assert_eq!(Route::parse("/reports/"), Route::Reports);
        assert_eq!(
            Route::parse("/report/bao-ve-tre-em/2024-H1/xa-a"),
            Route::Report(report("bao-ve-tre-em", "2024-H1", "xa-a"))
        );
        assert_eq!(
            Route::parse("/district/t/2024-N/huyen"),
            Route::District(report("t", "2024-N", "huyen"))
        );
        assert_eq!(Route::parse("/report/t/p"), Route::Unknown);
        assert_eq!(Route::parse("/report/t/p/u/x"), Route::Unknown);
        assert_eq!(Route::parse("/elsewhere"), Route::Unknown);
    }
}
