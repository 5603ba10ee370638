//! The review workflow on the report form: the steps the user may take
//! (submit, return with a comment, approve, reopen — the rules of
//! `shared::workflow`, as the server applies them), the report's history,
//! and the banner of a report whose changes the server refused.

use crate::directory::Directory;
use crate::dom::{View, dynamic, el, event_target_value, show, untrack};
use crate::editor::Editor;
use crate::format::date_time;
use crate::i18n::{T, refusal, step, step_action, t, use_lang};
use crate::reactive::*;
use crate::sync_loop::SyncLoop;
use shared::DocumentId;
use shared::validate::can_submit;
use shared::workflow::{Rights, Status, Step, steps};
use std::rc::Rc;
use std::sync::Arc;

/// The buttons of the steps `rights` allow from the report's status.
pub fn workflow_bar(rights: Rights, user: String) -> View {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let status = Memo::new(move |_| ed.view.with(|v| Status::of(v.status.as_deref())));
    let available = Memo::new(move |_| steps(status.get(), rights));
    let comment = RwSignal::new(String::new());
    // Some(true): the last step was taken; Some(false): submission blocked.
    let outcome = RwSignal::new(None::<(Step, bool)>);
    let take = Rc::new(move |s: Step| {
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
    el("div")
        .class("submit-bar")
        .testid("workflow")
        .child(show(needs_comment, move || {
            untrack(|| {
                el("label")
                    .class("review-comment")
                    .child(el("span").dyn_text(t(T::ReviewComment)))
                    .child(
                        el("textarea")
                            .testid("review-comment")
                            .dyn_attr("placeholder", move || {
                                Some(T::ReviewCommentHint.get(lang.get()))
                            })
                            .dyn_prop("value", move || comment.get())
                            .on("input", move |ev| comment.set(event_target_value(&ev))),
                    )
            })
        }))
        .child(el("div").class("workflow-actions").dyn_child(move || {
            let avail = available.get();
            untrack(|| {
                avail
                    .into_iter()
                    .map(|s| {
                        let take = take.clone();
                        let blocked =
                            move || s.needs_comment() && comment.with(|c| c.trim().is_empty());
                        el("button")
                            .attr("type", "button")
                            .class(if s == Step::Return { "" } else { "primary" })
                            .testid(&format!("step-{}", s.as_str()))
                            .dyn_prop("disabled", blocked)
                            .on("click", move |_| take(s))
                            .dyn_text(move || step_action(lang.get(), s))
                    })
                    .collect::<View>()
            })
        }))
        .dyn_child(move || {
            let outcome = outcome.get();
            untrack(|| match outcome {
                Some((Step::Submit, true)) => el("p")
                    .class("notice ok")
                    .attr("role", "status")
                    .child(el("strong").dyn_text(t(T::Submitted)))
                    .text(" ")
                    .dyn_text(t(T::SubmittedHint))
                    .into(),
                Some((Step::Submit, false)) => el("p")
                    .class("notice error")
                    .attr("role", "alert")
                    .dyn_text(t(T::SubmitBlocked))
                    .into(),
                _ => View::empty(),
            })
        })
        .into()
}

/// Every step taken: what, who, when, with the comment.
pub fn history(dir: Arc<Directory>) -> View {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let history = Memo::new(move |_| ed.view.with(|v| v.history.clone()));
    dynamic(move || {
        let lang = lang.get();
        let entries = history.get();
        let dir = dir.clone();
        untrack(move || {
            let empty = entries.is_empty();
            let items = entries
                .into_iter()
                .map(|h| {
                    let who = dir
                        .user(&h.by)
                        .map_or_else(|| h.by.clone(), |u| u.name.clone());
                    let comment = (!h.comment.is_empty())
                        .then(|| el("blockquote").class("review-note").text(&h.comment));
                    el("li")
                        .testid(&format!("history-{}", h.step.as_str()))
                        .child(el("strong").text(step(lang, h.step)))
                        .text(" · ")
                        .text(&who)
                        .text(" · ")
                        .text(&date_time(h.at))
                        .child(comment)
                })
                .collect::<View>();
            let mut details = el("details").class("section history").testid("history");
            if !empty {
                details = details.attr("open", "");
            }
            details
                .child(
                    el("summary")
                        .child(el("span").class("section-title").text(T::History.get(lang))),
                )
                .child(
                    el("div")
                        .class("fields")
                        .child(empty.then(|| el("p").class("help").text(T::NoHistory.get(lang))))
                        .child(el("ol").class("history-list").child(items)),
                )
        })
    })
}

/// Shown while the server refuses this phone's changes to the report.
pub fn refused_banner(doc: DocumentId) -> View {
    let sync = expect_context::<SyncLoop>();
    let lang = use_lang();
    let reason = Memo::new(move |_| {
        sync.snapshot()
            .with(|s| s.doc(&doc).and_then(|d| d.refused.clone()))
    });
    dynamic(move || {
        let reason = reason.get();
        let lang = lang.get();
        untrack(|| {
            reason.map(|code| {
                el("div")
                    .class("alert refused")
                    .attr("role", "alert")
                    .testid("refused-banner")
                    .child(el("strong").text(T::RefusedTitle.get(lang)))
                    .child(el("p").testid("refused-reason").text(&refusal(lang, &code)))
                    .child(el("p").text(T::RefusedKept.get(lang)))
            })
        })
    })
}
