//! One input for a single-value field or record column, chosen by type:
//! numbers as text boxes with a numeric keyboard (so Vietnamese "1.234" and
//! "2,5" can be typed), dates as dd/mm/yyyy, yes/no and choices as selects.
//!
//! What the user is typing stays as typed: the box only takes the stored value
//! when it changes to something the typed text does not already mean (an edit
//! from another device), so "1000" does not jump to "1.000" under the thumb.

use crate::dom::{View, el, event_target_value, show};
use crate::format::editable;
use crate::i18n::{Lang, T, t, use_lang};
use crate::reactive::*;
use shared::Value;
use shared::template::FieldType;
use shared::value::InputError;

/// The input. `on_change` receives each readable value (`None` clears).
pub fn scalar_input(
    ty: FieldType,
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> View {
    match ty {
        FieldType::Bool => yes_no_select(value, on_change, testid, input_id, required),
        FieldType::Choice { options } => {
            let options: Vec<(String, String, Option<String>)> = options
                .into_iter()
                .map(|o| (o.value, o.label, o.label_en))
                .collect();
            choice_select(options, value, on_change, testid, input_id, required)
        }
        ty => text_box(ty, value, on_change, testid, input_id, required),
    }
}

fn text_box(
    ty: FieldType,
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> View {
    let lang = use_lang();
    let shown = {
        let ty = ty.clone();
        move |v: &Option<Value>| v.as_ref().map(|v| editable(&ty, v)).unwrap_or_default()
    };
    let text = RwSignal::new(value.with_untracked(&shown));
    let problem = RwSignal::new(None::<InputError>);
    {
        let ty = ty.clone();
        Effect::new(move |_| {
            let stored = value.get();
            let typed = text.get_untracked();
            if Value::parse_input(&ty, &typed).ok().flatten() != stored {
                text.set(shown(&stored));
                problem.set(None);
            }
        });
    }
    let inputmode = match &ty {
        FieldType::Integer { .. } => Some("numeric"),
        FieldType::Decimal { .. } => Some("decimal"),
        _ => None,
    };
    let is_date = matches!(ty, FieldType::Date);
    let placeholder = move || is_date.then(|| T::DatePlaceholder.get(lang.get()));
    let max_len = match &ty {
        FieldType::Text { max_len } => max_len.map(|m| m.to_string()),
        _ => None,
    };
    let on_input = move |ev: web_sys::Event| {
        let raw = event_target_value(&ev);
        text.set(raw.clone());
        match Value::parse_input(&ty, &raw) {
            Ok(v) => {
                problem.set(None);
                if v != value.get_untracked() {
                    on_change.run(v);
                }
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    let error_id = format!("{input_id}-error");
    let mut input = el("input")
        .attr("type", "text")
        .id(&input_id)
        .class("input")
        .dyn_class("invalid", move || problem.with(Option::is_some))
        .testid(&testid);
    if let Some(mode) = inputmode {
        input = input.attr("inputmode", mode);
    }
    input = input.dyn_attr("placeholder", placeholder);
    if let Some(max) = &max_len {
        input = input.attr("maxlength", max);
    }
    let mut view = View::from(
        input
            .attr("autocomplete", "off")
            .attr("aria-required", &required.to_string())
            .attr("aria-describedby", &error_id)
            .dyn_prop("value", move || text.get())
            .on("input", on_input),
    );
    view.push(show(
        move || problem.with(Option::is_some),
        move || {
            el("p")
                .class("issue error")
                .id(&error_id)
                .dyn_text(move || {
                    problem
                        .get()
                        .map(|e| input_error(lang.get(), &e))
                        .unwrap_or_default()
                })
        },
    ));
    view
}

fn yes_no_select(
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> View {
    let is = move |want: Option<bool>| value.with(|v| v.as_ref().and_then(Value::as_bool) == want);
    let on_select = move |ev: web_sys::Event| {
        let v = match event_target_value(&ev).as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        };
        on_change.run(v);
    };
    el("select")
        .id(&input_id)
        .class("input")
        .testid(&testid)
        .attr("aria-required", &required.to_string())
        .on("change", on_select)
        .child(
            el("option")
                .attr("value", "")
                .dyn_prop("selected", move || is(None))
                .dyn_text(t(T::ChooseOption)),
        )
        .child(
            el("option")
                .attr("value", "true")
                .dyn_prop("selected", move || is(Some(true)))
                .dyn_text(t(T::Yes)),
        )
        .child(
            el("option")
                .attr("value", "false")
                .dyn_prop("selected", move || is(Some(false)))
                .dyn_text(t(T::No)),
        )
        .into()
}

fn choice_select(
    options: Vec<(String, String, Option<String>)>,
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> View {
    let lang = use_lang();
    let allowed: Vec<String> = options.iter().map(|(v, _, _)| v.clone()).collect();
    let on_select = move |ev: web_sys::Event| {
        let key = event_target_value(&ev);
        let v = allowed.contains(&key).then_some(Value::Str(key));
        on_change.run(v);
    };
    let current = move || value.with(|v| v.as_ref().and_then(Value::as_str).map(str::to_string));
    el("select")
        .id(&input_id)
        .class("input")
        .testid(&testid)
        .attr("aria-required", &required.to_string())
        .on("change", on_select)
        .child(
            el("option")
                .attr("value", "")
                .dyn_prop("selected", move || current().is_none())
                .dyn_text(t(T::ChooseOption)),
        )
        .child(
            options
                .into_iter()
                .map(|(key, label, label_en)| {
                    let selected_key = key.clone();
                    el("option")
                        .attr("value", &key)
                        .dyn_prop("selected", move || {
                            current().as_deref() == Some(selected_key.as_str())
                        })
                        .dyn_text(move || lang.get().pick(&label, label_en.as_deref()).to_string())
                })
                .collect::<View>(),
        )
        .into()
}

/// Why typed text is not a value of the field, in words.
pub fn input_error(lang: Lang, e: &InputError) -> &'static str {
    match e {
        InputError::NotInteger => T::InputNotInteger,
        InputError::NotNumber => T::InputNotNumber,
        InputError::NotDate => T::InputNotDate,
        InputError::NotAnOption => T::InputNotOption,
        InputError::NotBool | InputError::NotScalar => T::InputNotBool,
    }
    .get(lang)
}
