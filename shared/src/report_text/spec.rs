//! The `[report]` table of a template: the consolidated report's wording,
//! with placeholders bound to the template's figures.

use super::format::{DateStyle, NumberStyle};
use super::text::{Slot, Text};
use crate::template::{Field, FieldType, FigureKind, Role, Template};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The consolidated report's text, as the template writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportText {
    /// Kind of document, centred above the subject.
    #[serde(default = "default_kind")]
    pub kind: Text,
    /// Issuing body, one entry per line (e.g. `"ỦY BAN NHÂN DÂN"`,
    /// `"{unit.name|upper}"`).
    pub issuer: Vec<Text>,
    /// Number line, e.g. `"Số: {doc_number|or:      }/BC-UBND"`.
    #[serde(default = "default_number")]
    pub number: Text,
    /// National title and motto (fixed by law; a template may restate them).
    #[serde(default = "default_national")]
    pub national: Vec<Text>,
    /// Place name of the date line, e.g. `"{unit.name|short}"`.
    #[serde(default = "default_place")]
    pub place: Text,
    /// A date field of the consolidating unit's own report that holds the
    /// signing date. Until it is set, the day is left blank for the signer and
    /// the month and year are those of the day the report is generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_field: Option<String>,
    /// Subject (trích yếu).
    pub subject: Text,
    /// How numbers are written.
    #[serde(default)]
    pub numbers: NumberStyle,
    /// How dates are written.
    #[serde(default)]
    pub dates: DateStyle,
    /// What a placeholder with no value writes.
    #[serde(default = "default_missing")]
    pub missing: String,
    /// The body, in order.
    #[serde(default)]
    pub body: Vec<BodyItem>,
    /// Footnotes that body text refers to with `[^id]`.
    #[serde(default)]
    pub footnotes: Vec<FootnoteSpec>,
    /// Title of the recipients block.
    #[serde(default = "default_recipients_title")]
    pub recipients_title: Text,
    /// Recipients, one per line.
    #[serde(default)]
    pub recipients: Vec<Text>,
    /// Signature block lines above the name.
    #[serde(default)]
    pub signature: Vec<Text>,
    /// Signer's name, e.g. `"{signer|or:}"`.
    #[serde(default = "default_signer")]
    pub signer: Text,
}

/// One item of the body. Exactly one of `heading`, `text` (alone or with
/// `each`) and `narrative` is given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyItem {
    /// A heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<Text>,
    /// Heading level: 1 ("I."), 2 ("1."), 3 ("a)"); default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// A paragraph; with `each`, one paragraph per record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// A `records_list` figure: one paragraph of `text` per record, whose
    /// columns (and `unit`, the unit that entered it) are placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<String>,
    /// A narrative field of the consolidating unit's own report: its
    /// paragraphs, as the district's officers wrote them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Written instead when the narrative is empty or the list has no record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<Text>,
}

/// A footnote: fixed text, or the records of a `records_list` figure joined
/// into one note (the seed's list of plans).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FootnoteSpec {
    /// Id used by `[^id]` markers.
    pub id: String,
    /// Fixed text (with placeholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// A `records_list` figure. A list with no record drops the footnote and
    /// its markers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Written before the items.
    #[serde(default = "empty_text")]
    pub prefix: Text,
    /// One item, with the record's columns as placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Text>,
    /// Between items.
    #[serde(default = "default_separator")]
    pub separator: String,
    /// After the last item.
    #[serde(default = "empty_text")]
    pub suffix: Text,
}

