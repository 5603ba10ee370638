//! One input for a single-value field or record column, chosen by type:
//! numbers as text boxes with a numeric keyboard (so Vietnamese "1.234" and
//! "2,5" can be typed), dates as dd/mm/yyyy on the number pad with the
//! slashes supplied, yes/no and choices as selects.
//!
//! What the user is typing stays as typed: the box only takes the stored value
//! when it changes to something the typed text does not already mean (an edit
//! from another device), so "1000" does not jump to "1.000" under the thumb.

use crate::format::editable;
use crate::i18n::{Lang, T, t, unclear_dot, use_lang};
use leptos::prelude::*;
use shared::Value;
use shared::date::{caret_after_digits, typing_vn};
use shared::template::FieldType;
use shared::value::InputError;

/// The input. `on_change` receives each readable value (`None` clears).
#[component]
pub fn ScalarInput(
    ty: FieldType,
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> impl IntoView {
    match ty {
        FieldType::Bool => view! {
            <YesNoSelect value on_change testid input_id required />
        }
        .into_any(),
        FieldType::Choice { options } => {
            let options: Vec<(String, String, Option<String>)> = options
                .into_iter()
                .map(|o| (o.value, o.label, o.label_en))
                .collect();
            view! { <ChoiceSelect options value on_change testid input_id required /> }.into_any()
        }
        ty => view! { <TextBox ty value on_change testid input_id required /> }.into_any(),
    }
}

/// A text box for numbers, dates and text. A readable value is stored at
/// every keystroke (nothing is lost if the phone closes the page), but what
/// cannot be read yet is judged only when the officer leaves the box: "22/0"
/// on the way to a date, or "1." on the way to "1.234", is no mistake. A
/// message once shown follows the typing and goes as soon as the text reads.
#[component]
fn TextBox(
    ty: FieldType,
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> impl IntoView {
    let lang = use_lang();
    let shown = {
        let ty = ty.clone();
        move |v: &Option<Value>| v.as_ref().map(|v| editable(&ty, v)).unwrap_or_default()
    };
    let text = RwSignal::new(value.with_untracked(&shown));
    let problem = RwSignal::new(None::<InputError>);
    {
        let (ty, shown) = (ty.clone(), shown.clone());
        Effect::new(move |_| {
            let stored = value.get();
            let typed = text.get_untracked();
            if Value::parse_input(&ty, &typed).ok().flatten() != stored {
                text.set(shown(&stored));
                problem.set(None);
            }
        });
    }
    let is_date = matches!(ty, FieldType::Date);
    // The phone's number pad: dates too, their slashes are supplied.
    let inputmode = match &ty {
        FieldType::Integer { .. } | FieldType::Date => Some("numeric"),
        FieldType::Decimal { .. } => Some("decimal"),
        _ => None,
    };
    let placeholder = move || is_date.then(|| T::DatePlaceholder.get(lang.get()));
    let max_len = match &ty {
        FieldType::Text { max_len } => max_len.map(|m| m.to_string()),
        _ => None,
    };
    let on_input = {
        let ty = ty.clone();
        move |ev: leptos::ev::Event| {
            let mut raw = event_target_value(&ev);
            if is_date {
                raw = with_slashes(&event_target(&ev), raw);
            }
            text.set(raw.clone());
            match Value::parse_input(&ty, &raw) {
                Ok(v) => {
                    problem.set(None);
                    if v != value.get_untracked() {
                        on_change.run(v);
                    }
                }
                Err(e) => {
                    if problem.with_untracked(Option::is_some) {
                        problem.set(Some(e));
                    }
                }
            }
        }
    };
    let on_blur = move |_| {
        let typed = text.get_untracked();
        match Value::parse_input(&ty, &typed) {
            Ok(v) => {
                problem.set(None);
                if is_date && v.is_some() {
                    // "2/3/2024" reads "02/03/2024" once it is done.
                    text.set(shown(&v));
                }
                if v != value.get_untracked() {
                    on_change.run(v);
                }
            }
            Err(e) => {
                problem.set(Some(e));
                // The report must not keep a value the box no longer shows
                // (the "1" stored on the way to "1.5").
                if value.with_untracked(Option::is_some) {
                    on_change.run(None);
                }
            }
        }
    };
    let error_id = format!("{input_id}-error");
    let error_testid = format!("{testid}-error");
    view! {
        <input
            type="text"
            id=input_id
            class="input"
            class:invalid=move || problem.with(Option::is_some)
            data-testid=testid
            inputmode=inputmode
            placeholder=placeholder
            maxlength=max_len
            autocomplete="off"
            aria-required=required.to_string()
            aria-invalid=move || problem.with(Option::is_some).to_string()
            aria-describedby=error_id.clone()
            prop:value=move || text.get()
            on:input=on_input
            on:blur=on_blur
        />
        <Show when=move || problem.with(Option::is_some)>
            <p class="issue error" id=error_id.clone() data-testid=error_testid.clone()>
                {move || problem.get().map(|e| input_error(lang.get(), &e)).unwrap_or_default()}
            </p>
        </Show>
    }
}

/// Puts the date's slashes into the box as the officer types (see
/// [`shared::date::typing_vn`]), keeping the caret after the same digits.
fn with_slashes(input: &web_sys::HtmlInputElement, raw: String) -> String {
    let formatted = typing_vn(&raw);
    if formatted == raw {
        return raw;
    }
    let caret = input
        .selection_start()
        .ok()
        .flatten()
        .map_or(raw.len(), |c| c as usize);
    let digits = raw.chars().take(caret).filter(char::is_ascii_digit).count();
    input.set_value(&formatted);
    let at = caret_after_digits(&formatted, digits) as u32;
    let _ = input.set_selection_range(at, at);
    formatted
}

#[component]
fn YesNoSelect(
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> impl IntoView {
    let is = move |want: Option<bool>| value.with(|v| v.as_ref().and_then(Value::as_bool) == want);
    let on_select = move |ev| {
        let v = match event_target_value(&ev).as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        };
        on_change.run(v);
    };
    view! {
        <select
            id=input_id
            class="input"
            data-testid=testid
            aria-required=required.to_string()
            on:change=on_select
        >
            <option value="" prop:selected=move || is(None)>
                {t(T::ChooseOption)}
            </option>
            <option value="true" prop:selected=move || is(Some(true))>
                {t(T::Yes)}
            </option>
            <option value="false" prop:selected=move || is(Some(false))>
                {t(T::No)}
            </option>
        </select>
    }
}

#[component]
fn ChoiceSelect(
    options: Vec<(String, String, Option<String>)>,
    value: Memo<Option<Value>>,
    on_change: Callback<Option<Value>>,
    testid: String,
    input_id: String,
    required: bool,
) -> impl IntoView {
    let lang = use_lang();
    let allowed: Vec<String> = options.iter().map(|(v, _, _)| v.clone()).collect();
    let on_select = move |ev| {
        let key = event_target_value(&ev);
        let v = allowed.contains(&key).then_some(Value::Str(key));
        on_change.run(v);
    };
    let current = move || value.with(|v| v.as_ref().and_then(Value::as_str).map(str::to_string));
    view! {
        <select
            id=input_id
            class="input"
            data-testid=testid
            aria-required=required.to_string()
            on:change=on_select
        >
            <option value="" prop:selected=move || current().is_none()>
                {t(T::ChooseOption)}
            </option>
            {options
                .into_iter()
                .map(|(key, label, label_en)| {
                    let selected_key = key.clone();
                    view! {
                        <option
                            value=key
                            prop:selected=move || current().as_deref() == Some(selected_key.as_str())
                        >
                            {move || lang.get().pick(&label, label_en.as_deref()).to_string()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// Why typed text is not a value of the field, in words.
pub fn input_error(lang: Lang, e: &InputError) -> String {
    let key = match e {
        InputError::NotInteger => T::InputNotInteger,
        InputError::NotWhole => T::InputNotWhole,
        InputError::NotNumber => T::InputNotNumber,
        InputError::UnclearDot { whole, decimal } => return unclear_dot(lang, whole, decimal),
        InputError::NotDate => T::InputNotDate,
        InputError::NotAnOption => T::InputNotOption,
        InputError::NotBool | InputError::NotScalar => T::InputNotBool,
    };
    key.get(lang).to_string()
}
