//! The app root: provides the language, the sync loop and the session as
//! context, shows the top bar (with where the data is) and routes the screens.

use crate::components::admin::{AdminPage, Tab};
use crate::components::district::DistrictPage;
use crate::components::report_form::ReportPage;
use crate::components::report_list::ReportList;
use crate::components::start::StartScreen;
use crate::components::top_bar::TopBar;
use crate::i18n::{Lang, T, t};
use crate::local_store;
use crate::route::{Router, use_report_ref};
use crate::session::{Session, peer_identity};
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use leptos_router::components::{Route, Router as Routing, Routes};
use leptos_router::path;

/// Whether the browser promised to keep this site's storage (see
/// [`local_store::request_persistence`]); `None` until it answers.
#[derive(Clone, Copy)]
pub struct Persistence(pub RwSignal<Option<bool>>);

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(local_store::get_json::<Lang>(local_store::LANG).unwrap_or_default());
    provide_context(lang);
    Effect::new(move |_| {
        let tag = lang.get().tag();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", tag);
        }
    });

    let persisted = RwSignal::new(None::<bool>);
    leptos::task::spawn_local(async move {
        persisted.set(local_store::request_persistence().await);
    });
    provide_context(Persistence(persisted));

    let (peer_id, storage_id) = peer_identity();
    let sync = SyncLoop::start(peer_id, storage_id);
    provide_context(sync);
    provide_context(Session::start(sync));

    view! {
        <Routing>
            <Navigation />
            <TopBar />
            <main class="page">
                <Routes fallback=|| view! { <p class="notice">{t(T::UnknownPage)}</p> }>
                    <Route path=path!("/") view=StartScreen />
                    <Route path=path!("/reports") view=ReportList />
                    <Route path=path!("/report/:template/:period/:unit") view=ReportRoute />
                    <Route path=path!("/district/:template/:period/:unit") view=DistrictRoute />
                    <Route path=path!("/admin") view=AdminRoute />
                    <Route path=path!("/admin/:tab") view=AdminRoute />
                </Routes>
            </main>
        </Routing>
    }
}

/// Provides the [`Router`] navigation handle inside `<Routing>`.
#[component]
fn Navigation() -> impl IntoView {
    Router::install();
}

/// `/report/:template/:period/:unit`: the report's form.
#[component]
fn ReportRoute() -> impl IntoView {
    let at = use_report_ref();
    move || view! { <ReportPage at=at.get() /> }
}

/// `/district/:template/:period/:unit`: the consolidating unit's page.
#[component]
fn DistrictRoute() -> impl IntoView {
    let at = use_report_ref();
    move || view! { <DistrictPage at=at.get() /> }
}

/// `/admin/:tab`: the administrator's screens.
#[component]
fn AdminRoute() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let tab =
        Memo::new(move |_| Tab::from_slug(&params.with(|p| p.get("tab").unwrap_or_default())));
    move || view! { <AdminPage tab=tab.get() /> }
}
