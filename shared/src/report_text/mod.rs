//! The consolidated report's text: the template's `[report]` wording with its
//! placeholders filled from the figures (computed by [`crate::aggregate`] from
//! the units' merged reports), the consolidating unit's own fields and
//! narratives, and the org tree. The result is a structured [`Document`] that
//! the exporters lay out (.docx, print view) without deciding any wording.
//!
//! Narrative paragraphs come from the consolidating unit's own report, as its
//! officers typed them; figures are recomputed on every render and never
//! written into those texts, so nothing the officers wrote is overwritten.

mod document;
mod format;
mod spec;
mod text;

pub use document::{Block, BlockKind, Document, ExcludedNote, Footnote, Run, RunKind, superscript};
pub use format::{DateStyle, NumberStyle};
pub use spec::{BodyItem, FootnoteSpec, ReportText};
pub use text::{Text, TextError};

use crate::aggregate::{FigureValue, ListItem};
use crate::date::Date;
use crate::org::OrgTree;
use crate::period::Period;
use crate::report::{Excluded, ReportView};
use crate::template::{Field, FieldType, Template};
use crate::value::Value;
use std::collections::BTreeMap;
use text::{Filter, Piece};

/// What a report is rendered from.
#[derive(Clone, Copy, Debug)]
pub struct RenderInput<'a> {
    /// The template.
    pub template: &'a Template,
    /// The org tree (names of the unit, its parent and contributors).
    pub tree: &'a OrgTree,
    /// The consolidating unit's id.
    pub unit: &'a str,
    /// The period.
    pub period: &'a Period,
    /// The figures, from [`crate::aggregate::compute`].
    pub figures: &'a BTreeMap<String, FigureValue>,
    /// The consolidating unit's own report, if it has one.
    pub own: Option<&'a ReportView>,
    /// The day the report is generated (a parameter: the core reads no clock).
    pub today: Date,
    /// The values the figures left out ([`crate::report::admissible`]), for
    /// the note after the body.
    pub excluded: &'a [Excluded],
}

/// First line of the note on values left out of the figures.
pub const EXCLUDED_TITLE: &str = "Ghi chú: các giá trị sau nằm ngoài giới hạn của mẫu báo cáo, không được tính vào số liệu trên:";

/// A value before it is written.
enum Val {
    Num(f64),
    Frac(f64, f64),
    Text(String),
    Missing,
}

/// Renders the consolidated report. A template without a `[report]` table
/// gets [`ReportText::generic`].
pub fn render(input: &RenderInput<'_>) -> Document {
    let generic;
    let spec = match &input.template.report {
        Some(r) => r,
        None => {
            generic = ReportText::generic(input.template);
            &generic
        }
    };
    Renderer {
        input,
        spec,
        notes: BTreeMap::new(),
        used_notes: Vec::new(),
    }
    .run()
}

struct Renderer<'r, 'a> {
    input: &'r RenderInput<'a>,
    spec: &'r ReportText,
    /// Footnote id → its text, or `None` when it is dropped (empty list).
    notes: BTreeMap<String, Option<String>>,
    /// Footnote ids in order of first reference.
    used_notes: Vec<String>,
}

/// A record being written, with its records field.
#[derive(Clone, Copy)]
struct Item<'x> {
    item: &'x ListItem,
    field: &'x Field,
}

