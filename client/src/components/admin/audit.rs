//! The audit: every administrative change, newest first — who did what to
//! which unit, user, round or template, and what it was before and after.

use super::loaded;
use crate::api::admin::{self, AuditEntry};
use crate::format::date_time;
use crate::i18n::{A, t};
use leptos::prelude::*;

/// How many entries the screen shows (the CLI's `audit --limit` reads more).
const SHOWN: u32 = 200;

/// The audit screen.
#[component]
pub fn Audit() -> impl IntoView {
    let entries = LocalResource::new(|| admin::audit(SHOWN));
    view! {
        <h2>{t(A::AuditTitle)}</h2>
        {loaded(entries, |list| view! { <AuditList list /> })}
    }
}

#[component]
fn AuditList(list: Vec<AuditEntry>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="notice">{t(A::NoAudit)}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|e| {
            let change = [e.before.as_ref(), e.after.as_ref()]
                .map(|v| v.map(serde_json::Value::to_string).unwrap_or_default());
            view! {
                <li class="admin-row" data-testid=format!("audit-{}", e.id)>
                    <div class="row-title">{e.action.clone()} " · " {e.target.clone()}</div>
                    <div class="row-sub">{date_time(e.at)} " · " {e.actor.clone()}</div>
                    {(!change[0].is_empty() || !change[1].is_empty())
                        .then(|| {
                            view! {
                                <div class="row-sub audit-change">
                                    {change[0].clone()} " → " {change[1].clone()}
                                </div>
                            }
                        })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="admin-list">{rows}</ul> }.into_any()
}
