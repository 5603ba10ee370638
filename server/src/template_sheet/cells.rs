//! The workbook as the reader sees it: sheets found by name, a header row
//! naming the columns, rows of named cells that know their row number, and
//! cell conversions that say what is wrong in words an administrator
//! understands. [`Origins`] remembers which row each id came from, so that a
//! failed [`Template::check`](shared::template::Template::check) can point
//! at it.

use super::{Layout, SheetError};
use calamine::{Data, Reader, Xlsx};
use serde::de::DeserializeOwned;
use shared::template::TemplateError;
use std::io::Cursor;

/// Lower case, trimmed, spaces and `-` as `_`: how sheet names, headers,
/// keys and type names are compared.
pub(crate) fn normal(s: &str) -> String {
    s.trim().to_lowercase().replace([' ', '-'], "_")
}

/// An open workbook.
pub(crate) struct Book<'a> {
    wb: Xlsx<Cursor<&'a [u8]>>,
    names: Vec<String>,
}

impl<'a> Book<'a> {
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Book<'a>, SheetError> {
        let wb = Xlsx::new(Cursor::new(bytes))
            .map_err(|e| SheetError::new("", None, format!("not an .xlsx workbook: {e}")))?;
        let names = wb.sheet_names();
        Ok(Book { wb, names })
    }

    /// The sheet of `layout`, or `None` when the workbook has no such sheet
    /// or it is empty.
    pub(crate) fn table(&mut self, layout: &Layout) -> Result<Option<Table>, SheetError> {
        let sheet = layout.sheet;
        let Some(name) = self.names.iter().find(|n| normal(n) == sheet).cloned() else {
            return Ok(None);
        };
        let range = self
            .wb
            .worksheet_range(&name)
            .map_err(|e| SheetError::new(sheet, None, format!("cannot read the sheet: {e}")))?;
        let Some((first, _)) = range.start() else {
            return Ok(None);
        };
        let mut lines = range.rows();
        let header_row = first + 1;
        let err = |m: String| SheetError::new(sheet, Some(header_row), m);
        let mut columns: Vec<Option<&'static str>> = Vec::new();
        for cell in lines.next().unwrap_or_default() {
            let name = normal(&cell_text(cell).map_err(|m| err(format!("header {m}")))?);
            if name.is_empty() || name.starts_with('#') || name.starts_with("note") {
                columns.push(None);
                continue;
            }
            let Some(col) = layout.columns.iter().find(|c| **c == name) else {
                return Err(err(format!(
                    "unknown column {name:?} (columns: {})",
                    layout.columns.join(", ")
                )));
            };
            if columns.contains(&Some(col)) {
                return Err(err(format!("column {col:?} appears twice")));
            }
            columns.push(Some(col));
        }
        if let Some(col) = layout.required.iter().find(|c| !columns.contains(&Some(c))) {
            return Err(err(format!("missing column {col:?}")));
        }
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate() {
            let cells: Vec<(&'static str, Data)> = columns
                .iter()
                .zip(line)
                .filter_map(|(c, d)| Some(((*c)?, d.clone())))
                .filter(|(_, d)| *d != Data::Empty)
                .collect();
            let row = Row {
                sheet,
                number: header_row + 1 + i as u32,
                cells,
            };
            if row.cells.iter().any(|(c, _)| row.has(c)) {
                rows.push(row);
            }
        }
        Ok(Some(Table { sheet, rows }))
    }
}

/// A sheet's rows that are not blank.
pub(crate) struct Table {
    pub(crate) sheet: &'static str,
    pub(crate) rows: Vec<Row>,
}

