//! The officer's form as an uploaded template would show it, before the
//! template is added: the same sections and fields as the real form (on a
//! scratch report that is never stored nor sent), in a frame of a phone's
//! width, so the administrator sees what a commune will fill in — and can
//! type into it to try the template's limits and rules.

use crate::components::report_form::SectionView;
use crate::editor::Editor;
use crate::i18n::{A, t, use_lang};
use leptos::prelude::*;
use shared::template::Role;
use shared::validate::progress;
use shared::{ReportKey, Template};
use std::sync::Arc;

/// The scratch report's unit: no unit of any tree has an id with a space.
const NO_UNIT: &str = "preview unit";

/// The form of `template` for `role`, in a phone-sized frame.
#[component]
pub fn FormPreview(template: Arc<Template>, period: String) -> impl IntoView {
    let lang = use_lang();
    let role = RwSignal::new(Role::Reporting);
    let form = move || {
        let role = role.get();
        let key = ReportKey::new(&template.id, NO_UNIT, &period);
        let ed = Editor::scratch(key, template.clone(), role);
        let counts = {
            let template = template.clone();
            let view = ed.view;
            Memo::new(move |_| view.with(|v| progress(&template, v, role)))
        };
        let error = ed.error;
        // Before the sections: each field finds the editor in its context.
        provide_context(ed);
        let all_open = RwSignal::new(true);
        let sections = template
            .sections
            .iter()
            .filter(|s| s.scope.includes(role))
            .map(|s| view! { <SectionView section=s.clone() all_open /> })
            .collect_view();
        let title = template.title.clone();
        let title_en = template.title_en.clone();
        view! {
            <div class="form-head">
                <p class="sub">
                    {move || lang.get().pick(&title, title_en.as_deref()).to_string()}
                </p>
                <span class="progress" data-testid="preview-progress">
                    {move || counts.with(|(f, t)| format!("{f}/{t}"))}
                </span>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <fieldset class="sections">{sections}</fieldset>
        }
    };
    let pick = move |r: Role| {
        view! {
            <button
                type="button"
                aria-pressed=move || (role.get() == r).to_string()
                data-testid=format!("preview-role-{}", if r == Role::Reporting { 1 } else { 2 })
                on:click=move |_| role.set(r)
            >
                {t(if r == Role::Reporting { A::PreviewReporting } else { A::PreviewConsolidating })}
            </button>
        }
    };
    view! {
        <div class="preview-roles">{pick(Role::Reporting)} {pick(Role::Consolidating)}</div>
        <div class="phone-frame" data-testid="template-preview">
            <section class="report">{form}</section>
        </div>
    }
}
