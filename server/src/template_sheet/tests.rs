//! The spreadsheet layout holds the shipped templates exactly, a workbook
//! typed the way a person types one reads into the template meant, and
//! mistakes are reported at the sheet and row where they were made.

use super::{SheetError, read, to_toml, write};
use rust_xlsxwriter::Workbook;
use shared::period::PeriodKind;
use shared::report_text::{FootnoteSpec, ReportText, Text};
use shared::template::{
    Aggregate, ChoiceOption, Column, CompareOp, Field, FieldType, Figure, FigureKind, Operand,
    Rule, Scope, Section, Template,
};

fn shipped() -> Vec<(String, Template)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../templates");
    let mut out: Vec<(String, Template)> = std::fs::read_dir(dir)
        .expect("templates/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let t = Template::from_toml(&text).expect("a valid template");
            (p.display().to_string(), t)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 2, "the shipped templates are found");
    out
}

#[test]
fn shipped_templates_survive_the_spreadsheet() {
    for (path, t) in shipped() {
        let bytes = write(&t).unwrap_or_else(|e| panic!("{path}: {e}"));
        let back = read(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(back, t, "{path}");
    }
}

#[test]
fn shipped_templates_survive_to_toml() {
    for (path, t) in shipped() {
        let text = to_toml(&t).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(Template::from_toml(&text).expect("reads"), t, "{path}");
    }
}

/// A workbook as a person types it: sheets of rows of cells; a cell that is
/// a number is typed (and stored) as a number, "" is left empty.
type Book = Vec<(String, Vec<Vec<String>>)>;

fn xlsx(book: &Book) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, rows) in book {
        let ws = wb.add_worksheet().set_name(name).expect("a sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell.parse::<f64>() {
                    _ if cell.is_empty() => {}
                    Ok(n) => drop(ws.write_number(r, c, n).expect("write")),
                    Err(_) => drop(ws.write_string(r, c, cell).expect("write")),
                }
            }
        }
    }
    wb.save_to_buffer().expect("a workbook")
}

/// Sheets written as text: `== name` starts a sheet, then one line per row
/// with cells between `|` (trimmed).
fn book(text: &str) -> Book {
    let mut out: Book = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match (line.strip_prefix("== "), out.last_mut()) {
            (Some(name), _) => out.push((name.to_string(), Vec::new())),
            (None, Some((_, rows))) => {
                rows.push(line.split('|').map(|c| c.trim().to_string()).collect())
            }
            (None, None) => panic!("a sheet first"),
        }
    }
    out
}

/// A small template as an administrator would type it: capitalised and
/// spaced headers and sheet names, `yes`/`Có` for required, a blank section
/// cell continuing the section above, choice values typed as numbers, a
/// `yes_no` type, a notes column and a sheet of the administrator's own.
const SMALL: &str = "
== Settings
key           | value
id            | thu-nghiem
version       | 2
title         | Báo cáo thử nghiệm
filled_by     | commune
period        | half_year
deadline_days | 10

== fields
section   | Section Title   | section_scope | id       | Label        | type    | required | min | max | aggregate | order_by | notes
chung     | Thông tin chung |               | villages | Số thôn      | integer | yes      | 0   | 200 | sum       |          | tổng số thôn
          |                 |               | points   | Số điểm      | Integer | Có       | 0   |     | sum       |          |
chung     |                 |               | active   | Có hoạt động | yes_no  |          |     |     | count_yes |          |
hoat-dong | Hoạt động       | any           | events   | Sự kiện      | records |          |     |     | list      | date     |
hoat-dong |                 |               | kind     | Loại         | choice  | no       |     |     |           |          |

== columns
field  | id     | label    | type    | required | max
events | date   | Ngày     | date    | yes      |
events | people | Số người | integer |          | 1000

== choices
list | value | label
kind | 1     | Một
kind | 2     | Hai

== rules
id | left     | op | right    | message           | warning
r1 | points   | <= | villages | Không quá số thôn |
r2 | villages | <  | 500      | Quá nhiều thôn    | yes

== figures
id          | label         | kind  | numerator | denominator
per_village | Điểm mỗi thôn | ratio | points    | villages

== ghi chú
anything | at all
";

fn small() -> Book {
    book(SMALL)
}

