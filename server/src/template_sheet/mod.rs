//! Report templates as spreadsheets, the way ODK's XLSForm writes forms. A
//! province administrator who has never seen TOML can edit a workbook: one
//! sheet per part of the template, one row per item, a header row naming the
//! columns. [`read`] turns such a workbook into the same [`Template`] the
//! TOML in `templates/` gives (and runs [`Template::check`]); [`write`] makes
//! one from a template (the easy way to start a new template is to write an
//! existing one and edit it); [`to_toml`] writes the TOML a developer keeps.
//!
//! # Layout
//!
//! Sheet and column names are lower-case English; matching ignores case,
//! surrounding spaces, and treats a space or `-` in a header as `_`. Sheets
//! with other names are ignored (a "notes" sheet is fine). Within a sheet a
//! column with an unknown header is an error, because a typo such as
//! `requried` would otherwise drop the setting without a word; a header that
//! starts with `#` or `note` is a free comment column. Blank rows are
//! skipped. An empty cell means "absent" (the TOML default). Cells are
//! trimmed, except the report's wording (see below). A number typed where
//! text is expected is read as text (`1` for a choice value).
//!
//! * `settings` (required): rows of `key | value`, keys `id`, `version`,
//!   `title`, `title_en`, `filled_by`, `period` (`year`, `half-year`,
//!   `quarter`, `month`, `ad-hoc`, `nd09-month`, …), `deadline_days`.
//! * `fields` (required): one row per field, in form order. `section`,
//!   `section_title`, `section_title_en`, `section_scope` (`unit`, `parent`,
//!   `any`), `id`, `label`, `label_en`, `help`, `type`, `required`, `min`,
//!   `max`, `max_len`, `aggregate`, `renamed_from`, `order_by`. Consecutive
//!   rows with the same `section` form a section (a blank `section` continues
//!   the one above); its title and scope are given on its first row and may
//!   be repeated. A row with a section but no field declares an empty
//!   section. `type` is one of `integer`, `decimal`, `bool` (also `yes_no`),
//!   `date`, `choice`, `text`, `narrative`, `records`; `min`/`max` belong to
//!   number types, `max_len` to text, `order_by` to records. `required` takes
//!   yes/no, true/false, 1/0, có/không or blank (no). `renamed_from` is a
//!   comma-separated list.
//! * `choices`: `list | value | label | label_en`, the options of the choice
//!   field `list` (or of a records column, `field.column`), in order.
//! * `columns`: `field | id | label | label_en | type | required | min | max
//!   | max_len`, the columns of the records field `field`, in order.
//! * `rules`: `id | left | op | right | message | message_en | warning`;
//!   `op` is `<`, `<=`, `>`, `>=`, `==` (or `=`), `!=` (or `<>`); `right` is a
//!   number or a field id.
//! * `figures`: `id | label | label_en | kind | field | numerator |
//!   denominator | group_by | sum | filter_column | filter_equals | from`;
//!   `sum` is comma separated, `from` is `reporting` or `consolidating`.
//! * `report`, `report_body`, `report_footnotes`: the consolidated report's
//!   wording ([`shared::report_text::ReportText`]); a template has a report
//!   when one of them has a row. `report` holds `key | value` rows: `kind`,
//!   `number`, `place`, `date_field`, `subject`, `min_digits` (numbers),
//!   `dates` (`nd30`, `padded`), `missing`, `recipients_title`, `signer`, and
//!   the line lists `issuer`, `national`, `recipients`, `signature`, one row
//!   per line in order (a list key whose only row has an empty value is an
//!   empty list; a list not mentioned keeps its default). `report_body` is
//!   the body in order, `kind | text | level | source | empty`: `heading`
//!   (`text`, `level` 1–3), `text` (a paragraph; the default when `kind` is
//!   blank), `each` (`text` once per record of the `records_list` figure
//!   `source`), `narrative` (the narrative field `source`, `empty` when it is
//!   blank). `report_footnotes` is `id | text | list | prefix | item |
//!   separator | suffix`. The wording cells of these three sheets are taken
//!   exactly as typed, spaces included: a footnote prefix `Kế hoạch: ` needs
//!   its trailing space.
//!
//! [`write`] writes every report key, defaults included, so the administrator
//! sees what can be changed, and refuses a template this layout cannot hold
//! exactly (say an empty national motto line) rather than write it wrong.
//!
//! # Errors
//!
//! A [`SheetError`] names the sheet and the row the user sees (1-based, the
//! header is row 1). A failed [`Template::check`] points at the row of the
//! field, column, rule, figure, body item or footnote it names, else at the
//! `settings` sheet.