impl<'a> Renderer<'_, 'a> {
    fn run(mut self) -> Document {
        let spec = self.spec;
        for f in &spec.footnotes {
            let text = self.footnote_text(f);
            self.notes.insert(f.id.clone(), text);
        }
        let line = |r: &mut Self, t: &Text| r.plain(t, None);
        let issuer = spec.issuer.iter().map(|t| line(&mut self, t)).collect();
        let number = line(&mut self, &spec.number);
        let national = spec.national.iter().map(|t| line(&mut self, t)).collect();
        let place_date = self.place_date();
        let kind = line(&mut self, &spec.kind);
        let subject = line(&mut self, &spec.subject);
        let mut body = Vec::new();
        for b in &spec.body {
            self.body_item(b, &mut body);
        }
        let footnotes = self
            .used_notes
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                Some(Footnote {
                    number: i as u32 + 1,
                    id: id.clone(),
                    text: self.notes.get(id)?.clone()?,
                })
            })
            .collect();
        let recipients_title = line(&mut self, &spec.recipients_title);
        let recipients = spec.recipients.iter().map(|t| line(&mut self, t)).collect();
        let signature = spec.signature.iter().map(|t| line(&mut self, t)).collect();
        let signer = line(&mut self, &spec.signer);
        let excluded = self.excluded_note();
        Document {
            issuer,
            number,
            national,
            place_date,
            kind,
            subject,
            body,
            footnotes,
            recipients_title,
            recipients,
            signature,
            signer,
            excluded,
        }
    }

    /// The note on values left out of the figures, one sentence each, in
    /// Vietnamese like the rest of the document.
    fn excluded_note(&self) -> Option<ExcludedNote> {
        let input = self.input;
        if input.excluded.is_empty() {
            return None;
        }
        let items = input
            .excluded
            .iter()
            .map(|x| {
                let name = input.tree.get(&x.unit).map_or(x.unit.as_str(), |u| &u.name);
                x.message(input.template, name, false)
            })
            .collect();
        Some(ExcludedNote {
            title: EXCLUDED_TITLE.to_string(),
            items,
        })
    }

    fn body_item(&mut self, b: &BodyItem, out: &mut Vec<Block>) {
        if let Some(h) = &b.heading {
            out.push(Block {
                kind: BlockKind::Heading {
                    level: b.level.unwrap_or(1),
                },
                runs: self.runs(h, None),
            });
        } else if let Some(field) = &b.narrative {
            let text = self
                .input
                .own
                .and_then(|r| r.narratives.get(field))
                .map(String::as_str)
                .unwrap_or_default();
            let paragraphs: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if paragraphs.is_empty() {
                self.paragraph(b.empty.as_ref(), None, out);
                return;
            }
            out.extend(paragraphs.into_iter().map(|p| Block {
                kind: BlockKind::Narrative {
                    field: field.clone(),
                },
                runs: vec![Run {
                    text: p.to_string(),
                    kind: RunKind::Text,
                }],
            }));
        } else if let (Some(t), Some(list)) = (&b.text, &b.each) {
            let items = self.list(list);
            if items.is_empty() {
                self.paragraph(b.empty.as_ref(), None, out);
                return;
            }
            for it in items {
                self.paragraph(Some(t), Some(it), out);
            }
        } else {
            self.paragraph(b.text.as_ref(), None, out);
        }
    }

    /// A paragraph of template text, if there is text.
    fn paragraph(&mut self, t: Option<&Text>, item: Option<Item<'_>>, out: &mut Vec<Block>) {
        if let Some(t) = t {
            let runs = self.runs(t, item);
            out.push(Block {
                kind: BlockKind::Paragraph,
                runs,
            });
        }
    }

    /// The records of a `records_list` figure with their records field.
    fn list(&self, figure: &str) -> Vec<Item<'a>> {
        let (template, figures): (&'a Template, &'a BTreeMap<String, FigureValue>) =
            (self.input.template, self.input.figures);
        let Ok(field) = spec::list_field(template, figure) else {
            return Vec::new();
        };
        match figures.get(figure) {
            Some(FigureValue::List { items }) => {
                items.iter().map(|item| Item { item, field }).collect()
            }
            _ => Vec::new(),
        }
    }

    fn footnote_text(&self, f: &FootnoteSpec) -> Option<String> {
        if let Some(t) = &f.text {
            return Some(self.plain(t, None));
        }
        let (Some(list), Some(item)) = (&f.list, &f.item) else {
            return None;
        };
        let items = self.list(list);
        if items.is_empty() {
            return None;
        }
        let body = items
            .into_iter()
            .map(|it| self.plain(item, Some(it)))
            .collect::<Vec<_>>()
            .join(&f.separator);
        Some(format!(
            "{}{body}{}",
            self.plain(&f.prefix, None),
            self.plain(&f.suffix, None)
        ))
    }

    fn place_date(&self) -> String {
        let place = self.plain(&self.spec.place, None);
        let style = self.spec.dates;
        let set = self
            .spec
            .date_field
            .as_ref()
            .and_then(|f| self.input.own?.fields.get(f))
            .and_then(Value::as_date);
        match set {
            Some(d) => {
                let (day, month) = style.day_month(d);
                format!("{place}, ngày {day} tháng {month} năm {}", d.year)
            }
            None => {
                // The signer writes the day by hand when signing.
                let (_, month) = style.day_month(self.input.today);
                format!(
                    "{place}, ngày      tháng {month} năm {}",
                    self.input.today.year
                )
            }
        }
    }

    /// Text with placeholders filled; footnote markers dropped.
    fn plain(&self, t: &Text, item: Option<Item<'_>>) -> String {
        t.pieces
            .iter()
            .map(|p| match p {
                Piece::Lit(s) => s.clone(),
                Piece::Slot(slot) => self.fill(&slot.path, &slot.filters, item),
                Piece::Note(_) => String::new(),
            })
            .collect()
    }

    /// Text as runs, numbering footnotes on first reference.
    fn runs(&mut self, t: &Text, item: Option<Item<'_>>) -> Vec<Run> {
        let mut runs = Vec::new();
        for p in &t.pieces {
            match p {
                Piece::Lit(s) => runs.push(Run {
                    text: s.clone(),
                    kind: RunKind::Text,
                }),
                Piece::Slot(slot) => runs.push(Run {
                    text: self.fill(&slot.path, &slot.filters, item),
                    kind: RunKind::Value {
                        source: slot.path[0].clone(),
                    },
                }),
                Piece::Note(id) => {
                    if !matches!(self.notes.get(id), Some(Some(_))) {
                        continue;
                    }
                    let pos = match self.used_notes.iter().position(|n| n == id) {
                        Some(i) => i,
                        None => {
                            self.used_notes.push(id.clone());
                            self.used_notes.len() - 1
                        }
                    };
                    runs.push(Run {
                        text: String::new(),
                        kind: RunKind::NoteRef {
                            number: pos as u32 + 1,
                        },
                    });
                }
            }
        }
        runs
    }

    fn fill(&self, path: &[String], filters: &[Filter], item: Option<Item<'_>>) -> String {
        let val = self.lookup(path, item);
        let plain = filters.contains(&Filter::Plain);
        let n = |v: f64| self.spec.numbers.format(v, plain);
        let missing = matches!(val, Val::Missing);
        let mut s = match val {
            Val::Num(v) => n(v),
            Val::Frac(a, b) => format!("{}/{}", n(a), n(b)),
            Val::Text(s) => s,
            Val::Missing => String::new(),
        };
        if s.is_empty() {
            let or = filters.iter().find_map(|f| match f {
                Filter::Or(t) => Some(t.clone()),
                _ => None,
            });
            s = match or {
                Some(t) => t,
                None if missing => self.spec.missing.clone(),
                None => s,
            };
        }
        for f in filters {
            s = f.apply(s);
        }
        s
    }

    fn lookup(&self, path: &[String], item: Option<Item<'_>>) -> Val {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let input = self.input;
        if let Some(Item { item, field }) = item {
            if let FieldType::Records { columns, .. } = &field.ty
                && let [c] = p.as_slice()
                && let Some(col) = columns.iter().find(|x| x.id == *c)
            {
                return match item.record.values.get(*c) {
                    Some(v) => self.value(&col.ty, v),
                    None => Val::Missing,
                };
            }
            if p == ["unit"] {
                return unit_name(input.tree, &item.unit);
            }
        }
        if let Some(fig) = input.figures.get(p[0]) {
            return figure_part(fig, &p[1..]);
        }
        if let Some(f) = spec::own_field(input.template, p[0]) {
            return match input.own.and_then(|r| r.fields.get(p[0])) {
                Some(v) => self.value(&f.ty, v),
                None => Val::Missing,
            };
        }
        let unit = input.tree.get(input.unit);
        let parent = input.tree.parent(input.unit);
        match p.as_slice() {
            ["unit", "name"] => text(unit.map(|u| u.name.clone())),
            ["unit", "id"] => Val::Text(input.unit.to_string()),
            ["parent", "name"] => text(parent.map(|u| u.name.clone())),
            ["parent", "id"] => text(parent.map(|u| u.id.clone())),
            ["period", "label"] => Val::Text(input.period.label_vi()),
            ["period", "year"] => Val::Text(input.period.year.to_string()),
            ["period", "id"] => Val::Text(input.period.id()),
            _ => Val::Missing,
        }
    }

    /// A stored value as its field type writes it.
    fn value(&self, ty: &FieldType, v: &Value) -> Val {
        match (ty, v) {
            (_, Value::Int(_) | Value::Decimal(_)) => v.as_f64().map_or(Val::Missing, Val::Num),
            (_, Value::Bool(b)) => Val::Text(if *b { "Có" } else { "Không" }.into()),
            (FieldType::Date, Value::Str(_)) => match v.as_date() {
                Some(d) => Val::Text(self.spec.dates.format(d)),
                None => Val::Missing,
            },
            (FieldType::Choice { options }, Value::Str(s)) => Val::Text(
                options
                    .iter()
                    .find(|o| o.value == *s)
                    .map_or_else(|| s.clone(), |o| o.label.clone()),
            ),
            (_, Value::Str(s)) => Val::Text(s.clone()),
        }
    }
}

