//! The review workflow on the report form: the steps the user may take
//! (submit, return with a comment, approve, reopen — the rules of
//! `shared::workflow`, as the server applies them), the report's history,
//! and the banner of a report whose changes the server refused.

use crate::directory::Directory;
use crate::editor::Editor;
use crate::format::date_time;
use crate::i18n::{T, refusal, step, step_action, t, use_lang};
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use shared::DocumentId;
use shared::validate::can_submit;
use shared::workflow::{Rights, Status, Step, steps};
use std::sync::Arc;

/// The buttons of the steps `rights` allow from the report's status.
#[component]
pub fn WorkflowBar(rights: Rights, user: String) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let status = Memo::new(move |_| ed.view.with(|v| Status::of(v.status.as_deref())));
    let available = Memo::new(move |_| steps(status.get(), rights));
    let comment = RwSignal::new(String::new());
    // Some(true): the last step was taken; Some(false): submission blocked.
    let outcome = RwSignal::new(None::<(Step, bool)>);
    // "Cannot submit yet" goes as soon as the last blocking error is fixed,
    // not at the next press of the button: it would send the officer looking
    // for a mistake that is no longer there.
    let issues = ed.issues;
    Effect::new(move |_| {
        let blocked = outcome.with(|o| *o == Some((Step::Submit, false)));
        if blocked && issues.with(|i| can_submit(i)) {
            outcome.set(None);
        }
    });
    let take = Arc::new(move |s: Step| {
        if s == Step::Submit {
            ed.show_required.set(true);
            if !can_submit(&ed.issues.get_untracked()) {
                outcome.set(Some((s, false)));
                return;
            }
        }
        let text = comment.get_untracked();
        let done = ed.apply(|r| r.take_step(s, &user, text.trim()));
        if done {
            comment.set(String::new());
        }
        outcome.set(Some((s, done)));
    });
    let needs_comment = move || available.with(|a| a.iter().any(|s| s.needs_comment()));
    view! {
        <div class="submit-bar" data-testid="workflow">
            <Show when=needs_comment>
                <label class="review-comment">
                    <span>{t(T::ReviewComment)}</span>
                    <textarea
                        data-testid="review-comment"
                        placeholder=move || T::ReviewCommentHint.get(lang.get())
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))
                    ></textarea>
                </label>
            </Show>
            <div class="workflow-actions">
                {move || {
                    available
                        .get()
                        .into_iter()
                        .map(|s| {
                            let take = take.clone();
                            let blocked = move || {
                                s.needs_comment() && comment.with(|c| c.trim().is_empty())
                            };
                            view! {
                                <button
                                    type="button"
                                    class=if s == Step::Return { "" } else { "primary" }
                                    data-testid=format!("step-{}", s.as_str())
                                    prop:disabled=blocked
                                    on:click=move |_| take(s)
                                >
                                    {move || step_action(lang.get(), s)}
                                </button>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {move || match outcome.get() {
                Some((Step::Submit, true)) => {
                    view! {
                        <p class="notice ok" role="status">
                            <strong>{t(T::Submitted)}</strong>
                            " "
                            {t(T::SubmittedHint)}
                        </p>
                    }
                        .into_any()
                }
                Some((Step::Submit, false)) => {
                    view! {
                        <p class="notice error" role="alert" data-testid="submit-blocked">
                            {t(T::SubmitBlocked)}
                        </p>
                    }
                        .into_any()
                }
                _ => ().into_any(),
            }}
        </div>
    }
}

/// On a submitted report, for whoever fills it in: edits still go through
/// (until approval), but they change what the reviewer was sent — say so
/// before the officer "just fixes one figure".
#[component]
pub fn SubmittedNote(rights: Rights) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let submitted = Memo::new(move |_| {
        ed.view
            .with(|v| Status::of(v.status.as_deref()) == Status::Submitted)
    });
    let shown = move || submitted.get() && rights.write && !rights.review;
    view! {
        <Show when=shown>
            <p class="notice" data-testid="submitted-note">
                {t(T::SubmittedNote)}
            </p>
        </Show>
    }
}

/// Every step taken: what, who, when, with the comment.
#[component]
pub fn History(dir: Arc<Directory>) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let history = Memo::new(move |_| ed.view.with(|v| v.history.clone()));
    move || {
        let lang = lang.get();
        let items = history
            .get()
            .into_iter()
            .map(|h| {
                let who = dir
                    .user(&h.by)
                    .map_or_else(|| h.by.clone(), |u| u.name.clone());
                let comment = (!h.comment.is_empty()).then(|| {
                    view! { <blockquote class="review-note">{h.comment.clone()}</blockquote> }
                });
                view! {
                    <li data-testid=format!("history-{}", h.step.as_str())>
                        <strong>{step(lang, h.step)}</strong>
                        " · "
                        {who}
                        " · "
                        {date_time(h.at)}
                        {comment}
                    </li>
                }
            })
            .collect_view();
        let empty = history.with(Vec::is_empty);
        view! {
            <details class="section history" data-testid="history" open=!empty>
                <summary>
                    <span class="section-title">{T::History.get(lang)}</span>
                </summary>
                <div class="fields">
                    {empty.then(|| view! { <p class="help">{T::NoHistory.get(lang)}</p> })}
                    <ol class="history-list">{items}</ol>
                </div>
            </details>
        }
    }
}

/// Shown while the server refuses this phone's changes to the report.
#[component]
pub fn RefusedBanner(doc: DocumentId) -> impl IntoView {
    let sync = expect_context::<SyncLoop>();
    let lang = use_lang();
    let reason = Memo::new(move |_| {
        sync.snapshot()
            .with(|s| s.doc(&doc).and_then(|d| d.refused.clone()))
    });
    move || {
        reason.get().map(|code| {
            let lang = lang.get();
            view! {
                <div class="alert refused" role="alert" data-testid="refused-banner">
                    <strong>{T::RefusedTitle.get(lang)}</strong>
                    <p data-testid="refused-reason">{refusal(lang, &code)}</p>
                    <p>{T::RefusedKept.get(lang)}</p>
                </div>
            }
        })
    }
}