fn lit(s: &str) -> Text {
    Text::parse(s).expect("built-in report text parses")
}
fn default_kind() -> Text {
    lit("BÁO CÁO")
}
fn default_number() -> Text {
    lit("Số:       /BC-UBND")
}
fn default_national() -> Vec<Text> {
    vec![
        lit("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        lit("Độc lập - Tự do - Hạnh phúc"),
    ]
}
fn default_place() -> Text {
    lit("{unit.name|short}")
}
fn default_missing() -> String {
    "...".into()
}
fn default_recipients_title() -> Text {
    lit("Nơi nhận:")
}
fn default_signer() -> Text {
    lit("")
}
fn empty_text() -> Text {
    lit("")
}
fn default_separator() -> String {
    "; ".into()
}

/// Built-in placeholders: `unit.*` (the consolidating unit), `parent.*` (the
/// unit above it), `period.*`.
pub(crate) const BUILTINS: &[(&str, &[&str])] = &[
    ("unit", &["name", "id"]),
    ("parent", &["name", "id"]),
    ("period", &["label", "year", "id"]),
];

impl ReportText {
    /// A plain report for a template that has no `[report]` table: a heading
    /// per section and one line per figure, so every template can be
    /// exported.
    pub fn generic(template: &Template) -> ReportText {
        let mut body = Vec::new();
        let figures = template.all_figures();
        let mut used = HashSet::new();
        let mut n = 0;
        for s in &template.sections {
            let lines: Vec<BodyItem> = s
                .fields
                .iter()
                .filter_map(|f| figures.iter().find(|g| g.id == f.id))
                .chain(
                    // Named figures go with the section of the field they read.
                    figures.iter().filter(|g| {
                        figure_field(&g.kind).is_some_and(|x| s.fields.iter().any(|f| f.id == x))
                            && !s.fields.iter().any(|f| f.id == g.id)
                    }),
                )
                .filter(|g| used.insert(g.id.clone()))
                .filter_map(|g| generic_line(template, g))
                .collect();
            if lines.is_empty() {
                continue;
            }
            n += 1;
            body.push(BodyItem {
                heading: Some(lit(&format!("{n}. {}", escape(&s.title)))),
                level: Some(2),
                ..Default::default()
            });
            body.extend(lines);
        }
        ReportText {
            kind: default_kind(),
            issuer: vec![lit("ỦY BAN NHÂN DÂN"), lit("{unit.name|upper}")],
            number: default_number(),
            national: default_national(),
            place: default_place(),
            date_field: None,
            subject: lit(&format!(
                "{} {{period.label|lower}}",
                escape(&template.title)
            )),
            numbers: NumberStyle { min_digits: 2 },
            dates: DateStyle::default(),
            missing: default_missing(),
            body,
            footnotes: Vec::new(),
            recipients_title: default_recipients_title(),
            recipients: vec![lit("- Như trên;"), lit("- Lưu: VT.")],
            signature: vec![lit("TM. ỦY BAN NHÂN DÂN"), lit("CHỦ TỊCH")],
            signer: default_signer(),
        }
    }

    /// Checks every placeholder, narrative, list and footnote against the
    /// template, so mistakes stop the server at start with their reason.
    pub fn check(&self, template: &Template) -> Result<(), String> {
        let mut texts: Vec<(&Text, Option<&str>)> = Vec::new();
        texts.push((&self.kind, None));
        texts.extend(self.issuer.iter().map(|t| (t, None)));
        texts.push((&self.number, None));
        texts.extend(self.national.iter().map(|t| (t, None)));
        texts.push((&self.place, None));
        texts.push((&self.subject, None));
        texts.push((&self.recipients_title, None));
        texts.extend(self.recipients.iter().map(|t| (t, None)));
        texts.extend(self.signature.iter().map(|t| (t, None)));
        texts.push((&self.signer, None));
        if let Some(d) = &self.date_field {
            match own_field(template, d) {
                Some(f) if f.ty == FieldType::Date => {}
                _ => {
                    return Err(format!(
                        "report date_field {d:?} is not a date field of the consolidating unit"
                    ));
                }
            }
        }
        for (i, b) in self.body.iter().enumerate() {
            let at = |m: String| format!("report body item {}: {m}", i + 1);
            match (&b.heading, &b.text, &b.narrative, &b.each) {
                (Some(h), None, None, None) => {
                    if !matches!(b.level.unwrap_or(1), 1..=3) {
                        return Err(at("level must be 1, 2 or 3".into()));
                    }
                    texts.push((h, None));
                }
                (None, Some(t), None, None) => texts.push((t, None)),
                (None, Some(t), None, Some(list)) => {
                    list_field(template, list).map_err(at)?;
                    texts.push((t, Some(list)));
                }
                (None, None, Some(n), None) => match own_field(template, n) {
                    Some(f) if f.ty == FieldType::Narrative => {}
                    _ => {
                        return Err(at(format!(
                            "{n:?} is not a narrative field of the consolidating unit"
                        )));
                    }
                },
                _ => {
                    return Err(at(
                        "give exactly one of heading, text (optionally with each) or narrative"
                            .into(),
                    ));
                }
            }
            if b.level.is_some() && b.heading.is_none() {
                return Err(at("level belongs to a heading".into()));
            }
            if let Some(e) = &b.empty {
                if b.narrative.is_none() && b.each.is_none() {
                    return Err(at("empty belongs to a narrative or an each".into()));
                }
                texts.push((e, None));
            }
        }
        let mut ids = HashSet::new();
        for f in &self.footnotes {
            let at = |m: &str| format!("footnote {:?}: {m}", f.id);
            if !ids.insert(f.id.as_str()) {
                return Err(at("defined twice"));
            }
            match (&f.text, &f.list, &f.item) {
                (Some(t), None, None) => texts.push((t, None)),
                (None, Some(list), Some(item)) => {
                    list_field(template, list).map_err(|m| at(&m))?;
                    texts.push((item, Some(list)));
                    texts.push((&f.prefix, None));
                    texts.push((&f.suffix, None));
                }
                _ => return Err(at("give either text, or list and item")),
            }
        }
        for (t, list) in &texts {
            for note in t.notes() {
                if !ids.contains(note) {
                    return Err(format!("{:?}: no footnote {note:?}", t.source()));
                }
            }
            for slot in t.slots() {
                check_slot(template, slot, *list).map_err(|m| format!("{:?}: {m}", t.source()))?;
            }
        }
        Ok(())
    }
}

fn escape(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

fn figure_field(kind: &FigureKind) -> Option<&str> {
    match kind {
        FigureKind::Sum { field }
        | FigureKind::CountYes { field }
        | FigureKind::CountNonzero { field }
        | FigureKind::Average { field }
        | FigureKind::UnitsWithRecords { field, .. }
        | FigureKind::RecordsSumBy { field, .. }
        | FigureKind::RecordsList { field, .. } => Some(field),
        FigureKind::Ratio { numerator, .. } => Some(numerator),
        FigureKind::Units => None,
    }
}

/// One line of the generic report for a figure.
fn generic_line(template: &Template, g: &crate::template::Figure) -> Option<BodyItem> {
    let label = escape(&g.label);
    let text = match &g.kind {
        FigureKind::RecordsSumBy {
            field,
            group_by,
            sum,
            ..
        } => {
            // Only choice groups are known before the data is; others are
            // left to the spreadsheet.
            let options = group_options(template, field, group_by)?;
            let parts = options
                .iter()
                .map(|o| {
                    let cols = sum
                        .iter()
                        .map(|c| {
                            let name = column_label(template, field, c).unwrap_or(c.clone());
                            format!("{} {{{}.{}.{c}}}", escape(&name), g.id, o.value)
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("{}: {cols}", escape(&o.label))
                })
                .collect::<Vec<_>>()
                .join("; ");
            format!("- {label}: {parts}")
        }
        FigureKind::RecordsList { .. } => format!("- {label}: {{{}.count}}", g.id),
        _ => format!("- {label}: {{{}}}", g.id),
    };
    Some(BodyItem {
        text: Some(lit(&text)),
        ..Default::default()
    })
}

fn records_columns<'t>(
    template: &'t Template,
    field: &str,
) -> Option<&'t [crate::template::Column]> {
    match template.field(field)?.0 {
        Field {
            ty: FieldType::Records { columns, .. },
            ..
        } => Some(columns),
        _ => None,
    }
}

fn column_label(template: &Template, field: &str, col: &str) -> Option<String> {
    records_columns(template, field)?
        .iter()
        .find(|c| c.id == col)
        .map(|c| c.label.clone())
}

/// The options of a choice column that groups records.
pub(crate) fn group_options<'t>(
    template: &'t Template,
    field: &str,
    group_by: &str,
) -> Option<&'t [crate::template::ChoiceOption]> {
    match &records_columns(template, field)?
        .iter()
        .find(|c| c.id == group_by)?
        .ty
    {
        FieldType::Choice { options } => Some(options),
        _ => None,
    }
}