mod cells;
mod read;
mod report;
mod write;

#[cfg(test)]
mod tests;

use shared::template::Template;
use std::fmt;

pub use read::read;
pub use write::write;

/// Why a workbook is not a template: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetError {
    /// The sheet (lower-case name); empty when the file is not a workbook.
    pub sheet: String,
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl SheetError {
    pub(crate) fn new(sheet: &str, row: Option<u32>, message: impl Into<String>) -> SheetError {
        SheetError {
            sheet: sheet.to_string(),
            row,
            message: message.into(),
        }
    }
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.sheet.as_str(), self.row) {
            ("", _) => f.write_str(&self.message),
            (s, Some(r)) => write!(f, "sheet {s:?}, row {r}: {}", self.message),
            (s, None) => write!(f, "sheet {s:?}: {}", self.message),
        }
    }
}

impl std::error::Error for SheetError {}

/// The template as TOML, in the form of `templates/*.toml`. It is read back
/// with [`Template::from_toml`] and refused unless that gives `t` again.
pub fn to_toml(t: &Template) -> Result<String, String> {
    let text = toml::to_string_pretty(t).map_err(|e| format!("cannot write TOML: {e}"))?;
    let back = Template::from_toml(&text).map_err(|e| format!("the TOML written {e}"))?;
    if back != *t {
        return Err("the TOML written does not read back as the same template".into());
    }
    Ok(text)
}

/// A sheet's name and columns, shared by the reader and the writer so that
/// what is written is what is read.
pub(crate) struct Layout {
    /// Sheet name.
    pub(crate) sheet: &'static str,
    /// Columns, in the order they are written.
    pub(crate) columns: &'static [&'static str],
    /// Columns the header must have.
    pub(crate) required: &'static [&'static str],
}

pub(crate) const SETTINGS: Layout = Layout {
    sheet: "settings",
    columns: &["key", "value"],
    required: &["key", "value"],
};

pub(crate) const FIELDS: Layout = Layout {
    sheet: "fields",
    columns: &[
        "section",
        "section_title",
        "section_title_en",
        "section_scope",
        "id",
        "label",
        "label_en",
        "help",
        "type",
        "required",
        "min",
        "max",
        "max_len",
        "aggregate",
        "renamed_from",
        "order_by",
    ],
    required: &["section", "id", "label", "type"],
};

pub(crate) const CHOICES: Layout = Layout {
    sheet: "choices",
    columns: &["list", "value", "label", "label_en"],
    required: &["list", "value", "label"],
};

pub(crate) const COLUMNS: Layout = Layout {
    sheet: "columns",
    columns: &[
        "field", "id", "label", "label_en", "type", "required", "min", "max", "max_len",
    ],
    required: &["field", "id", "label", "type"],
};

pub(crate) const RULES: Layout = Layout {
    sheet: "rules",
    columns: &[
        "id",
        "left",
        "op",
        "right",
        "message",
        "message_en",
        "warning",
    ],
    required: &["id", "left", "op", "right", "message"],
};

pub(crate) const FIGURES: Layout = Layout {
    sheet: "figures",
    columns: &[
        "id",
        "label",
        "label_en",
        "kind",
        "field",
        "numerator",
        "denominator",
        "group_by",
        "sum",
        "filter_column",
        "filter_equals",
        "from",
    ],
    required: &["id", "label", "kind"],
};

pub(crate) const REPORT: Layout = Layout {
    sheet: "report",
    columns: &["key", "value"],
    required: &["key", "value"],
};

pub(crate) const REPORT_BODY: Layout = Layout {
    sheet: "report_body",
    columns: &["kind", "text", "level", "source", "empty"],
    required: &["kind", "text"],
};

pub(crate) const REPORT_FOOTNOTES: Layout = Layout {
    sheet: "report_footnotes",
    columns: &[
        "id",
        "text",
        "list",
        "prefix",
        "item",
        "separator",
        "suffix",
    ],
    required: &["id"],
};

/// A field type's names: the serde name (written) and the other spellings
/// read.
pub(crate) const TYPES: &[(&str, &[&str])] = &[
    ("integer", &["int", "whole_number"]),
    ("decimal", &["number", "float"]),
    ("bool", &["yes_no", "yesno", "boolean"]),
    ("date", &[]),
    ("choice", &["select_one"]),
    ("text", &["string"]),
    ("narrative", &[]),
    ("records", &["repeat"]),
];
