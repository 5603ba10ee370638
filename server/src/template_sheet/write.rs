//! Writing a template as a workbook in the layout [`super::read`] reads, so
//! that an administrator can start from an existing template. The workbook is
//! read back before it is handed out: a template the layout cannot hold
//! exactly is refused with the part that would change, never written wrong.

use super::{
    CHOICES, COLUMNS, FIELDS, FIGURES, Layout, RULES, SETTINGS, TYPES, read::read, report,
};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use serde::Serialize;
use shared::template::{Field, FieldType, Figure, FigureKind, Operand, Rule, Template};

/// Writes the template as an .xlsx workbook.
pub fn write(t: &Template) -> Result<Vec<u8>, String> {
    let bytes = workbook(t).map_err(|e| format!("cannot write the workbook: {e}"))?;
    let back = read(&bytes).map_err(|e| format!("the workbook written does not read back: {e}"))?;
    if back == *t {
        return Ok(bytes);
    }
    let part = if back.sections != t.sections {
        "fields"
    } else if back.rules != t.rules {
        "rules"
    } else if back.figures != t.figures {
        "figures"
    } else if back.report != t.report {
        "report"
    } else {
        "settings"
    };
    Err(format!(
        "template {:?} cannot be written as a spreadsheet exactly: its {part} would read back differently",
        t.id
    ))
}

fn workbook(t: &Template) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let kv = |k: &str, v: Option<&str>| Line::default().text("key", k).opt("value", v);
    let settings = vec![
        kv("id", Some(&t.id)),
        Line::default()
            .text("key", "version")
            .num("value", f64::from(t.version)),
        kv("title", Some(&t.title)),
        kv("title_en", t.title_en.as_deref()),
        kv("filled_by", Some(&t.filled_by)),
        kv("period", Some(&serde_name(&t.period))),
        Line::default()
            .text("key", "deadline_days")
            .num("value", f64::from(t.deadline_days)),
    ];
    sheet(&mut wb, &SETTINGS, &settings)?;
    let mut fields = Vec::new();
    for s in &t.sections {
        let head = Line::default()
            .text("section", &s.id)
            .text("section_title", &s.title)
            .opt("section_title_en", s.title_en.as_deref())
            .text("section_scope", serde_name(&s.scope));
        if s.fields.is_empty() {
            fields.push(head.clone());
        }
        for (i, f) in s.fields.iter().enumerate() {
            let line = if i == 0 {
                head.clone()
            } else {
                Line::default().text("section", &s.id)
            };
            fields.push(field(line, f));
        }
    }
    sheet(&mut wb, &FIELDS, &fields)?;
    let mut choices = Vec::new();
    let mut columns = Vec::new();
    for (_, f) in t.fields() {
        options(&mut choices, &f.id, &f.ty);
        if let FieldType::Records { columns: cols, .. } = &f.ty {
            for c in cols {
                options(&mut choices, &format!("{}.{}", f.id, c.id), &c.ty);
                let line = Line::default()
                    .text("field", &f.id)
                    .text("id", &c.id)
                    .text("label", &c.label)
                    .opt("label_en", c.label_en.as_deref())
                    .yes("required", c.required);
                columns.push(type_cells(line, &c.ty));
            }
        }
    }
    sheet(&mut wb, &CHOICES, &choices)?;
    sheet(&mut wb, &COLUMNS, &columns)?;
    let rules: Vec<Line> = t.rules.iter().map(rule).collect();
    sheet(&mut wb, &RULES, &rules)?;
    let figures: Vec<Line> = t.figures.iter().map(figure).collect();
    sheet(&mut wb, &FIGURES, &figures)?;
    report::write(&mut wb, t.report.as_ref())?;
    wb.save_to_buffer()
}

fn field(line: Line, f: &Field) -> Line {
    let line = line
        .text("id", &f.id)
        .text("label", &f.label)
        .opt("label_en", f.label_en.as_deref())
        .opt("help", f.help.as_deref())
        .yes("required", f.required)
        .opt("aggregate", f.aggregate.map(|a| serde_name(&a)).as_deref())
        .text("renamed_from", f.renamed_from.join(", "));
    let line = match &f.ty {
        FieldType::Records { order_by, .. } => line.opt("order_by", order_by.as_deref()),
        _ => line,
    };
    type_cells(line, &f.ty)
}

/// The `type` cell and the type's settings.
fn type_cells(line: Line, ty: &FieldType) -> Line {
    let name = match ty {
        FieldType::Integer { .. } => "integer",
        FieldType::Decimal { .. } => "decimal",
        FieldType::Bool => "bool",
        FieldType::Date => "date",
        FieldType::Choice { .. } => "choice",
        FieldType::Text { .. } => "text",
        FieldType::Narrative => "narrative",
        FieldType::Records { .. } => "records",
    };
    debug_assert!(TYPES.iter().any(|(t, _)| *t == name));
    let line = line.text("type", name);
    match ty {
        FieldType::Integer { min, max } => line
            .opt_num("min", min.map(|n| n as f64))
            .opt_num("max", max.map(|n| n as f64)),
        FieldType::Decimal { min, max } => line.opt_num("min", *min).opt_num("max", *max),
        FieldType::Text { max_len } => line.opt_num("max_len", max_len.map(f64::from)),
        _ => line,
    }
}

