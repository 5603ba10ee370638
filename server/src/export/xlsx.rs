//! All units' data as a workbook: a summary sheet with the report's figures,
//! one sheet per template section (a row per unit that fills it in, a column
//! per field, a totals row), and one sheet per records field (a row per
//! record). Headers are the template's Vietnamese labels. Totals are Excel
//! formulas over the rows above them, so a reviewer who corrects a cell sees
//! the total follow; their stored results are the report's figures. A value
//! outside its field's limits is not in those sheets (its cell is empty, so
//! the formulas agree with the figures); a last sheet, only when there is
//! such a value, lists each with the reason.

use super::{ExportError, RoundData, UnitReport, display, status_label, total};
use rust_xlsxwriter::{
    Color, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, cell_range,
};
use shared::Value;
use shared::aggregate::FigureValue;
use shared::report::order;
use shared::report_text::Document;
use shared::template::{Aggregate, Field, FieldType};
use std::collections::HashSet;

struct Styles {
    head: Format,
    cell: Format,
    wrap: Format,
    total: Format,
    title: Format,
}

fn styles() -> Styles {
    let base = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12)
        .set_border(FormatBorder::Thin);
    Styles {
        head: base
            .clone()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(0xDDEBF7)),
        cell: base.clone(),
        wrap: base.clone().set_text_wrap().set_align(FormatAlign::Top),
        total: base.set_bold().set_background_color(Color::RGB(0xF2F2F2)),
        title: Format::new()
            .set_font_name("Times New Roman")
            .set_font_size(14)
            .set_bold(),
    }
}

