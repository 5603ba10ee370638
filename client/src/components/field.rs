//! One field of the form, by type: single values, narratives (free text that
//! several people may type into at once) and repeating records. Every change
//! goes straight into the report document through the [`Editor`].

use crate::components::records::records_field;
use crate::components::scalar_input::scalar_input;
use crate::dom::{View, dynamic, el, event_target_value, untrack};
use crate::editor::Editor;
use crate::i18n::{T, use_lang};
use crate::reactive::*;
use shared::Value;
use shared::template::{Field, FieldType};
use shared::validate::Severity;

/// A field of any type.
pub fn field_view(field: Field) -> View {
    match field.ty.clone() {
        FieldType::Narrative => narrative_field(field),
        FieldType::Records { columns, .. } => records_field(field, columns),
        _ => scalar_field(field),
    }
}

fn scalar_field(field: Field) -> View {
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
    el("div")
        .class("field")
        .child(field_label(
            input_id.clone(),
            field.label.clone(),
            field.label_en.clone(),
            field.help.clone(),
            field.required,
        ))
        .child(scalar_input(
            field.ty.clone(),
            value,
            on_change,
            format!("field-{id}"),
            input_id,
            field.required,
        ))
        .child(issue_list(id, None, None))
        .into()
}

/// A narrative: the whole text is written on each input as the smallest
/// splice of the stored text, so two people typing at once both keep their words.
fn narrative_field(field: Field) -> View {
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
        move |ev: web_sys::Event| {
            let typed = event_target_value(&ev);
            text.set(typed.clone());
            ed.apply(|r| r.set_narrative(&id, &typed));
        }
    };
    let input_id = format!("f-{id}");
    el("div")
        .class("field narrative")
        .child(field_label(
            input_id.clone(),
            field.label.clone(),
            field.label_en.clone(),
            field.help.clone(),
            field.required,
        ))
        .child(
            el("textarea")
                .id(&input_id)
                .class("input")
                .attr("rows", "6")
                .testid(&format!("narrative-{id}"))
                .dyn_prop("value", move || text.get())
                .on("input", on_input),
        )
        .child(issue_list(id, None, None))
        .into()
}

/// A field's label, in the current language, with its help text.
pub fn field_label(
    for_id: String,
    label: String,
    label_en: Option<String>,
    help: Option<String>,
    required: bool,
) -> View {
    let lang = use_lang();
    let mut view = View::from(
        el("label")
            .attr("for", &for_id)
            .class("label")
            .dyn_text(move || lang.get().pick(&label, label_en.as_deref()).to_string())
            .child(required.then(|| {
                el("span")
                    .class("required")
                    .dyn_attr("title", move || Some(T::Required.get(lang.get())))
                    .text(" *")
            })),
    );
    view.push(help.map(|h| el("p").class("help").text(&h)));
    view
}

/// Validation messages for a field, or one column of one record.
pub fn issue_list(field: String, record: Option<String>, column: Option<String>) -> View {
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
    dynamic(move || {
        let en = lang.get().is_en();
        let issues = mine.get();
        untrack(|| {
            issues
                .into_iter()
                .map(|issue| {
                    let class = match issue.severity {
                        Severity::Error => "issue error",
                        Severity::Warning => "issue warning",
                    };
                    el("p").class(class).text(&issue.message(en))
                })
                .collect::<View>()
        })
    })
}