fn options(out: &mut Vec<Line>, list: &str, ty: &FieldType) {
    if let FieldType::Choice { options } = ty {
        out.extend(options.iter().map(|o| {
            Line::default()
                .text("list", list)
                .text("value", &o.value)
                .text("label", &o.label)
                .opt("label_en", o.label_en.as_deref())
        }));
    }
}

fn rule(r: &Rule) -> Line {
    let line = Line::default()
        .text("id", &r.id)
        .text("left", &r.left)
        .text("op", serde_name(&r.op))
        .text("message", &r.message)
        .opt("message_en", r.message_en.as_deref())
        .yes("warning", r.warning);
    match &r.right {
        Operand::Number(n) => line.num("right", *n),
        Operand::Field(f) => line.text("right", f),
    }
}

fn figure(f: &Figure) -> Line {
    let kind = serde_json::to_value(&f.kind)
        .ok()
        .and_then(|v| v.get("kind")?.as_str().map(str::to_string))
        .unwrap_or_default();
    let line = Line::default()
        .text("id", &f.id)
        .text("label", &f.label)
        .opt("label_en", f.label_en.as_deref())
        .text("kind", kind);
    let filter = |line: Line, filter: &Option<shared::template::Filter>| match filter {
        Some(x) => line
            .text("filter_column", &x.column)
            .text("filter_equals", &x.equals),
        None => line,
    };
    match &f.kind {
        FigureKind::Sum { field }
        | FigureKind::CountYes { field }
        | FigureKind::CountNonzero { field }
        | FigureKind::Average { field } => line.text("field", field),
        FigureKind::Ratio {
            numerator,
            denominator,
        } => line
            .text("numerator", numerator)
            .text("denominator", denominator),
        FigureKind::Units => line,
        FigureKind::UnitsWithRecords { field, filter: x } => filter(line.text("field", field), x),
        FigureKind::RecordsSumBy {
            field,
            group_by,
            sum,
            filter: x,
        } => filter(
            line.text("field", field)
                .text("group_by", group_by)
                .text("sum", sum.join(", ")),
            x,
        ),
        FigureKind::RecordsList {
            field,
            filter: x,
            from,
        } => filter(line.text("field", field), x)
            .opt("from", from.map(|r| serde_name(&r)).as_deref()),
    }
}

/// The name serde gives a unit enum value (`half-year`, `count_yes`, `<=`).
pub(super) fn serde_name<T: Serialize>(x: &T) -> String {
    serde_json::to_value(x)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A cell to write.
#[derive(Clone)]
enum Cell {
    Text(String),
    Number(f64),
}

/// One row to write: cells by column name; columns left out stay empty.
#[derive(Clone, Default)]
pub(super) struct Line(Vec<(&'static str, Cell)>);

impl Line {
    /// Text, left empty when empty.
    pub(super) fn text(mut self, col: &'static str, s: impl AsRef<str>) -> Line {
        if !s.as_ref().is_empty() {
            self.0.push((col, Cell::Text(s.as_ref().to_string())));
        }
        self
    }

    pub(super) fn opt(self, col: &'static str, s: Option<&str>) -> Line {
        self.text(col, s.unwrap_or(""))
    }

    pub(super) fn num(mut self, col: &'static str, n: f64) -> Line {
        self.0.push((col, Cell::Number(n)));
        self
    }

    fn opt_num(self, col: &'static str, n: Option<f64>) -> Line {
        match n {
            Some(n) => self.num(col, n),
            None => self,
        }
    }

    /// `yes`, or empty for no.
    fn yes(self, col: &'static str, b: bool) -> Line {
        self.text(col, if b { "yes" } else { "" })
    }
}

/// How wide a column is (in characters), and whether its text wraps.
fn width(col: &str) -> (f64, bool) {
    match col {
        "label" | "section_title" | "message" | "text" | "value" | "help" | "item" | "empty" => {
            (50.0, true)
        }
        "label_en" | "section_title_en" | "message_en" => (36.0, true),
        "id" | "section" | "field" | "list" | "left" | "right" | "renamed_from" | "key"
        | "source" | "numerator" | "denominator" | "group_by" | "sum" | "order_by"
        | "filter_column" | "filter_equals" | "prefix" | "suffix" => (20.0, false),
        _ => (12.0, false),
    }
}

/// Adds a sheet: a bold header row that stays in view, then the lines.
pub(super) fn sheet(wb: &mut Workbook, layout: &Layout, lines: &[Line]) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name(layout.sheet)?;
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    let plain = Format::new().set_align(FormatAlign::Top);
    let wrap = plain.clone().set_text_wrap();
    for (c, name) in layout.columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *name, &head)?;
        let (w, _) = width(name);
        ws.set_column_width(c, w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, line) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        for (name, cell) in &line.0 {
            let c = layout
                .columns
                .iter()
                .position(|x| x == name)
                .expect("a column of the layout") as u16;
            let format = if width(name).1 { &wrap } else { &plain };
            match cell {
                Cell::Text(s) => ws.write_string_with_format(r, c, s, format)?,
                Cell::Number(n) => ws.write_number_with_format(r, c, *n, format)?,
            };
        }
    }
    Ok(())
}
