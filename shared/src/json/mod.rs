//! JSON for the phone without serde's generic decoders.
//!
//! serde derives one decoder per type per format, and with `flatten`, tagged
//! and untagged enums a second one through its buffering `Content` type; on
//! the phone that was ≈ 110 KB of the gzip download (README "Size and
//! start-up"). The phone reads the server's JSON (the directory, API answers)
//! and its own small settings with this instead: one parser into [`Json`],
//! and a [`FromJson`] reader per type written against the same field names
//! and defaults as the type's serde attributes. The server keeps serde: the
//! tests in `shared/tests/json_template.rs` and `json_report.rs` encode values with `serde_json` and check
//! that these readers give back the same values.

mod parse;
mod report;
mod review;
mod template;

use crate::collections::Map;
use std::fmt;

/// A parsed JSON value. Integer literals stay integers (a report's whole
/// numbers and its decimals are different values).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number written without fraction or exponent that fits an `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in document order.
    Object(Vec<(String, Json)>),
}

/// Why a JSON text could not be read as the wanted value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError(pub String);

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

impl JsonError {
    /// An error saying what was expected.
    pub fn expected(what: &str) -> JsonError {
        JsonError(format!("expected {what}"))
    }

    /// The same error, located under `key`.
    fn at(self, key: &str) -> JsonError {
        JsonError(format!("{key}: {}", self.0))
    }
}

impl Json {
    /// Parses a whole JSON text (RFC 8259; nesting deeper than 128 refused).
    pub fn parse(text: &str) -> Result<Json, JsonError> {
        parse::parse(text)
    }

    /// The object's members, or an error naming `what` was expected.
    pub fn object(&self) -> Result<Obj<'_>, JsonError> {
        match self {
            Json::Object(members) => Ok(Obj(members)),
            _ => Err(JsonError::expected("an object")),
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Writes this value as compact JSON.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => out.push_str(&i.to_string()),
            // JSON has no NaN or infinity; serde_json writes null too.
            Json::Float(f) if !f.is_finite() => out.push_str("null"),
            Json::Float(f) => {
                let s = f.to_string();
                out.push_str(&s);
                if !s.contains(['.', 'e', 'E']) {
                    out.push_str(".0");
                }
            }
            Json::Str(s) => write_str(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

/// Writes `s` as a JSON string literal.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An object's members, read by key.
#[derive(Clone, Copy)]
pub struct Obj<'a>(&'a [(String, Json)]);

impl<'a> Obj<'a> {
    /// The member `key`; `null` reads as absent (as serde reads `Option`s).
    pub fn get(&self, key: &str) -> Option<&'a Json> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| **v != Json::Null)
    }

    /// A required member.
    pub fn req<T: FromJson>(&self, key: &str) -> Result<T, JsonError> {
        match self.get(key) {
            Some(v) => T::from_json(v).map_err(|e| e.at(key)),
            None => Err(JsonError(format!("{key}: missing"))),
        }
    }

    /// An optional member (`#[serde(default)]` on an `Option`).
    pub fn opt<T: FromJson>(&self, key: &str) -> Result<Option<T>, JsonError> {
        self.get(key)
            .map(|v| T::from_json(v).map_err(|e| e.at(key)))
            .transpose()
    }

    /// A member with a default when absent (`#[serde(default)]`).
    pub fn or_default<T: FromJson + Default>(&self, key: &str) -> Result<T, JsonError> {
        Ok(self.opt(key)?.unwrap_or_default())
    }

    /// A required string member.
    pub fn str(&self, key: &str) -> Result<&'a str, JsonError> {
        self.get(key)
            .and_then(Json::as_str)
            .ok_or_else(|| JsonError(format!("{key}: expected a string")))
    }
}

/// A value read from [`Json`]: the phone's side of a type's serde format.
pub trait FromJson: Sized {
    /// Reads `json` as `Self`.
    fn from_json(json: &Json) -> Result<Self, JsonError>;

    /// Parses a JSON text as `Self`.
    fn from_json_str(text: &str) -> Result<Self, JsonError> {
        Self::from_json(&Json::parse(text)?)
    }
}

/// A value written as [`Json`] (the phone's small settings and requests).
pub trait ToJson {
    /// `self` as JSON.
    fn to_json(&self) -> Json;

    /// `self` as compact JSON text.
    fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }
}

impl FromJson for Json {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        Ok(json.clone())
    }
}

impl FromJson for String {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        json.as_str()
            .map(str::to_string)
            .ok_or_else(|| JsonError::expected("a string"))
    }
}

impl FromJson for bool {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            Json::Bool(b) => Ok(*b),
            _ => Err(JsonError::expected("true or false")),
        }
    }
}

impl FromJson for i64 {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            Json::Int(i) => Ok(*i),
            _ => Err(JsonError::expected("a whole number")),
        }
    }
}

impl FromJson for u64 {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        u64::try_from(i64::from_json(json)?).map_err(|_| JsonError::expected("a count"))
    }
}

impl FromJson for u32 {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        u32::try_from(i64::from_json(json)?).map_err(|_| JsonError::expected("a count"))
    }
}

impl FromJson for usize {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        usize::try_from(i64::from_json(json)?).map_err(|_| JsonError::expected("a count"))
    }
}

impl FromJson for f64 {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            Json::Int(i) => Ok(*i as f64),
            Json::Float(f) => Ok(*f),
            _ => Err(JsonError::expected("a number")),
        }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            Json::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            // A loop, not `collect::<Result<_, _>>()`: the phone's build would
            // get an iterator adapter per element type (measured: ≈ 1 KB each).
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(T::from_json(item)?);
                }
                Ok(out)
            }
            _ => Err(JsonError::expected("an array")),
        }
    }
}

impl<T: FromJson> FromJson for Map<String, T> {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        match json {
            Json::Object(members) => {
                let mut out = Map::new();
                for (k, v) in members {
                    out.insert(k.clone(), T::from_json(v).map_err(|e| e.at(k))?);
                }
                Ok(out)
            }
            _ => Err(JsonError::expected("an object")),
        }
    }
}

impl ToJson for String {
    fn to_json(&self) -> Json {
        Json::Str(self.clone())
    }
}

impl ToJson for str {
    fn to_json(&self) -> Json {
        Json::Str(self.to_string())
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Json {
        Json::Bool(*self)
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Json {
        Json::Int(*self)
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Json {
        self.as_ref().map_or(Json::Null, T::to_json)
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Json {
        Json::Array(self.iter().map(T::to_json).collect())
    }
}

/// Builds an object from `(key, value)` pairs, in order.
pub fn object<const N: usize>(members: [(&str, Json); N]) -> Json {
    Json::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// Reads a unit enum written as one of `names` (serde's unit variants).
pub fn variant<T: Copy>(json: &Json, names: &[(&str, T)]) -> Result<T, JsonError> {
    let s = json.as_str().ok_or_else(|| JsonError::expected("a name"))?;
    names
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, v)| *v)
        .ok_or_else(|| JsonError(format!("unknown variant {s:?}")))
}
