//! The app's screens and their URLs.
//!
//! The routes themselves are leptos_router's `<Routes>` in [`crate::app`]
//! (History API, same-origin link clicks, the back button; the service worker
//! serves the app for every path, so a reload or a shared link opens the same
//! screen). This module holds what the screens need of it: the report a URL
//! names and a `Copy` navigation handle.

use crate::directory::Directory;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::Template;

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

/// Navigation for the screens, as context: a `Copy` handle around
/// leptos_router's navigate function, so event handlers and effects can
/// change screen without holding the router's context themselves.
#[derive(Clone, Copy)]
pub struct Router(StoredValue<Navigate, LocalStorage>);

/// leptos_router's navigate function, boxed.
type Navigate = Box<dyn Fn(&str, NavigateOptions)>;

impl Router {
    /// Captures the router's navigate function; call inside `<Router>`.
    pub fn install() -> Router {
        let navigate = use_navigate();
        let router = Router(StoredValue::new_local(Box::new(navigate)));
        provide_context(router);
        router
    }

    /// Goes to `path`; with `replace` the current history entry is replaced
    /// (a redirect), otherwise a new one is pushed (back returns here, and
    /// the new screen starts at the top).
    pub fn go(&self, path: &str, replace: bool) {
        let options = NavigateOptions {
            replace,
            scroll: !replace,
            ..NavigateOptions::default()
        };
        self.0.with_value(|navigate| navigate(path, options));
    }
}

/// The router provided by [`Router::install`].
pub fn use_router() -> Router {
    expect_context::<Router>()
}

/// The report named by the `:template/:period/:unit` segments of the
/// current route (leptos_router percent-decodes them).
pub fn use_report_ref() -> Memo<ReportRef> {
    let params = use_params_map();
    Memo::new(move |_| {
        params.with(|p| ReportRef {
            template: p.get("template").unwrap_or_default(),
            period: p.get("period").unwrap_or_default(),
            unit: p.get("unit").unwrap_or_default(),
        })
    })
}