/// A field the consolidating unit fills in its own report.
pub(crate) fn own_field<'t>(template: &'t Template, id: &str) -> Option<&'t Field> {
    template
        .field(id)
        .filter(|(_, scope)| scope.includes(Role::Consolidating))
        .map(|(f, _)| f)
}

/// The records field behind a `records_list` figure.
pub(crate) fn list_field<'t>(template: &'t Template, figure: &str) -> Result<&'t Field, String> {
    let figures = template.all_figures();
    let fig = figures
        .iter()
        .find(|f| f.id == figure)
        .ok_or_else(|| format!("no figure {figure:?}"))?;
    match &fig.kind {
        FigureKind::RecordsList { field, .. } => template
            .field(field)
            .map(|(f, _)| f)
            .ok_or_else(|| format!("no field {field:?}")),
        _ => Err(format!("figure {figure:?} is not a records_list")),
    }
}

fn check_slot(template: &Template, slot: &Slot, list: Option<&str>) -> Result<(), String> {
    let path: Vec<&str> = slot.path.iter().map(String::as_str).collect();
    if let Some(list) = list {
        let field = list_field(template, list)?;
        if let FieldType::Records { columns, .. } = &field.ty {
            match path.as_slice() {
                [c] if columns.iter().any(|x| x.id == *c) => return Ok(()),
                ["unit"] => return Ok(()),
                _ => {}
            }
        }
    }
    let figures = template.all_figures();
    if let Some(fig) = figures.iter().find(|f| f.id == path[0]) {
        return check_figure_path(template, &fig.kind, &path[1..])
            .map_err(|m| format!("{{{}}}: {m}", slot.path.join(".")));
    }
    if let Some(f) = own_field(template, path[0]) {
        return if path.len() == 1 && f.ty.is_scalar() {
            Ok(())
        } else {
            Err(format!("{:?} is not a single-value field", path[0]))
        };
    }
    if let Some((_, keys)) = BUILTINS.iter().find(|(b, _)| *b == path[0]) {
        return match path.as_slice() {
            [_, k] if keys.contains(k) => Ok(()),
            _ => Err(format!(
                "{} has only {}",
                path[0],
                keys.iter()
                    .map(|k| format!("{}.{k}", path[0]))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    }
    Err(format!(
        "{{{}}} is neither a figure, a field of the consolidating unit, nor unit/parent/period",
        slot.path.join(".")
    ))
}

fn check_figure_path(template: &Template, kind: &FigureKind, rest: &[&str]) -> Result<(), String> {
    let ok = match kind {
        FigureKind::Sum { .. } | FigureKind::Average { .. } => rest.is_empty(),
        FigureKind::CountYes { .. }
        | FigureKind::CountNonzero { .. }
        | FigureKind::Units
        | FigureKind::UnitsWithRecords { .. } => matches!(rest, [] | ["count"] | ["of"]),
        FigureKind::Ratio { .. } => {
            matches!(rest, [] | ["value"] | ["numerator"] | ["denominator"])
        }
        FigureKind::RecordsList { .. } => matches!(rest, ["count"]),
        FigureKind::RecordsSumBy {
            field,
            group_by,
            sum,
            ..
        } => match rest {
            [key, col] => {
                let col_ok = *col == "records" || sum.iter().any(|s| s == col);
                let options = group_options(template, field, group_by);
                let key_ok = options.is_none_or(|o| o.iter().any(|o| o.value == *key));
                col_ok && key_ok
            }
            _ => false,
        },
    };
    if ok {
        Ok(())
    } else {
        Err(match kind {
            FigureKind::RecordsSumBy { sum, .. } => format!(
                "write <group>.<{}>",
                std::iter::once("records")
                    .chain(sum.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join("|")
            ),
            FigureKind::RecordsList { .. } => {
                "a list is used by each/footnotes; inline only .count".into()
            }
            _ => "no such part of this figure".into(),
        })
    }
}
