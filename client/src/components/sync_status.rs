//! Where the data is, in words: for the whole phone (top bar) and per report.
//! Tests read `data-state` (`local` | `syncing` | `server`).

use crate::format::clock_time;
use crate::i18n::{Lang, T, not_on_server, on_server_at, use_lang};
use crate::sync_loop::{Link, SyncLoop, SyncSnapshot, SyncState};
use leptos::prelude::*;
use shared::DocumentId;

/// The phone-wide status: reports not yet on the server, or when the server
/// last confirmed holding everything, plus the connection when it matters.
#[component]
pub fn SyncStatus() -> impl IntoView {
    let lang = use_lang();
    let snapshot = expect_context::<SyncLoop>().snapshot();
    let state = move || snapshot.with(overall_state).as_str();
    let text = move || snapshot.with(|s| overall_text(lang.get(), s));
    let link = move || {
        let lang = lang.get();
        snapshot.with(|s| match s.link {
            _ if s.login_required => T::SyncNeedsLogin.get(lang),
            Link::Offline => T::Offline.get(lang),
            Link::Waiting => T::ServerUnreachable.get(lang),
            Link::Connecting => T::Connecting.get(lang),
            Link::Connected => T::ConnectedToServer.get(lang),
        })
    };
    let link_state = move || {
        snapshot.with(|s| {
            if s.login_required {
                "login".to_string()
            } else {
                format!("{:?}", s.link).to_lowercase()
            }
        })
    };
    view! {
        <div class="sync-status" data-testid="sync-status" data-state=state aria-live="polite">
            <span class="sync-main">{text}</span>
            <span class="sync-link" data-link=link_state>
                {link}
            </span>
        </div>
    }
}

fn overall_state(s: &SyncSnapshot) -> SyncState {
    if s.pending() > 0 {
        if s.link == Link::Connected {
            SyncState::Syncing
        } else {
            SyncState::Local
        }
    } else if s.last_acked().is_some() {
        SyncState::Server
    } else {
        SyncState::Local
    }
}

fn overall_text(lang: Lang, s: &SyncSnapshot) -> String {
    let pending = s.pending();
    if pending > 0 {
        let first = if s.link == Link::Connected {
            T::Syncing
        } else {
            T::SavedHere
        };
        format!("{} · {}", first.get(lang), not_on_server(lang, pending))
    } else if let Some(at) = s.last_acked() {
        on_server_at(lang, &clock_time(at))
    } else {
        T::NoDocsYet.get(lang).to_string()
    }
}

/// One report's status.
#[component]
pub fn DocSyncBadge(doc: DocumentId) -> impl IntoView {
    let lang = use_lang();
    let snapshot = expect_context::<SyncLoop>().snapshot();
    let state = Memo::new(move |_| snapshot.with(|s| s.state_of(&doc)));
    let text = move || {
        let lang = lang.get();
        snapshot.with(|s| {
            let status = s.doc(&doc);
            if status.is_none_or(|d| d.empty) {
                return T::NotStartedHere.get(lang).to_string();
            }
            match s.state_of(&doc) {
                SyncState::Server => on_server_at(
                    lang,
                    &status
                        .and_then(|d| d.acked_at)
                        .map(clock_time)
                        .unwrap_or_default(),
                ),
                SyncState::Syncing => T::Syncing.get(lang).to_string(),
                SyncState::Local => {
                    format!(
                        "{} · {}",
                        T::SavedHere.get(lang),
                        T::NotYetOnServer.get(lang)
                    )
                }
            }
        })
    };
    view! {
        <span
            class=move || format!("doc-sync {}", state.get().as_str())
            data-testid="report-sync-state"
            data-state=move || state.get().as_str()
        >
            {text}
        </span>
    }
}
