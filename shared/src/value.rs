//! Scalar values of report fields, their Automerge representation, and reading
//! them from what an official typed (Vietnamese number and date conventions).

use crate::date::Date;
use crate::template::FieldType;
use automerge::ScalarValue;
use serde::{Deserialize, Serialize};

/// A field or record-column value. Dates and choices are strings (ISO dates, choice
/// keys); the template says how to read them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// Whole number.
    Int(i64),
    /// Decimal number.
    Decimal(f64),
    /// Yes / no.
    Bool(bool),
    /// Text, an ISO date or a choice key.
    Str(String),
}

/// Why an input could not be read for a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not a whole number.
    #[error("not a whole number")]
    NotInteger,
    /// A fraction (or a dot that is no thousands separator) in a whole-number
    /// field: "1.5", "12,5", "1.23". Refused rather than read as 15 or 1.
    #[error("whole numbers only")]
    NotWhole,
    /// Not a number.
    #[error("not a number")]
    NotNumber,
    /// A decimal field's "1.234": Vietnamese for one thousand two hundred and
    /// thirty-four, English for one point two three four. Refused, with the
    /// two ways to write what was meant.
    #[error("unclear dot: {whole} or {decimal}?")]
    UnclearDot {
        /// The input written as a whole number ("1234").
        whole: String,
        /// The input written as a decimal with a decimal comma ("1,234").
        decimal: String,
    },
    /// Not a date.
    #[error("not a date (dd/mm/yyyy)")]
    NotDate,
    /// Not one of the options.
    #[error("not one of the options")]
    NotAnOption,
    /// Not yes/no.
    #[error("not yes or no")]
    NotBool,
    /// This field type is not a scalar.
    #[error("this field holds no single value")]
    NotScalar,
}

impl Value {
    /// The value as an integer, if it is one (decimals with no fraction count).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Decimal(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
            _ => None,
        }
    }

    /// The value as a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Decimal(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a date.
    pub fn as_date(&self) -> Option<Date> {
        self.as_str().and_then(|s| s.parse().ok())
    }

    /// The Automerge scalar that stores this value.
    pub fn to_scalar(&self) -> ScalarValue {
        match self {
            Value::Int(i) => ScalarValue::Int(*i),
            Value::Decimal(f) => ScalarValue::F64(*f),
            Value::Bool(b) => ScalarValue::Boolean(*b),
            Value::Str(s) => ScalarValue::Str(s.as_str().into()),
        }
    }

    /// Reads a stored scalar; scalars that no template type produces give `None`.
    pub fn from_scalar(s: &ScalarValue) -> Option<Value> {
        Some(match s {
            ScalarValue::Int(i) => Value::Int(*i),
            ScalarValue::Uint(u) => Value::Int(i64::try_from(*u).ok()?),
            ScalarValue::Counter(c) => Value::Int(i64::from(c)),
            ScalarValue::F64(f) => Value::Decimal(*f),
            ScalarValue::Boolean(b) => Value::Bool(*b),
            ScalarValue::Str(s) => Value::Str(s.to_string()),
            _ => return None,
        })
    }

    /// Reads what a user typed into a field of `ty`. Empty input clears the value.
    /// Numbers follow Vietnamese conventions ("1.234" is one thousand two hundred
    /// and thirty-four, "2,5" is two and a half); dates are dd/mm/yyyy. Input
    /// that could mean two numbers is refused, never guessed at (see
    /// [`parse_int_vi`], [`parse_decimal_vi`]).
    pub fn parse_input(ty: &FieldType, input: &str) -> Result<Option<Value>, InputError> {
        let t = input.trim();
        if t.is_empty() {
            return Ok(None);
        }
        Ok(Some(match ty {
            FieldType::Integer { .. } => Value::Int(parse_int_vi(t)?),
            FieldType::Decimal { .. } => Value::Decimal(parse_decimal_vi(t)?),
            FieldType::Bool => match t.to_lowercase().as_str() {
                "true" | "có" | "co" | "yes" | "1" => Value::Bool(true),
                "false" | "không" | "khong" | "no" | "0" => Value::Bool(false),
                _ => return Err(InputError::NotBool),
            },
            FieldType::Date => {
                Value::Str(t.parse::<Date>().map_err(|_| InputError::NotDate)?.to_iso())
            }
            FieldType::Choice { options } => {
                if !options.iter().any(|o| o.value == t) {
                    return Err(InputError::NotAnOption);
                }
                Value::Str(t.to_string())
            }
            FieldType::Text { .. } => Value::Str(t.to_string()),
            FieldType::Narrative | FieldType::Records { .. } => return Err(InputError::NotScalar),
        }))
    }

    /// How the value reads in a form, in Vietnamese conventions.
    pub fn display_vi(&self) -> String {
        match self {
            Value::Int(i) => format_int_vi(*i),
            Value::Decimal(f) => format_decimal_vi(*f),
            Value::Bool(true) => "Có".into(),
            Value::Bool(false) => "Không".into(),
            Value::Str(s) => match s.parse::<Date>() {
                Ok(d) if s.len() == 10 && s.as_bytes()[4] == b'-' => d.to_vn(),
                _ => s.clone(),
            },
        }
    }
}