/// One row: its number as the spreadsheet shows it and its non-empty cells.
pub(crate) struct Row {
    pub(crate) sheet: &'static str,
    pub(crate) number: u32,
    cells: Vec<(&'static str, Data)>,
}

/// A cell as text: numbers as typed (5, not 5.0), booleans as Excel shows
/// them; a date or an error is refused, since no template setting is one.
fn cell_text(d: &Data) -> Result<String, String> {
    match d {
        Data::Empty => Ok(String::new()),
        Data::String(s) => Ok(s.clone()),
        Data::Float(f) => Ok(number_text(*f)),
        Data::Int(i) => Ok(i.to_string()),
        Data::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err("holds a date or time; format the cell as text".into())
        }
        Data::Error(e) => Err(format!("holds the error {e}")),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A number typed as text: only what looks like one (so that a field id
/// such as `nan` stays an id).
fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let looks = s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'));
    s.parse::<f64>().ok().filter(|f| looks && f.is_finite())
}

impl Row {
    /// An error at this row.
    pub(crate) fn err(&self, message: impl Into<String>) -> SheetError {
        SheetError::new(self.sheet, Some(self.number), message)
    }

    fn cell(&self, col: &str) -> Option<&Data> {
        self.cells.iter().find(|(c, _)| *c == col).map(|(_, d)| d)
    }

    /// Whether the cell holds anything but spaces.
    pub(crate) fn has(&self, col: &str) -> bool {
        match self.cell(col) {
            None | Some(Data::Empty) => false,
            Some(Data::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// The cell's text exactly as typed; `None` when empty.
    pub(crate) fn raw(&self, col: &str) -> Result<Option<String>, SheetError> {
        let Some(d) = self.cell(col) else {
            return Ok(None);
        };
        let s = cell_text(d).map_err(|m| self.err(format!("{col}: the cell {m}")))?;
        Ok(Some(s).filter(|s| !s.is_empty()))
    }

    /// The cell's text, trimmed; `None` when empty.
    pub(crate) fn text(&self, col: &str) -> Result<Option<String>, SheetError> {
        Ok(self
            .raw(col)?
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()))
    }

    /// The cell's text, which must be given.
    pub(crate) fn need(&self, col: &str) -> Result<String, SheetError> {
        self.text(col)?
            .ok_or_else(|| self.err(format!("{col}: missing")))
    }

    /// The cell's number if it holds one (typed as a number or as text).
    pub(crate) fn number(&self, col: &str) -> Result<Option<f64>, SheetError> {
        Ok(match self.cell(col) {
            Some(Data::Float(f)) => Some(*f),
            Some(Data::Int(i)) => Some(*i as f64),
            _ => self.text(col)?.as_deref().and_then(parse_number),
        })
    }

    /// The cell's number; text that is not one is an error.
    pub(crate) fn float(&self, col: &str) -> Result<Option<f64>, SheetError> {
        match (self.number(col)?, self.text(col)?) {
            (Some(n), _) => Ok(Some(n)),
            (None, None) => Ok(None),
            (None, Some(s)) => Err(self.err(format!("{col}: {s:?} is not a number"))),
        }
    }

    /// The cell's whole number (5.0 is 5; 5.5 is an error).
    pub(crate) fn int<T: TryFrom<i64>>(&self, col: &str) -> Result<Option<T>, SheetError> {
        let Some(f) = self.float(col)? else {
            return Ok(None);
        };
        if f.fract() != 0.0 {
            return Err(self.err(format!("{col}: {f} is not a whole number")));
        }
        let too_big = || self.err(format!("{col}: {} is out of range", number_text(f)));
        if f.abs() >= 9.007_199_254_740_992e15 {
            return Err(too_big());
        }
        T::try_from(f as i64).map(Some).map_err(|_| too_big())
    }

    /// A yes/no cell; blank is no.
    pub(crate) fn flag(&self, col: &str) -> Result<bool, SheetError> {
        match self.cell(col) {
            Some(Data::Bool(b)) => return Ok(*b),
            Some(Data::Float(f)) if *f == 0.0 || *f == 1.0 => return Ok(*f == 1.0),
            _ => {}
        }
        let Some(s) = self.text(col)? else {
            return Ok(false);
        };
        match s.to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "x" | "có" | "co" => Ok(true),
            "no" | "n" | "false" | "0" | "không" | "khong" => Ok(false),
            _ => Err(self.err(format!("{col}: {s:?} is neither yes nor no"))),
        }
    }

    /// A comma-separated list.
    pub(crate) fn list(&self, col: &str) -> Result<Vec<String>, SheetError> {
        Ok(self
            .text(col)?
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect())
    }

    /// A value named as serde names it (`half-year`; `half_year` and
    /// `Half-Year` are accepted too).
    pub(crate) fn name<T: DeserializeOwned>(&self, col: &str) -> Result<Option<T>, SheetError> {
        let Some(s) = self.text(col)? else {
            return Ok(None);
        };
        let lower = s.to_lowercase();
        let mut first = None;
        for v in [
            lower.clone(),
            lower.replace('_', "-"),
            lower.replace('-', "_"),
        ] {
            match serde_json::from_value(serde_json::Value::String(v)) {
                Ok(x) => return Ok(Some(x)),
                Err(e) => {
                    first.get_or_insert(e.to_string());
                }
            }
        }
        let e = first.unwrap_or_default();
        let names = e
            .split_once("expected one of ")
            .map(|(_, n)| n.replace('`', ""));
        Err(self.err(match names {
            Some(n) => format!("{col}: unknown value {s:?} ({n})"),
            None => format!("{col}: {s:?}: {e}"),
        }))
    }
}

/// The rows of a `key | value` sheet, each as a row whose one cell is named
/// by its key.
pub(crate) struct KeyValues {
    sheet: &'static str,
    pub(crate) rows: Vec<(&'static str, Row)>,
}

/// Reads a `key | value` sheet: `scalars` may be given once, `lists` on
/// several rows; any other key is an error.
pub(crate) fn key_values(
    table: &Table,
    scalars: &[&'static str],
    lists: &[&'static str],
) -> Result<KeyValues, SheetError> {
    let mut rows: Vec<(&'static str, Row)> = Vec::new();
    for row in &table.rows {
        let name = normal(&row.need("key")?);
        let Some(key) = scalars.iter().chain(lists).find(|k| **k == name) else {
            let known: Vec<&str> = scalars.iter().chain(lists).copied().collect();
            return Err(row.err(format!("unknown key {name:?} (keys: {})", known.join(", "))));
        };
        if let Some((_, r)) = rows.iter().find(|(k, _)| k == key)
            && scalars.contains(key)
        {
            return Err(row.err(format!("{key} is given twice (also row {})", r.number)));
        }
        let cells = row.cell("value").map(|d| vec![(*key, d.clone())]);
        rows.push((
            key,
            Row {
                sheet: row.sheet,
                number: row.number,
                cells: cells.unwrap_or_default(),
            },
        ));
    }
    Ok(KeyValues {
        sheet: table.sheet,
        rows,
    })
}

impl KeyValues {
    /// The row of a key.
    pub(crate) fn get(&self, key: &str) -> Option<&Row> {
        self.rows.iter().find(|(k, _)| *k == key).map(|(_, r)| r)
    }

    /// Every row of a key, in order.
    pub(crate) fn all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s Row> + 's {
        self.rows
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, r)| r)
    }

    /// A key's text, if given.
    pub(crate) fn text(&self, key: &str) -> Result<Option<String>, SheetError> {
        self.get(key).map_or(Ok(None), |r| r.text(key))
    }

    /// A key that must be given, with its row.
    pub(crate) fn need(&self, key: &str) -> Result<&Row, SheetError> {
        self.get(key)
            .filter(|r| r.has(key))
            .ok_or_else(|| SheetError::new(self.sheet, None, format!("missing {key}")))
    }
}

/// Where ids and report wording came from.
#[derive(Default)]
pub(crate) struct Origins {
    ids: Vec<(&'static str, String, u32)>,
    texts: Vec<(&'static str, String, u32)>,
}

impl Origins {
    /// Records that the item `key` of `sheet` is on `row`.
    pub(crate) fn add(&mut self, sheet: &'static str, key: &str, row: u32) {
        self.ids.push((sheet, key.to_string(), row));
    }

    /// Records report wording typed on `row`.
    pub(crate) fn add_text(&mut self, sheet: &'static str, text: &str, row: u32) {
        self.texts.push((sheet, text.to_string(), row));
    }

    /// The last row of `sheet` whose key, quoted as `{:?}` writes it, is
    /// `quoted` (the check quotes ids that way).
    fn find(&self, sheet: &'static str, quoted: &str) -> Option<(&'static str, Option<u32>)> {
        self.ids
            .iter()
            .rev()
            .find(|(s, k, _)| *s == sheet && (format!("{k:?}") == quoted || k == quoted))
            .map(|(s, _, r)| (*s, Some(*r)))
    }

    /// A failed check as an error at the row it is about.
    pub(crate) fn locate(&self, e: &TemplateError) -> SheetError {
        let reason = match e {
            TemplateError::Invalid { reason, .. } => reason.as_str(),
            TemplateError::Parse(m) => m.as_str(),
        };
        let (sheet, row) = self.place(reason).unwrap_or(("settings", None));
        SheetError::new(sheet, row, reason)
    }

    fn place(&self, r: &str) -> Option<(&'static str, Option<u32>)> {
        let q = quoted(r);
        let first = q.first().copied().unwrap_or("");
        if let Some(rest) = r.strip_prefix("report body item ") {
            let n = rest.split(':').next().unwrap_or("");
            self.find("report_body", &format!("#{n}"))
        } else if r.starts_with("footnote ") {
            self.find("report_footnotes", first)
        } else if r.starts_with("report date_field") {
            self.find("report", "date_field")
        } else if r.starts_with('"') {
            let hit = self.texts.iter().rev();
            hit.filter(|(_, s, _)| r.starts_with(&format!("{s:?}:")))
                .map(|(sheet, _, row)| (*sheet, Some(*row)))
                .next()
        } else if r.starts_with("rule ") {
            self.find("rules", first)
        } else if r.starts_with("figure ") || r.starts_with("duplicate figure") {
            self.find("figures", first)
                .or_else(|| self.find("fields", first))
        } else if r.starts_with("renamed_from ") {
            self.find("fields", q.last().copied().unwrap_or(""))
        } else if r.starts_with("order_by ") {
            self.find("fields", r.rsplit(' ').next().unwrap_or(""))
        } else if let Some((_, rest)) = r.split_once("column ") {
            self.find("columns", rest.split(' ').next().unwrap_or(""))
        } else if r.starts_with("id must") {
            self.find("settings", "id")
        } else {
            q.iter().find_map(|k| self.find("fields", k))
        }
    }
}

/// The `"…"` literals of a message, quotes and escapes included.
fn quoted(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match (start, c) {
            (None, '"') => start = Some(i),
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(b), '"') => {
                out.push(&s[b..=i]);
                start = None;
            }
            _ => {}
        }
    }
    out
}