fn small_expected() -> Template {
    let int = |id: &str, label: &str, min, max| Field {
        id: id.into(),
        label: label.into(),
        label_en: None,
        help: None,
        ty: FieldType::Integer { min, max },
        required: true,
        aggregate: Some(Aggregate::Sum),
        renamed_from: Vec::new(),
    };
    let column = |id: &str, label: &str, ty, required| Column {
        id: id.into(),
        label: label.into(),
        label_en: None,
        ty,
        required,
    };
    let option = |v: &str, l: &str| ChoiceOption {
        value: v.into(),
        label: l.into(),
        label_en: None,
    };
    let rule = |id: &str, left: &str, op, right, message: &str, warning| Rule {
        id: id.into(),
        left: left.into(),
        op,
        right,
        message: message.into(),
        message_en: None,
        warning,
    };
    Template {
        id: "thu-nghiem".into(),
        version: 2,
        title: "Báo cáo thử nghiệm".into(),
        title_en: None,
        filled_by: "commune".into(),
        period: PeriodKind::HalfYear,
        deadline_days: 10,
        sections: vec![
            Section {
                id: "chung".into(),
                title: "Thông tin chung".into(),
                title_en: None,
                scope: Scope::Unit,
                fields: vec![
                    int("villages", "Số thôn", Some(0), Some(200)),
                    int("points", "Số điểm", Some(0), None),
                    Field {
                        ty: FieldType::Bool,
                        required: false,
                        aggregate: Some(Aggregate::CountYes),
                        ..int("active", "Có hoạt động", None, None)
                    },
                ],
            },
            Section {
                id: "hoat-dong".into(),
                title: "Hoạt động".into(),
                title_en: None,
                scope: Scope::Any,
                fields: vec![
                    Field {
                        ty: FieldType::Records {
                            columns: vec![
                                column("date", "Ngày", FieldType::Date, true),
                                column(
                                    "people",
                                    "Số người",
                                    FieldType::Integer {
                                        min: None,
                                        max: Some(1000),
                                    },
                                    false,
                                ),
                            ],
                            order_by: Some("date".into()),
                        },
                        required: false,
                        aggregate: Some(Aggregate::List),
                        ..int("events", "Sự kiện", None, None)
                    },
                    Field {
                        ty: FieldType::Choice {
                            options: vec![option("1", "Một"), option("2", "Hai")],
                        },
                        required: false,
                        aggregate: None,
                        ..int("kind", "Loại", None, None)
                    },
                ],
            },
        ],
        rules: vec![
            rule(
                "r1",
                "points",
                CompareOp::Le,
                Operand::Field("villages".into()),
                "Không quá số thôn",
                false,
            ),
            rule(
                "r2",
                "villages",
                CompareOp::Lt,
                Operand::Number(500.0),
                "Quá nhiều thôn",
                true,
            ),
        ],
        figures: vec![Figure {
            id: "per_village".into(),
            label: "Điểm mỗi thôn".into(),
            label_en: None,
            kind: FigureKind::Ratio {
                numerator: "points".into(),
                denominator: "villages".into(),
            },
        }],
        report: None,
    }
}

#[test]
fn a_hand_typed_workbook_reads_into_the_template_meant() {
    let mut b = small();
    set(&mut b, "settings", 4, "value", "  Báo cáo thử nghiệm \t");
    let t = read(&xlsx(&b)).expect("reads");
    assert_eq!(t, small_expected());
    // And it goes back out and in again unchanged.
    assert_eq!(read(&write(&t).expect("writes")).expect("reads"), t);
}

/// Sets the cell of `sheet` at spreadsheet row `row` under header `col`.
fn set(book: &mut Book, sheet: &str, row: usize, col: &str, value: &str) {
    let rows = &mut book
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case(sheet))
        .expect("sheet")
        .1;
    let c = rows[0]
        .iter()
        .position(|h| h.eq_ignore_ascii_case(col))
        .expect("column");
    rows[row - 1][c] = value.into();
}

fn error(book: &Book) -> SheetError {
    read(&xlsx(book)).expect_err("an error")
}

#[test]
fn an_unknown_type_is_reported_at_its_row() {
    let mut b = small();
    set(&mut b, "fields", 3, "type", "numbr");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("fields", Some(3)));
    assert_eq!(
        e.to_string(),
        "sheet \"fields\", row 3: unknown type \"numbr\" (integer, decimal, bool or yes_no, \
         date, choice, text, narrative, records)"
    );
}

#[test]
fn a_fraction_in_an_integer_limit_is_refused_but_a_whole_float_is_not() {
    let mut b = small();
    set(&mut b, "fields", 2, "min", "5.0");
    assert!(read(&xlsx(&b)).is_ok());
    set(&mut b, "fields", 2, "min", "5.5");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("fields", Some(2)));
    assert_eq!(e.message, "min: 5.5 is not a whole number");
}

#[test]
fn a_duplicate_field_id_is_reported_at_the_second_row() {
    let mut b = small();
    set(&mut b, "fields", 4, "id", "villages");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("fields", Some(4)), "{e}");
    assert!(e.message.contains("duplicate field id \"villages\""), "{e}");
}

