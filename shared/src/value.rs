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
    /// Not a number.
    #[error("not a number")]
    NotNumber,
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
    /// and thirty-four, "2,5" is two and a half); dates are dd/mm/yyyy.
    pub fn parse_input(ty: &FieldType, input: &str) -> Result<Option<Value>, InputError> {
        let t = input.trim();
        if t.is_empty() {
            return Ok(None);
        }
        Ok(Some(match ty {
            FieldType::Integer { .. } => Value::Int(parse_int_vi(t).ok_or(InputError::NotInteger)?),
            FieldType::Decimal { .. } => {
                Value::Decimal(parse_decimal_vi(t).ok_or(InputError::NotNumber)?)
            }
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

fn parse_int_vi(t: &str) -> Option<i64> {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let cleaned: String = digits
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: i64 = cleaned.parse().ok()?;
    Some(if neg { -v } else { v })
}

fn parse_decimal_vi(t: &str) -> Option<f64> {
    let s: String = t.chars().filter(|c| !matches!(c, ' ' | '\u{a0}')).collect();
    let normalised = if s.contains(',') {
        s.replace('.', "").replace(',', ".")
    } else if s.matches('.').count() > 1 {
        s.replace('.', "")
    } else {
        s
    };
    let ok = normalised
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
    if !ok {
        return None;
    }
    normalised.parse::<f64>().ok().filter(|f| f.is_finite())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_numbers() {
        assert_eq!(parse_int_vi("1.234"), Some(1234));
        assert_eq!(parse_int_vi("-5"), Some(-5));
        assert_eq!(parse_int_vi("12a"), None);
        assert_eq!(parse_decimal_vi("2,5"), Some(2.5));
        assert_eq!(parse_decimal_vi("1.234,5"), Some(1234.5));
        assert_eq!(parse_decimal_vi("2.5"), Some(2.5));
        assert_eq!(format_int_vi(1_234_567), "1.234.567");
        assert_eq!(format_int_vi(-1000), "-1.000");
        assert_eq!(format_decimal_vi(1234.5), "1.234,5");
        assert_eq!(format_decimal_vi(3.0), "3");
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