/// Writes the workbook.
pub(super) fn write(data: &RoundData, doc: &Document) -> Result<Vec<u8>, ExportError> {
    let st = styles();
    let mut wb = Workbook::new();
    let mut names = HashSet::new();
    summary(
        wb.add_worksheet()
            .set_name(sheet_name("Tổng hợp", &mut names))?,
        data,
        doc,
        &st,
    )?;
    let template = data.template();
    for section in &template.sections {
        let fields: Vec<&Field> = section
            .fields
            .iter()
            .filter(|f| !matches!(f.ty, FieldType::Records { .. }))
            .collect();
        if !fields.is_empty() {
            let units: Vec<&UnitReport> = data.units_of(section).collect();
            let ws = wb
                .add_worksheet()
                .set_name(sheet_name(&section.title, &mut names))?;
            section_sheet(ws, data, &fields, &units, &st)?;
        }
        for f in &section.fields {
            if let FieldType::Records { columns, .. } = &f.ty {
                let units: Vec<&UnitReport> = data.units_of(section).collect();
                let ws = wb
                    .add_worksheet()
                    .set_name(sheet_name(&f.label, &mut names))?;
                records_sheet(ws, f, columns, &units, &st)?;
            }
        }
    }
    if !data.excluded.is_empty() {
        let ws = wb
            .add_worksheet()
            .set_name(sheet_name(EXCLUDED_SHEET, &mut names))?;
        excluded_sheet(ws, data, &st)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The last sheet, only when a value was left out of the figures.
pub(super) const EXCLUDED_SHEET: &str = "Giá trị không tính";

/// A row per value left out of the figures and of the sheets before (they
/// show its cell empty): where it is, what it was, and the sentence of the
/// report's note.
fn excluded_sheet(ws: &mut Worksheet, data: &RoundData, st: &Styles) -> Result<(), ExportError> {
    let heads = ["Mục", "Dòng", "Cột", "Giá trị", "Lý do"];
    header(ws, &["STT", "Đơn vị"], &heads, st)?;
    ws.set_column_width(6, 70)?;
    let t = data.template();
    for (i, (x, message)) in data.excluded_messages().into_iter().enumerate() {
        let row = i as u32 + 1;
        let field = t.field(&x.field).map(|(f, _)| f);
        let column = match (field.map(|f| &f.ty), &x.column) {
            (Some(FieldType::Records { columns, .. }), Some(c)) => {
                columns.iter().find(|col| &col.id == c)
            }
            _ => None,
        };
        ws.write_number_with_format(row, 0, row as f64, &st.cell)?;
        ws.write_string_with_format(row, 1, data.unit_name(&x.unit), &st.cell)?;
        let label = field.map_or(x.field.as_str(), |f| f.label.as_str());
        ws.write_string_with_format(row, 2, label, &st.wrap)?;
        match x.row {
            Some(r) => ws.write_number_with_format(row, 3, r as f64, &st.cell)?,
            None => ws.write_blank(row, 3, &st.cell)?,
        };
        let col_label = column
            .map(|c| c.label.as_str())
            .or(x.column.as_deref())
            .unwrap_or_default();
        ws.write_string_with_format(row, 4, col_label, &st.wrap)?;
        // As text: a number here must not be summed by anyone.
        ws.write_string_with_format(row, 5, x.value.display_vi(), &st.cell)?;
        ws.write_string_with_format(row, 6, message, &st.wrap)?;
    }
    Ok(())
}

/// Excel's sheet-name rules: at most 31 characters, none of `[]:*?/\`,
/// unique (case-insensitively).
fn sheet_name(title: &str, used: &mut HashSet<String>) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    let clean = clean.trim().trim_matches('\'').to_string();
    let base: String = clean
        .chars()
        .take(31)
        .collect::<String>()
        .trim()
        .to_string();
    let mut name = base.clone();
    let mut n = 2;
    while !used.insert(name.to_lowercase()) {
        let suffix = format!(" ({n})");
        let keep = 31 - suffix.chars().count();
        name = format!(
            "{}{suffix}",
            base.chars().take(keep).collect::<String>().trim_end()
        );
        n += 1;
    }
    name
}

fn summary(
    ws: &mut Worksheet,
    data: &RoundData,
    doc: &Document,
    st: &Styles,
) -> Result<(), ExportError> {
    let t = data.template();
    ws.write_string_with_format(0, 0, &t.title, &st.title)?;
    ws.write_string(
        1,
        0,
        format!("{} - {}", data.unit.name, data.period.label_vi()),
    )?;
    ws.write_string(2, 0, &doc.place_date)?;
    ws.write_string_with_format(4, 0, "Chỉ tiêu", &st.head)?;
    ws.write_string_with_format(4, 1, "Giá trị", &st.head)?;
    ws.set_column_width(0, 60)?;
    ws.set_column_width(1, 20)?;
    let mut row = 5;
    let plain = |v: f64| shared::value::format_decimal_vi(v);
    for fig in t.all_figures() {
        let Some(value) = data.figures.get(&fig.id) else {
            continue;
        };
        let lines: Vec<(String, String)> = match value {
            FigureValue::Number { value } => vec![(fig.label.clone(), plain(*value))],
            FigureValue::Count { count, of } => {
                vec![(fig.label.clone(), format!("{count}/{of}"))]
            }
            FigureValue::Ratio {
                numerator,
                denominator,
                value,
            } => vec![(
                fig.label.clone(),
                format!(
                    "{}/{} ({})",
                    plain(*numerator),
                    plain(*denominator),
                    value.map(plain).unwrap_or_default()
                ),
            )],
            FigureValue::Groups { groups } => groups
                .iter()
                .map(|g| {
                    let sums = g
                        .sums
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", plain(*v)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    (format!("{} - {}", fig.label, g.label), sums)
                })
                .collect(),
            FigureValue::List { items } => {
                vec![(fig.label.clone(), items.len().to_string())]
            }
        };
        for (label, value) in lines {
            ws.write_string_with_format(row, 0, label, &st.wrap)?;
            ws.write_string_with_format(row, 1, value, &st.cell)?;
            row += 1;
        }
    }
    Ok(())
}

/// Header row: STT, Đơn vị, then `heads`.
fn header(
    ws: &mut Worksheet,
    first: &[&str],
    heads: &[&str],
    st: &Styles,
) -> Result<(), ExportError> {
    for (c, h) in first.iter().chain(heads.iter()).enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &st.head)?;
        let width = match c {
            0 => 6.0,
            1 => 28.0,
            _ => 18.0,
        };
        ws.set_column_width(c as u16, width)?;
    }
    ws.set_row_height(0, 60)?;
    ws.set_freeze_panes(1, 2)?;
    Ok(())
}

fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    ty: &FieldType,
    v: Option<&Value>,
    st: &Styles,
) -> Result<(), ExportError> {
    match v {
        Some(Value::Int(_) | Value::Decimal(_)) => {
            ws.write_number_with_format(
                row,
                col,
                v.and_then(Value::as_f64).unwrap_or(0.0),
                &st.cell,
            )?;
        }
        Some(v) => {
            ws.write_string_with_format(row, col, display(ty, v), &st.wrap)?;
        }
        None => {
            ws.write_blank(row, col, &st.cell)?;
        }
    }
    Ok(())
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

fn section_sheet(
    ws: &mut Worksheet,
    data: &RoundData,
    fields: &[&Field],
    units: &[&UnitReport],
    st: &Styles,
) -> Result<(), ExportError> {
    let heads: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
    header(ws, &["STT", "Đơn vị", "Trạng thái"], &heads, st)?;
    ws.set_column_width(2, 14)?;
    for (i, u) in units.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_number_with_format(row, 0, (i + 1) as f64, &st.cell)?;
        ws.write_string_with_format(row, 1, &u.unit.name, &st.cell)?;
        ws.write_string_with_format(row, 2, status_label(u), &st.cell)?;
        for (j, f) in fields.iter().enumerate() {
            let col = j as u16 + 3;
            let v = match (&u.view, &f.ty) {
                (Some(v), FieldType::Narrative) => {
                    v.narratives.get(&f.id).map(|t| Value::Str(t.clone()))
                }
                (Some(v), _) => v.fields.get(&f.id).cloned(),
                (None, _) => None,
            };
            write_value(ws, row, col, &f.ty, v.as_ref(), st)?;
            if f.ty == FieldType::Narrative {
                ws.set_column_width(col, 60)?;
            }
        }
    }
    let last = units.len() as u32;
    let row = last + 1;
    ws.write_blank(row, 0, &st.total)?;
    ws.write_string_with_format(row, 1, "Tổng cộng", &st.total)?;
    ws.write_blank(row, 2, &st.total)?;
    for (j, f) in fields.iter().enumerate() {
        let col = j as u16 + 3;
        let (Some(agg), Some(result), true) = (f.aggregate, total(data, f), last > 0) else {
            ws.write_blank(row, col, &st.total)?;
            continue;
        };
        let range = cell_range(1, col, last, col);
        let formula = match agg {
            Aggregate::Sum => format!("=SUM({range})"),
            Aggregate::Average => format!("=AVERAGE({range})"),
            Aggregate::CountYes => format!("=COUNTIF({range},\"Có\")"),
            Aggregate::CountNonzero => format!("=COUNTIF({range},\"<>0\")-COUNTBLANK({range})"),
            Aggregate::List => {
                ws.write_blank(row, col, &st.total)?;
                continue;
            }
        };
        ws.write_formula_with_format(
            row,
            col,
            Formula::new(formula).set_result(number_text(result)),
            &st.total,
        )?;
    }
    Ok(())
}

fn records_sheet(
    ws: &mut Worksheet,
    field: &Field,
    columns: &[shared::template::Column],
    units: &[&UnitReport],
    st: &Styles,
) -> Result<(), ExportError> {
    let heads: Vec<&str> = columns.iter().map(|c| c.label.as_str()).collect();
    header(ws, &["STT", "Đơn vị"], &heads, st)?;
    let mut row = 0u32;
    for u in units {
        let Some(records) = u.view.as_ref().and_then(|v| v.records.get(&field.id)) else {
            continue;
        };
        // Each unit's rows in the template's order (by date), as on the form.
        for r in order::ordered(order::order_of(field), records) {
            row += 1;
            ws.write_number_with_format(row, 0, row as f64, &st.cell)?;
            ws.write_string_with_format(row, 1, &u.unit.name, &st.cell)?;
            for (j, c) in columns.iter().enumerate() {
                write_value(ws, row, j as u16 + 2, &c.ty, r.values.get(&c.id), st)?;
            }
        }
    }
    let last = row;
    let row = last + 1;
    ws.write_blank(row, 0, &st.total)?;
    ws.write_string_with_format(row, 1, "Tổng cộng", &st.total)?;
    for (j, c) in columns.iter().enumerate() {
        let col = j as u16 + 2;
        if !c.ty.is_number() || last == 0 {
            ws.write_blank(row, col, &st.total)?;
            continue;
        }
        let sum = shared::aggregate::total(
            units
                .iter()
                .filter_map(|u| u.view.as_ref()?.records.get(&field.id))
                .flatten()
                .filter_map(|r| r.values.get(&c.id).and_then(Value::as_f64)),
        );
        let range = cell_range(1, col, last, col);
        ws.write_formula_with_format(
            row,
            col,
            Formula::new(format!("=SUM({range})")).set_result(number_text(sum)),
            &st.total,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sheet_name;
    use std::collections::HashSet;

    #[test]
    fn sheet_names_follow_excel_rules() {
        let mut used = HashSet::new();
        let a = sheet_name(
            "Văn bản đã ban hành (kế hoạch, quyết định, công văn)",
            &mut used,
        );
        assert!(
            a.chars().count() <= 31 && a.starts_with("Văn bản đã ban hành"),
            "{a}"
        );
        let b = sheet_name(
            "Văn bản đã ban hành (kế hoạch, quyết định, công văn)",
            &mut used,
        );
        assert!(b.ends_with(" (2)") && b.chars().count() <= 31, "{b}");
        assert_eq!(sheet_name("a/b: c?", &mut used), "ab c");
    }
}