/// A whole number: digits, optionally grouped by thousands with dots or
/// spaces ("1.234", "1 234 567": three digits after every separator), and an
/// optional minus. A dot or comma anywhere else means a fraction, and a
/// whole-number field refuses it ([`InputError::NotWhole`]) instead of
/// dropping the dot ("1.5" would become 15).
pub fn parse_int_vi(t: &str) -> Result<i64, InputError> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let digits = grouped_digits(body).ok_or_else(|| {
        let numberish = body
            .chars()
            .all(|c| c.is_ascii_digit() || is_group_separator(c) || c == ',');
        let has_digit = body.chars().any(|c| c.is_ascii_digit());
        if numberish && has_digit {
            InputError::NotWhole
        } else {
            InputError::NotInteger
        }
    })?;
    let v: i64 = digits.parse().map_err(|_| InputError::NotInteger)?;
    Ok(if neg { -v } else { v })
}

/// A decimal number, Vietnamese style: a decimal comma ("2,5", "1.234,5")
/// with the whole part grouped as in [`parse_int_vi`]. A single dot is read
/// as a decimal point only where it cannot be a thousands separator ("2.5",
/// "0.125", "1.2345"); "1.234" could be either and is refused
/// ([`InputError::UnclearDot`]); several valid groups ("1.234.567") are
/// thousands.
pub fn parse_decimal_vi(t: &str) -> Result<f64, InputError> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, fraction) = match body.split_once(',') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let number = match fraction {
        Some(f) => {
            let w = if whole.is_empty() {
                Some("0".to_string())
            } else {
                grouped_digits(whole)
            };
            match w {
                Some(w) if !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()) => {
                    format!("{w}.{f}")
                }
                _ => return Err(InputError::NotNumber),
            }
        }
        None => {
            let sign = if neg { "-" } else { "" };
            let single_dot = whole.split_once('.').filter(|(_, f)| !f.contains('.'));
            match (grouped_digits(whole), single_dot) {
                // "1.234": a valid thousands group, and a valid decimal point.
                (Some(digits), Some((w, f))) => {
                    let w = grouped_digits(w).unwrap_or_else(|| w.to_string());
                    return Err(InputError::UnclearDot {
                        whole: format!("{sign}{digits}"),
                        decimal: format!("{sign}{w},{f}"),
                    });
                }
                (Some(digits), None) => digits,
                // "2.5", "0.125": the dot cannot separate thousands.
                (None, Some((w, f)))
                    if !w.is_empty()
                        && !f.is_empty()
                        && w.chars().chain(f.chars()).all(|c| c.is_ascii_digit()) =>
                {
                    format!("{w}.{f}")
                }
                _ => return Err(InputError::NotNumber),
            }
        }
    };
    let v: f64 = number.parse().map_err(|_| InputError::NotNumber)?;
    if !v.is_finite() {
        return Err(InputError::NotNumber);
    }
    Ok(if neg { -v } else { v })
}

fn is_group_separator(c: char) -> bool {
    matches!(c, '.' | ' ' | '\u{a0}' | '\u{202f}')
}

/// The digits of "1.234.567" (or "1 234", or "12"): groups separated by dots
/// or spaces, the first of one to three digits (no leading zero) and every
/// later one of exactly three; `None` for anything else.
fn grouped_digits(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split(is_group_separator).collect();
    let all_digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    if !groups.iter().all(|g| all_digits(g)) {
        return None;
    }
    if let [first, rest @ ..] = groups.as_slice()
        && !rest.is_empty()
        && (first.len() > 3 || first.starts_with('0') || rest.iter().any(|g| g.len() != 3))
    {
        return None;
    }
    Some(groups.concat())
}

