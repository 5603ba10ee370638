//! The little language of report text: literal text with `{placeholder}`s
//! bound to figures, the consolidating unit's own fields or the org tree, and
//! `[^note]` footnote markers.
//!
//! A placeholder is a dotted path and optional filters:
//! `{board_established}` ("19/19"), `{units_with_pitches.count}` ("06"),
//! `{trainings_by_organiser.so.participants}` ("520"),
//! `{unit.name|upper}` ("HUYỆN BA TƠ"), `{doc_number|or:   }`.
//! `{{` and `}}` write braces.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A parsed piece of report text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal text.
    Lit(String),
    /// A value to fill in.
    Slot(Slot),
    /// A footnote marker `[^id]`.
    Note(String),
}

/// A placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Dotted path, e.g. `["trainings_by_organiser", "so", "classes"]`.
    pub(crate) path: Vec<String>,
    /// Filters, applied left to right.
    pub(crate) filters: Vec<Filter>,
}

/// What a filter does to a filled-in value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    /// Upper case ("HUYỆN BA TƠ").
    Upper,
    /// Lower case.
    Lower,
    /// First letter lower case: a title after "về việc".
    LcFirst,
    /// First letter upper case.
    UcFirst,
    /// Drops the administrative-unit word: "Huyện Ba Tơ" → "Ba Tơ".
    Short,
    /// A number without the leading zeros of the number style.
    Plain,
    /// Text to write when the value is missing or empty.
    Or(String),
}

/// A piece of report text, parsed when the template is read so that a typo
/// stops the server at start rather than showing up in a district's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    source: String,
    pub(crate) pieces: Vec<Piece>,
}

/// Why report text could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} in {text:?}")]
pub struct TextError {
    /// The text.
    pub text: String,
    /// What is wrong.
    pub message: String,
}

/// Administrative-unit words that start unit names, longest first, for the
/// `short` filter (the place name of the date line is the unit's name without
/// them, as the seed writes "Ba Tơ, ngày …").
const UNIT_WORDS: &[&str] = &[
    "thành phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
];

impl Text {
    /// Parses report text.
    pub fn parse(source: &str) -> Result<Text, TextError> {
        let err = |message: &str| TextError {
            text: source.to_string(),
            message: message.to_string(),
        };
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if let Some(r) = rest.strip_prefix("{{") {
                lit.push('{');
                rest = r;
            } else if let Some(r) = rest.strip_prefix("}}") {
                lit.push('}');
                rest = r;
            } else if let Some(r) = rest.strip_prefix("[^") {
                let end = r.find(']').ok_or_else(|| err("unclosed [^"))?;
                let id = &r[..end];
                if id.is_empty() || id.contains(char::is_whitespace) {
                    return Err(err("empty or spaced footnote id"));
                }
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::Note(id.to_string()));
                rest = &r[end + 1..];
            } else if let Some(r) = rest.strip_prefix('{') {
                let end = r.find('}').ok_or_else(|| err("unclosed {"))?;
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::Slot(parse_slot(&r[..end]).map_err(|m| err(&m))?));
                rest = &r[end + 1..];
            } else if c == '}' {
                return Err(err("lone } (write }} for a brace)"));
            } else {
                lit.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        flush(&mut lit, &mut pieces);
        Ok(Text {
            source: source.to_string(),
            pieces,
        })
    }

    /// The text as written in the template.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The placeholders.
    pub(crate) fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Slot(s) => Some(s),
            _ => None,
        })
    }

    /// The footnote ids it refers to.
    pub(crate) fn notes(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Note(n) => Some(n.as_str()),
            _ => None,
        })
    }
}

fn flush(lit: &mut String, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Lit(std::mem::take(lit)));
    }
}

fn parse_slot(inner: &str) -> Result<Slot, String> {
    let mut parts = inner.split('|');
    let path_s = parts.next().unwrap_or_default().trim();
    if path_s.is_empty() {
        return Err("empty placeholder".into());
    }
    let path: Vec<String> = path_s.split('.').map(|s| s.trim().to_string()).collect();
    if path.iter().any(String::is_empty) {
        return Err(format!("bad placeholder path {path_s:?}"));
    }
    let filters = parts
        .map(|f| {
            Ok(match f.trim_start() {
                "upper" => Filter::Upper,
                "lower" => Filter::Lower,
                "lcfirst" => Filter::LcFirst,
                "ucfirst" => Filter::UcFirst,
                "short" => Filter::Short,
                "plain" => Filter::Plain,
                other => match other.strip_prefix("or:") {
                    Some(t) => Filter::Or(t.to_string()),
                    None => return Err(format!("unknown filter {other:?}")),
                },
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Slot { path, filters })
}

impl Filter {
    /// Applies a text filter (`Plain` and `Or` act elsewhere).
    pub(crate) fn apply(&self, s: String) -> String {
        match self {
            Filter::Upper => s.to_uppercase(),
            Filter::Lower => s.to_lowercase(),
            Filter::LcFirst => map_first(&s, |c| c.to_lowercase().collect()),
            Filter::UcFirst => map_first(&s, |c| c.to_uppercase().collect()),
            Filter::Short => short_name(&s),
            Filter::Plain | Filter::Or(_) => s,
        }
    }
}

fn map_first(s: &str, f: impl Fn(char) -> String) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => f(c) + chars.as_str(),
        None => String::new(),
    }
}

/// "Huyện Ba Tơ" → "Ba Tơ"; a name without such a word is kept.
pub(crate) fn short_name(name: &str) -> String {
    let lower = name.to_lowercase();
    for w in UNIT_WORDS {
        if let Some(rest) = lower.strip_prefix(w)
            && rest.starts_with(' ')
        {
            let cut = name.char_indices().nth(w.chars().count()).map(|(i, _)| i);
            if let Some(i) = cut {
                return name[i..].trim().to_string();
            }
        }
    }
    name.to_string()
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Text::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_slots_filters_notes_and_braces() {
        let t = Text::parse("Có {a.b|upper|or:x y} văn bản[^plans] {{ok}}").unwrap();
        assert_eq!(
            t.pieces,
            vec![
                Piece::Lit("Có ".into()),
                Piece::Slot(Slot {
                    path: vec!["a".into(), "b".into()],
                    filters: vec![Filter::Upper, Filter::Or("x y".into())],
                }),
                Piece::Lit(" văn bản".into()),
                Piece::Note("plans".into()),
                Piece::Lit(" {ok}".into()),
            ]
        );
        assert!(Text::parse("{unclosed").is_err());
        assert!(Text::parse("{a|nope}").is_err());
        assert!(Text::parse("{a..b}").is_err());
        assert!(Text::parse("lone }").is_err());
        assert!(Text::parse("[^]").is_err());
    }

    #[test]
    fn filters() {
        assert_eq!(Filter::Upper.apply("Huyện Ba Tơ".into()), "HUYỆN BA TƠ");
        assert_eq!(Filter::Short.apply("Huyện Ba Tơ".into()), "Ba Tơ");
        assert_eq!(Filter::Short.apply("Thị trấn Ba Tơ".into()), "Ba Tơ");
        assert_eq!(Filter::Short.apply("Tỉnh Quảng Ngãi".into()), "Quảng Ngãi");
        assert_eq!(Filter::Short.apply("Xã Ba Bích".into()), "Ba Bích");
        assert_eq!(Filter::Short.apply("Xãhội".into()), "Xãhội");
        assert_eq!(Filter::LcFirst.apply("Phòng, chống".into()), "phòng, chống");
        assert_eq!(Filter::LcFirst.apply(String::new()), "");
    }
}