fn text(s: Option<String>) -> Val {
    s.map_or(Val::Missing, Val::Text)
}

fn unit_name(tree: &OrgTree, id: &str) -> Val {
    Val::Text(
        tree.get(id)
            .map_or_else(|| id.to_string(), |u| u.name.clone()),
    )
}

fn figure_part(fig: &FigureValue, rest: &[&str]) -> Val {
    let n = |x: u64| Val::Num(x as f64);
    match (fig, rest) {
        (FigureValue::Number { value }, []) => Val::Num(*value),
        (FigureValue::Count { count, of }, []) => Val::Frac(*count as f64, *of as f64),
        (FigureValue::Count { count, .. }, ["count"]) => n(*count),
        (FigureValue::Count { of, .. }, ["of"]) => n(*of),
        (
            FigureValue::Ratio {
                numerator,
                denominator,
                ..
            },
            [],
        ) => Val::Frac(*numerator, *denominator),
        (FigureValue::Ratio { value, .. }, ["value"]) => value.map_or(Val::Missing, Val::Num),
        (FigureValue::Ratio { numerator, .. }, ["numerator"]) => Val::Num(*numerator),
        (FigureValue::Ratio { denominator, .. }, ["denominator"]) => Val::Num(*denominator),
        (FigureValue::Groups { groups }, [key, col]) => {
            match groups.iter().find(|g| g.key == *key) {
                Some(g) if *col == "records" => n(g.records),
                Some(g) => Val::Num(g.sums.get(*col).copied().unwrap_or(0.0)),
                None => Val::Num(0.0),
            }
        }
        (FigureValue::List { items }, ["count"]) => n(items.len() as u64),
        _ => Val::Missing,
    }
}
