//! The app root: provides the language, the sync loop and the session as
//! context, shows the top bar (with where the data is) and routes the screens.

use crate::components::district::district_page;
use crate::components::report_form::report_page;
use crate::components::report_list::report_list;
use crate::components::start::start_screen;
use crate::components::top_bar::top_bar;
use crate::dom::{View, dynamic, el, untrack};
use crate::i18n::{Lang, T, t};
use crate::local_store;
use crate::reactive::*;
use crate::route::{Route, Router};
use crate::session::{Session, peer_identity};
use crate::sync_loop::SyncLoop;

/// Whether the browser promised to keep this site's storage (see
/// [`local_store::request_persistence`]); `None` until it answers.
#[derive(Clone, Copy)]
pub struct Persistence(pub RwSignal<Option<bool>>);

/// The whole app.
pub fn app() -> View {
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
    spawn_local(async move {
        persisted.set(local_store::request_persistence().await);
    });
    provide_context(Persistence(persisted));

    let (peer_id, storage_id) = peer_identity();
    let sync = SyncLoop::start(peer_id, storage_id);
    provide_context(sync);
    provide_context(Session::start(sync));

    let router = Router::install();
    let mut page = top_bar();
    page.push(el("main").class("page").child(dynamic(move || {
        let route = router.get();
        // A screen's own reads re-render the screen's parts, not the route.
        untrack(move || match route {
            Route::Start => start_screen(),
            Route::Reports => report_list(),
            Route::Report(at) => report_page(at),
            Route::District(at) => district_page(at),
            Route::Unknown => el("p").class("notice").dyn_text(t(T::UnknownPage)).into(),
        })
    })));
    page
}
