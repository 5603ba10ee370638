//! One field of the form, by type: single values, narratives (free text that
//! several people may type into at once) and repeating records. Every change
//! goes straight into the report document through the [`Editor`].

use crate::components::records::RecordsField;
use crate::components::scalar_input::ScalarInput;
use crate::editor::Editor;
use crate::i18n::{T, use_lang};
use leptos::prelude::*;
use shared::Value;
use shared::template::{Field, FieldType};
use shared::validate::Severity;

/// A field of any type.
#[component]
pub fn FieldView(field: Field) -> impl IntoView {
    match field.ty.clone() {
        FieldType::Narrative => view! { <NarrativeField field /> }.into_any(),
        FieldType::Records { columns, .. } => view! { <RecordsField field columns /> }.into_any(),
        _ => view! { <ScalarField field /> }.into_any(),
    }
}

#[component]
fn ScalarField(field: Field) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let id = field.id.clone();
    let value = {
        let id = id.clone();
        Memo::new(move |_| ed.view.with(|v| v.fields.get(&id).cloned()))
    };
    let on_change = {
        let id = id.clone();
        let ed = ed.clone();
        Callback::new(move |v: Option<Value>| {
            ed.apply(|r| r.set_field(&id, v.as_ref()));
        })
    };
    let input_id = format!("f-{id}");
    view! {
        <div class="field">
            <FieldLabel
                for_id=input_id.clone()
                label=field.label.clone()
                label_en=field.label_en.clone()
                help=field.help.clone()
                required=field.required
            />
            <ScalarInput
                ty=field.ty.clone()
                value
                on_change
                testid=format!("field-{id}")
                input_id
                required=field.required
            />
            <IssueList field=id record=None column=None />
        </div>
    }
}

/// A narrative: the whole text is written on each input as the smallest
/// splice of the stored text, so two people typing at once both keep their words.
#[component]
fn NarrativeField(field: Field) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let id = field.id.clone();
    let stored = {
        let id = id.clone();
        Memo::new(move |_| {
            ed.view
                .with(|v| v.narratives.get(&id).cloned().unwrap_or_default())
        })
    };
    let text = RwSignal::new(stored.get_untracked());
    Effect::new(move |_| {
        let s = stored.get();
        if s != text.get_untracked() {
            text.set(s);
        }
    });
    let on_input = {
        let id = id.clone();
        let ed = ed.clone();
        move |ev| {
            let typed = event_target_value(&ev);
            text.set(typed.clone());
            ed.apply(|r| r.set_narrative(&id, &typed));
        }
    };
    let input_id = format!("f-{id}");
    view! {
        <div class="field narrative">
            <FieldLabel
                for_id=input_id.clone()
                label=field.label.clone()
                label_en=field.label_en.clone()
                help=field.help.clone()
                required=field.required
            />
            <textarea
                id=input_id
                class="input"
                rows="6"
                data-testid=format!("narrative-{id}")
                prop:value=move || text.get()
                on:input=on_input
            ></textarea>
            <IssueList field=id record=None column=None />
        </div>
    }
}

/// A field's label, in the current language, with its help text.
#[component]
pub fn FieldLabel(
    for_id: String,
    label: String,
    label_en: Option<String>,
    help: Option<String>,
    required: bool,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <label for=for_id class="label">
            {move || lang.get().pick(&label, label_en.as_deref()).to_string()}
            {required
                .then(|| {
                    view! {
                        <span class="required" title=move || T::Required.get(lang.get())>
                            " *"
                        </span>
                    }
                })}
        </label>
        {help.map(|h| view! { <p class="help">{h}</p> })}
    }
}

/// Validation messages for a field, or one column of one record.
#[component]
pub fn IssueList(field: String, record: Option<String>, column: Option<String>) -> impl IntoView {
    let ed = expect_context::<Editor>();
    let lang = use_lang();
    let mine = Memo::new(move |_| {
        ed.issues.with(|all| {
            all.iter()
                .filter(|i| i.field == field && i.record == record && i.column == column)
                .filter(|i| ed.visible(i))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    move || {
        let en = lang.get().is_en();
        mine.get()
            .into_iter()
            .map(|issue| {
                let class = match issue.severity {
                    Severity::Error => "issue error",
                    Severity::Warning => "issue warning",
                };
                view! { <p class=class>{issue.message(en)}</p> }
            })
            .collect_view()
    }
}
