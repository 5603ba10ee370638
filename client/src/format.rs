//! How values read on screen: Vietnamese number and date conventions (the
//! shared crate's), local clock times, and template-aware labels for choices.

use crate::i18n::{Lang, T};
use shared::template::FieldType;
use shared::value::{format_decimal_edit, format_decimal_vi, format_int_vi};
use shared::{Period, Value};

/// `HH:MM` in the phone's time zone, with `dd/mm/yyyy` in front when not today.
pub fn clock_time(ms: i64) -> String {
    let at = js_sys::Date::new(&(ms as f64).into());
    let today = js_sys::Date::new_0();
    let hm = format!("{:02}:{:02}", at.get_hours(), at.get_minutes());
    let same_day = at.get_date() == today.get_date()
        && at.get_month() == today.get_month()
        && at.get_full_year() == today.get_full_year();
    if same_day {
        hm
    } else {
        format!("{hm} {}", date_of(&at))
    }
}

/// `dd/mm/yyyy HH:MM` in the phone's time zone.
pub fn date_time(ms: i64) -> String {
    let at = js_sys::Date::new(&(ms as f64).into());
    format!(
        "{} {:02}:{:02}",
        date_of(&at),
        at.get_hours(),
        at.get_minutes()
    )
}

fn date_of(at: &js_sys::Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        at.get_date(),
        at.get_month() + 1,
        at.get_full_year()
    )
}

/// A number as Vietnamese officials write it: `1.234`, `2,5`.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format_int_vi(v as i64)
    } else {
        format_decimal_vi(v)
    }
}

/// A period's label, e.g. "6 tháng đầu năm 2024" (its id if unreadable).
pub fn period_label(lang: Lang, id: &str) -> String {
    match id.parse::<Period>() {
        Ok(p) if lang.is_en() => p.label_en(),
        Ok(p) => p.label_vi(),
        Err(_) => id.to_string(),
    }
}

/// A stored value for reading: choices by their label, yes/no in `lang`,
/// numbers and dates in Vietnamese form.
pub fn value(lang: Lang, ty: &FieldType, v: &Value) -> String {
    match (ty, v) {
        (FieldType::Choice { options }, Value::Str(key)) => {
            options.iter().find(|o| &o.value == key).map_or_else(
                || key.clone(),
                |o| lang.pick(&o.label, o.label_en.as_deref()).to_string(),
            )
        }
        (_, Value::Bool(true)) => T::Yes.get(lang).to_string(),
        (_, Value::Bool(false)) => T::No.get(lang).to_string(),
        _ => v.display_vi(),
    }
}

/// A stored value as it is edited in a text box (parses back to the same
/// value: a decimal 1234 edits as "1234", since "1.234" would be unclear).
pub fn editable(ty: &FieldType, v: &Value) -> String {
    match (ty, v) {
        (FieldType::Text { .. } | FieldType::Choice { .. }, Value::Str(s)) => s.clone(),
        (FieldType::Decimal { .. }, Value::Int(_) | Value::Decimal(_)) => {
            format_decimal_edit(v.as_f64().unwrap_or_default())
        }
        _ => v.display_vi(),
    }
}

/// The workflow status in words.
pub fn status(lang: Lang, status: Option<&str>) -> String {
    let key = match status {
        None | Some("draft") => T::StatusDraft,
        Some("in_progress") => T::StatusInProgress,
        Some("submitted") => T::StatusSubmitted,
        Some("approved") => T::StatusApproved,
        Some("returned") => T::StatusReturned,
        Some("not_started") => T::StatusNotStarted,
        Some(other) => return other.to_string(),
    };
    key.get(lang).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::review::Progress;

    /// A report's state reads the same on the district page as in the
    /// .xlsx and CSV the district sends on (the server writes
    /// `Progress::label_vi`).
    #[test]
    fn states_read_as_the_exports_write_them() {
        for p in Progress::ALL {
            assert_eq!(status(Lang::Vi, Some(p.as_str())), p.label_vi(), "{p:?}");
        }
        assert_eq!(status(Lang::Vi, Some("submitted")), "Đã nộp");
    }
}