/// `1234567` → `"1.234.567"`.
pub fn format_int_vi(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `1234.5` → `"1.234,5"` (at most two decimals, trailing zeros dropped).
pub fn format_decimal_vi(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    let int = rounded.trunc() as i64;
    let frac = ((rounded.fract().abs()) * 100.0).round() as i64;
    let mut s = format_int_vi(int);
    if int == 0 && rounded < 0.0 {
        s = format!("-{s}");
    }
    if frac != 0 {
        let f = format!("{frac:02}");
        s.push(',');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// `1234.5` → `"1234,5"`: a decimal as it is edited in a text box, with
/// every digit (no rounding) and no thousands dots, so that it reads back as
/// the same number (`"1.234"` would be unclear: see [`parse_decimal_vi`]).
pub fn format_decimal_edit(v: f64) -> String {
    v.to_string().replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_numbers() {
        assert_eq!(parse_int_vi("1.234"), Ok(1234));
        assert_eq!(parse_int_vi("1.234.567"), Ok(1_234_567));
        assert_eq!(parse_int_vi("1 234"), Ok(1234));
        assert_eq!(parse_int_vi("-5"), Ok(-5));
        assert_eq!(parse_int_vi("-1.000"), Ok(-1000));
        assert_eq!(parse_int_vi("12a"), Err(InputError::NotInteger));
        assert_eq!(parse_int_vi("-"), Err(InputError::NotInteger));
        assert_eq!(parse_decimal_vi("2,5"), Ok(2.5));
        assert_eq!(parse_decimal_vi("1,5"), Ok(1.5));
        assert_eq!(parse_decimal_vi("-0,75"), Ok(-0.75));
        assert_eq!(parse_decimal_vi("1.234,5"), Ok(1234.5));
        assert_eq!(parse_decimal_vi("1.234.567"), Ok(1_234_567.0));
        assert_eq!(parse_decimal_vi("2.5"), Ok(2.5));
        assert_eq!(parse_decimal_vi("0.125"), Ok(0.125));
        assert_eq!(parse_decimal_vi("1.2345"), Ok(1.2345));
        assert_eq!(format_int_vi(1_234_567), "1.234.567");
        assert_eq!(format_int_vi(-1000), "-1.000");
        assert_eq!(format_decimal_vi(1234.5), "1.234,5");
        assert_eq!(format_decimal_vi(3.0), "3");
    }

    #[test]
    fn a_fraction_in_a_whole_number_field_is_refused_not_guessed() {
        for typed in [
            "1.5", "1.23", "12.5", "1,5", "12,50", "1.2345", "0.123", "1.5.000",
        ] {
            assert_eq!(parse_int_vi(typed), Err(InputError::NotWhole), "{typed}");
        }
        let int = FieldType::Integer {
            min: None,
            max: None,
        };
        assert_eq!(
            Value::parse_input(&int, "1.5"),
            Err(InputError::NotWhole),
            "never 15"
        );
    }

    #[test]
    fn unclear_decimals_are_refused_with_both_readings() {
        assert_eq!(
            parse_decimal_vi("1.234"),
            Err(InputError::UnclearDot {
                whole: "1234".into(),
                decimal: "1,234".into()
            })
        );
        assert_eq!(
            parse_decimal_vi("-12.500"),
            Err(InputError::UnclearDot {
                whole: "-12500".into(),
                decimal: "-12,500".into()
            })
        );
        for bad in [
            "1,2,3", "1.23,5", "1,5.2", "2,", ",", "1..5", "abc", "1.23.4",
        ] {
            assert_eq!(parse_decimal_vi(bad), Err(InputError::NotNumber), "{bad}");
        }
        assert_eq!(parse_decimal_vi(",5"), Ok(0.5));
    }

    #[test]
    fn decimals_edit_as_text_that_reads_back_the_same() {
        for v in [1234.0, 1234.5, 0.125, -2.5, 3.0, 1_234_567.25] {
            let text = format_decimal_edit(v);
            assert_eq!(parse_decimal_vi(&text), Ok(v), "{v} edits as {text}");
        }
        assert_eq!(format_decimal_edit(1234.5), "1234,5");
    }

    #[test]
    fn parse_by_type() {
        let int = FieldType::Integer {
            min: None,
            max: None,
        };
        assert_eq!(
            Value::parse_input(&int, " 38 ").unwrap(),
            Some(Value::Int(38))
        );
        assert_eq!(Value::parse_input(&int, "").unwrap(), None);
        assert!(Value::parse_input(&int, "ba mươi").is_err());
        assert_eq!(
            Value::parse_input(&FieldType::Date, "22/3/2023").unwrap(),
            Some(Value::Str("2023-03-22".into()))
        );
        assert_eq!(Value::Str("2023-03-22".into()).display_vi(), "22/03/2023");
    }
}