#[test]
fn a_missing_fields_sheet_is_named() {
    let mut b = small();
    b.retain(|(n, _)| n != "fields");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("fields", None));
    assert_eq!(
        e.to_string(),
        "sheet \"fields\": the workbook has no \"fields\" sheet"
    );
    let e = read(b"not a workbook").expect_err("an error");
    assert_eq!((e.sheet.as_str(), e.row), ("", None));
    assert!(e.to_string().starts_with("not an .xlsx workbook"), "{e}");
}

#[test]
fn a_rule_naming_an_unknown_field_is_reported_at_its_row() {
    let mut b = small();
    set(&mut b, "rules", 2, "left", "ponts");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("rules", Some(2)), "{e}");
    assert!(e.message.contains("\"ponts\" is not a number field"), "{e}");
}

#[test]
fn a_missing_column_is_named() {
    let mut b = small();
    set(&mut b, "columns", 1, "type", "kiểu");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("columns", Some(1)));
    assert!(e.message.starts_with("unknown column \"kiểu\""), "{e}");
    set(&mut b, "columns", 1, "kiểu", "");
    let e = error(&b);
    assert_eq!(e.message, "missing column \"type\"");
}

#[test]
fn other_check_failures_point_at_their_rows() {
    let mut b = small();
    set(&mut b, "columns", 3, "id", "date");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("columns", Some(3)), "{e}");
    let mut b = small();
    set(&mut b, "figures", 2, "numerator", "kind");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("figures", Some(2)), "{e}");
    let mut b = small();
    set(&mut b, "fields", 4, "aggregate", "sum");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("fields", Some(4)), "{e}");
}

#[test]
fn report_mistakes_point_at_their_rows() {
    let mut b = small();
    b.extend(book(
        "== report
         key     | value
         issuer  | ỦY BAN NHÂN DÂN
         subject | Báo cáo {per_village.value}
         signer  | {nobody}",
    ));
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("report", Some(4)), "{e}");
    b.last_mut().expect("report").1.pop();
    b.extend(book(
        "== report_body
         kind    | text               | level
         heading | I. CHUNG           |
                 | Có {villages} thôn. |
         heading | 1. Chi tiết        | 7",
    ));
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("report_body", Some(4)), "{e}");
    set(&mut b, "report_body", 4, "level", "2");
    let r = read(&xlsx(&b)).expect("reads").report.expect("a report");
    assert_eq!(r.body.len(), 3);
    assert_eq!(
        r.body[1].text.as_ref().map(|t| t.source()),
        Some("Có {villages} thôn.")
    );
}

#[test]
fn odd_corners_survive_both_ways() {
    let mut t = small_expected();
    t.title_en = Some("Trial".into());
    t.sections.push(Section {
        id: "trong".into(),
        title: "Chưa có trường".into(),
        title_en: None,
        scope: Scope::Parent,
        fields: Vec::new(),
    });
    let f = &mut t.sections[0].fields[1];
    f.ty = FieldType::Decimal {
        min: Some(0.5),
        max: Some(1e6),
    };
    f.aggregate = Some(Aggregate::Average);
    f.renamed_from = vec!["diem".into(), "so_diem".into()];
    f.help = Some("Ghi chú: \"điểm\" {không phải} chỗ giữ".into());
    t.rules[1].right = Operand::Number(-2.25);
    let mut r = ReportText::generic(&t);
    r.national = Vec::new();
    r.missing = " – ".into();
    r.footnotes.push(FootnoteSpec {
        separator: " ".into(),
        prefix: Text::parse("  Ghi chú: ").expect("text"),
        ..serde_json::from_value(serde_json::json!({"id": "n1", "text": "Một {{chú thích}}"}))
            .expect("a footnote")
    });
    t.report = Some(r);
    t.check().expect("valid");
    assert_eq!(read(&write(&t).expect("writes")).expect("reads"), t);
    assert_eq!(
        Template::from_toml(&to_toml(&t).expect("toml")).expect("reads"),
        t
    );
}

#[test]
fn what_the_layout_cannot_hold_is_refused_not_written_wrong() {
    let mut t = small_expected();
    let mut r = ReportText::generic(&t);
    r.national = vec![Text::parse("").expect("text")];
    t.report = Some(r);
    let e = write(&t).expect_err("refused");
    assert!(e.contains("its report would read back differently"), "{e}");
}

#[test]
fn a_choice_list_that_names_no_choice_is_reported() {
    let mut b = small();
    set(&mut b, "choices", 3, "list", "villages");
    let e = error(&b);
    assert_eq!((e.sheet.as_str(), e.row), ("choices", Some(3)), "{e}");
    assert_eq!(
        e.message,
        "list \"villages\" is not a choice field or records column"
    );
}
