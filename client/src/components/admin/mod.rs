//! The administrator's screens (`/admin/...`): reporting rounds, templates
//! (upload with a preview of the officer's form), the org tree, users and
//! the audit. They read and write through the admin REST API, which judges
//! every call by the caller's role and subtree; the screens only show what
//! it answers, so a refusal reads as the server's reason, word for word.

pub mod audit;
pub mod org;
pub mod preview;
pub mod rounds;
pub mod templates;
pub mod users;

use crate::api::ApiError;
use crate::components::start::DirectoryMissing;
use crate::i18n::{A, T, t, use_lang};
use crate::session::Session;
use leptos::prelude::*;
use shared::dataset::UserRole;
use std::future::Future;

/// The screens, in the order of the tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// Reporting rounds.
    Rounds,
    /// Templates.
    Templates,
    /// The org tree.
    Units,
    /// Users.
    Users,
    /// The audit.
    Audit,
}

impl Tab {
    const ALL: [Tab; 5] = [
        Tab::Rounds,
        Tab::Templates,
        Tab::Units,
        Tab::Users,
        Tab::Audit,
    ];

    /// The URL segment (`/admin/rounds`).
    pub fn slug(self) -> &'static str {
        match self {
            Tab::Rounds => "rounds",
            Tab::Templates => "templates",
            Tab::Units => "units",
            Tab::Users => "users",
            Tab::Audit => "audit",
        }
    }

    /// The tab a URL segment names (rounds when none or unknown).
    pub fn from_slug(slug: &str) -> Tab {
        Tab::ALL
            .into_iter()
            .find(|t| t.slug() == slug)
            .unwrap_or(Tab::Rounds)
    }

    fn label(self) -> A {
        match self {
            Tab::Rounds => A::TabRounds,
            Tab::Templates => A::TabTemplates,
            Tab::Units => A::TabUnits,
            Tab::Users => A::TabUsers,
            Tab::Audit => A::TabAudit,
        }
    }
}

/// `/admin/:tab`: the tabs and the chosen screen, for administrators.
#[component]
pub fn AdminPage(tab: Tab) -> impl IntoView {
    let session = expect_context::<Session>();
    // Only whether the page may show: the directory reloads after every
    // change made here, and the screen (a preview, a half-filled form)
    // must not be rebuilt when it does.
    let loaded = Memo::new(move |_| session.directory.with(Option::is_some));
    let admin = Memo::new(move |_| session.user().is_some_and(|u| u.role == UserRole::Admin));
    move || {
        if !loaded.get() {
            return view! { <DirectoryMissing /> }.into_any();
        }
        if !admin.get() {
            return view! { <p class="notice" data-testid="admin-only">{t(A::AdminOnly)}</p> }
                .into_any();
        }
        let links = Tab::ALL
            .into_iter()
            .map(|each| {
                view! {
                    <a
                        href=format!("/admin/{}", each.slug())
                        class="tab"
                        aria-current=(each == tab).then_some("page")
                        data-testid=format!("admin-tab-{}", each.slug())
                    >
                        {t(each.label())}
                    </a>
                }
            })
            .collect_view();
        let screen = match tab {
            Tab::Rounds => view! { <rounds::Rounds /> }.into_any(),
            Tab::Templates => view! { <templates::Templates /> }.into_any(),
            Tab::Units => view! { <org::OrgTree /> }.into_any(),
            Tab::Users => view! { <users::Users /> }.into_any(),
            Tab::Audit => view! { <audit::Audit /> }.into_any(),
        };
        view! {
            <section class="admin" data-testid="admin">
                <a class="back" href="/reports">
                    "← "
                    {t(T::BackToList)}
                </a>
                <h1>{t(A::Title)}</h1>
                <nav class="tabs">{links}</nav>
                {screen}
            </section>
        }
        .into_any()
    }
}

/// What the last action came to.
#[derive(Clone, Debug)]
enum Said {
    /// Done (what was done).
    Done(A),
    /// Refused by the server, or no answer.
    Failed(ApiError),
    /// Not sent: something is missing from the form.
    Incomplete(A),
}

/// The state of a screen's actions: one runs at a time, and the last one's
/// outcome shows until the next starts. `done` moves on each success, so the
/// screen's lists reload after every change.
#[derive(Clone, Copy)]
pub struct Action {
    busy: RwSignal<bool>,
    outcome: RwSignal<Option<Said>>,
    /// Moves on each successful action.
    pub done: RwSignal<u32>,
}

impl Action {
    /// No action yet.
    pub fn new() -> Action {
        Action {
            busy: RwSignal::new(false),
            outcome: RwSignal::new(None),
            done: RwSignal::new(0),
        }
    }

    /// Whether an action is under way (buttons wait).
    pub fn busy(self) -> bool {
        self.busy.get()
    }

    /// Runs `call`; on success says `success` and refreshes the phone's
    /// directory (a new round or template shows in the app at once).
    pub fn run(self, success: A, call: impl Future<Output = Result<(), ApiError>> + 'static) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = call.await;
            if result.is_ok() {
                self.done.update(|n| *n += 1);
                if let Some(session) = use_context::<Session>() {
                    session.reload();
                }
            }
            self.outcome.set(Some(match result {
                Ok(()) => Said::Done(success),
                Err(e) => Said::Failed(e),
            }));
            self.busy.set(false);
        });
    }

    /// Shows a problem found before calling the server (an empty box).
    pub fn incomplete(self, why: A) {
        self.outcome.set(Some(Said::Incomplete(why)));
    }
}

impl Default for Action {
    fn default() -> Self {
        Action::new()
    }
}

/// The last action's outcome: what was done, or why not.
#[component]
pub fn Outcome(action: Action) -> impl IntoView {
    let lang = use_lang();
    move || match action.outcome.get() {
        None => ().into_any(),
        Some(Said::Done(done)) => view! {
            <p class="notice ok" role="status" data-testid="admin-ok">
                {done.get(lang.get())}
            </p>
        }
        .into_any(),
        Some(Said::Failed(e)) => view! {
            <p class="alert" role="alert" data-testid="admin-error">
                {e.message(lang.get())}
            </p>
        }
        .into_any(),
        Some(Said::Incomplete(why)) => view! {
            <p class="alert" role="alert" data-testid="admin-error">
                {why.get(lang.get())}
            </p>
        }
        .into_any(),
    }
}

/// A list loaded from the server: loading, the error, or `view` of it.
pub fn loaded<L: Clone + 'static, V: IntoView + 'static>(
    data: LocalResource<Result<L, ApiError>>,
    view: impl Fn(L) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    move || match data.get() {
        None => view! { <p class="notice">{t(T::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="notice error">{e.message(lang.get())}</p> }.into_any(),
        Some(Ok(list)) => view(list).into_any(),
    }
}
