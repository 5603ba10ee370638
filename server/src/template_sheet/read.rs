//! Reading a workbook into a [`Template`]: the sheets become tables of named
//! cells (header row first), each row turns into the item it describes, and
//! every error carries the row the user sees. The report sheets are read by
//! [`super::report`].

use super::cells::{Book, Origins, Row, Table, key_values, normal};
use super::{CHOICES, COLUMNS, FIELDS, FIGURES, RULES, SETTINGS, SheetError, TYPES};
use shared::template::{
    ChoiceOption, Column, CompareOp, Field, FieldType, Figure, FigureKind, Filter, Operand, Rule,
    Scope, Section, Template,
};
use std::collections::HashMap;

/// Reads a template from the bytes of an .xlsx workbook and checks it.
pub fn read(bytes: &[u8]) -> Result<Template, SheetError> {
    let mut book = Book::open(bytes)?;
    let mut at = Origins::default();
    let missing = |s: &str| SheetError::new(s, None, format!("the workbook has no {s:?} sheet"));
    let settings = book.table(&SETTINGS)?.ok_or_else(|| missing("settings"))?;
    let fields = book.table(&FIELDS)?.ok_or_else(|| missing("fields"))?;
    let mut choices = Lists::new(book.table(&CHOICES)?.as_ref(), &mut at, choice)?;
    let mut columns = Lists::new(book.table(&COLUMNS)?.as_ref(), &mut at, |row| {
        column(row, &mut choices)
    })?;
    let sections = sections(&fields, &mut choices, &mut columns, &mut at)?;
    choices.all_used("list", "a choice field or records column")?;
    columns.all_used("field", "a records field")?;
    let rules = match book.table(&RULES)? {
        Some(t) => t
            .rows
            .iter()
            .map(|r| rule(r, &mut at))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let figures = match book.table(&FIGURES)? {
        Some(t) => t
            .rows
            .iter()
            .map(|r| figure(r, &mut at))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let report = super::report::read(&mut book, &mut at)?;
    let t = template(&settings, sections, rules, figures, report, &mut at)?;
    t.check().map_err(|e| at.locate(&e))?;
    Ok(t)
}

const SETTING_KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "title_en",
    "filled_by",
    "period",
    "deadline_days",
];

fn template(
    settings: &Table,
    sections: Vec<Section>,
    rules: Vec<Rule>,
    figures: Vec<Figure>,
    report: Option<shared::report_text::ReportText>,
    at: &mut Origins,
) -> Result<Template, SheetError> {
    let kv = key_values(settings, SETTING_KEYS, &[])?;
    for (key, row) in &kv.rows {
        at.add("settings", key, row.number);
    }
    let need = |key: &str| kv.need(key);
    Ok(Template {
        id: need("id")?.need("id")?,
        version: need("version")?.int("version")?.unwrap_or_default(),
        title: need("title")?.need("title")?,
        title_en: kv.text("title_en")?,
        filled_by: need("filled_by")?.need("filled_by")?,
        period: {
            let row = need("period")?;
            row.name("period")?
                .ok_or_else(|| row.err("period: missing"))?
        },
        deadline_days: match kv.get("deadline_days") {
            Some(r) => r.int("deadline_days")?.unwrap_or(0),
            None => 0,
        },
        sections,
        rules,
        figures,
        report,
    })
}

/// Rows of a side sheet (`choices`, `columns`) grouped by the item they
/// belong to, taken as the fields are read; what is left over names nothing.
struct Lists<T> {
    sheet: &'static str,
    items: HashMap<String, (u32, Vec<T>)>,
}

impl<T> Lists<T> {
    fn new(
        table: Option<&Table>,
        at: &mut Origins,
        mut item: impl FnMut(&Row) -> Result<(String, String, T), SheetError>,
    ) -> Result<Lists<T>, SheetError> {
        let mut items: HashMap<String, (u32, Vec<T>)> = HashMap::new();
        let sheet = table.map_or("", |t| t.sheet);
        for row in table.iter().flat_map(|t| &t.rows) {
            let (key, id, x) = item(row)?;
            at.add(sheet, &format!("{key}.{id}"), row.number);
            items
                .entry(key)
                .or_insert((row.number, Vec::new()))
                .1
                .push(x);
        }
        Ok(Lists { sheet, items })
    }

    fn take(&mut self, key: &str) -> Option<Vec<T>> {
        self.items.remove(key).map(|(_, v)| v)
    }

    fn all_used(&self, col: &str, what: &str) -> Result<(), SheetError> {
        match self.items.iter().min_by_key(|(_, (row, _))| *row) {
            Some((key, (row, _))) => Err(SheetError::new(
                self.sheet,
                Some(*row),
                format!("{col} {key:?} is not {what}"),
            )),
            None => Ok(()),
        }
    }
}

fn choice(row: &Row) -> Result<(String, String, ChoiceOption), SheetError> {
    let value = row.need("value")?;
    Ok((
        row.need("list")?,
        value.clone(),
        ChoiceOption {
            value,
            label: row.need("label")?,
            label_en: row.text("label_en")?,
        },
    ))
}

fn column(
    row: &Row,
    choices: &mut Lists<ChoiceOption>,
) -> Result<(String, String, Column), SheetError> {
    let field = row.need("field")?;
    let id = row.need("id")?;
    let ty = field_type(row, &format!("{field}.{id}"), choices, None)?;
    let column = Column {
        id: id.clone(),
        label: row.need("label")?,
        label_en: row.text("label_en")?,
        ty,
        required: row.flag("required")?,
    };
    Ok((field, id, column))
}

/// Reads the `fields` sheet into sections.
fn sections(
    table: &Table,
    choices: &mut Lists<ChoiceOption>,
    columns: &mut Lists<Column>,
    at: &mut Origins,
) -> Result<Vec<Section>, SheetError> {
    let mut out: Vec<Section> = Vec::new();
    for row in &table.rows {
        let id = match (row.text("section")?, out.last()) {
            (Some(id), _) => id,
            (None, Some(s)) => s.id.clone(),
            (None, None) => return Err(row.err("section: give the first row's section id")),
        };
        if out.last().is_none_or(|s| s.id != id) {
            if out.iter().any(|s| s.id == id) {
                return Err(row.err(format!(
                    "section {id:?} appears again after other sections; keep its rows together"
                )));
            }
            out.push(Section {
                id,
                title: row.need("section_title")?,
                title_en: row.text("section_title_en")?,
                scope: row.name("section_scope")?.unwrap_or_default(),
                fields: Vec::new(),
            });
        } else {
            let s = out.last().expect("a section");
            let differs = |col: &str, v: Option<String>, was: Option<String>| match v {
                Some(v) if Some(&v) != was.as_ref() => Err(row.err(format!(
                    "{col} differs from the first row of section {:?}",
                    s.id
                ))),
                _ => Ok(()),
            };
            differs(
                "section_title",
                row.text("section_title")?,
                Some(s.title.clone()),
            )?;
            differs(
                "section_title_en",
                row.text("section_title_en")?,
                s.title_en.clone(),
            )?;
            let scope: Scope = row.name("section_scope")?.unwrap_or_default();
            if row.has("section_scope") && scope != s.scope {
                return Err(row.err(format!(
                    "section_scope differs from the first row of section {:?}",
                    s.id
                )));
            }
        }
        let Some(id) = row.text("id")? else {
            let given = FIELDS.columns[4..].iter().find(|c| row.has(c));
            if let Some(c) = given {
                return Err(row.err(format!("id: missing (the row gives {c})")));
            }
            continue;
        };
        at.add("fields", &id, row.number);
        let field = Field {
            label: row.need("label")?,
            label_en: row.text("label_en")?,
            help: row.text("help")?,
            ty: field_type(row, &id, choices, Some(columns))?,
            required: row.flag("required")?,
            aggregate: row.name("aggregate")?,
            renamed_from: row.list("renamed_from")?,
            id,
        };
        out.last_mut().expect("a section").fields.push(field);
    }
    Ok(out)
}

/// The type named in the row's `type` column, with its settings; `columns`
/// is `None` for a records column, which must be a single value.
fn field_type(
    row: &Row,
    key: &str,
    choices: &mut Lists<ChoiceOption>,
    columns: Option<&mut Lists<Column>>,
) -> Result<FieldType, SheetError> {
    let name = row.need("type")?;
    let n = normal(&name);
    let Some(&(kind, _)) = TYPES
        .iter()
        .find(|(t, other)| *t == n || other.contains(&n.as_str()))
    else {
        let names: Vec<String> = TYPES
            .iter()
            .map(|(t, o)| match o.first() {
                Some(o) if *t == "bool" => format!("{t} or {o}"),
                _ => t.to_string(),
            })
            .collect();
        return Err(row.err(format!("unknown type {name:?} ({})", names.join(", "))));
    };
    let applies: &[&str] = match kind {
        "integer" | "decimal" => &["min", "max"],
        "text" => &["max_len"],
        "records" => &["order_by"],
        _ => &[],
    };
    for col in ["min", "max", "max_len", "order_by"] {
        if row.has(col) && !applies.contains(&col) {
            return Err(row.err(format!("{col} does not apply to type {kind}")));
        }
    }
    Ok(match kind {
        "integer" => FieldType::Integer {
            min: row.int("min")?,
            max: row.int("max")?,
        },
        "decimal" => FieldType::Decimal {
            min: row.float("min")?,
            max: row.float("max")?,
        },
        "bool" => FieldType::Bool,
        "date" => FieldType::Date,
        "text" => FieldType::Text {
            max_len: row.int("max_len")?,
        },
        "choice" => FieldType::Choice {
            options: choices.take(key).ok_or_else(|| {
                row.err(format!(
                    "choice {key:?} has no options: add rows with list {key} to the choices sheet"
                ))
            })?,
        },
        "narrative" | "records" if columns.is_none() => {
            return Err(row.err(format!(
                "a column holds one value: type {kind} does not fit"
            )));
        }
        "narrative" => FieldType::Narrative,
        _ => FieldType::Records {
            columns: columns.and_then(|c| c.take(key)).ok_or_else(|| {
                row.err(format!(
                    "records {key:?} has no columns: add rows with field {key} to the columns sheet"
                ))
            })?,
            order_by: row.text("order_by")?,
        },
    })
}

fn rule(row: &Row, at: &mut Origins) -> Result<Rule, SheetError> {
    let id = row.need("id")?;
    at.add("rules", &id, row.number);
    let op = row.need("op")?;
    let op = match op.as_str() {
        "<" => CompareOp::Lt,
        "<=" | "=<" | "≤" => CompareOp::Le,
        ">" => CompareOp::Gt,
        ">=" | "=>" | "≥" => CompareOp::Ge,
        "==" | "=" => CompareOp::Eq,
        "!=" | "<>" | "≠" => CompareOp::Ne,
        _ => {
            return Err(row.err(format!(
                "op: unknown comparison {op:?} (<, <=, >, >=, ==, !=)"
            )));
        }
    };
    let right = match row.number("right")? {
        Some(n) => Operand::Number(n),
        None => Operand::Field(row.need("right")?),
    };
    Ok(Rule {
        id,
        left: row.need("left")?,
        op,
        right,
        message: row.need("message")?,
        message_en: row.text("message_en")?,
        warning: row.flag("warning")?,
    })
}

const FIGURE_KINDS: &[(&str, &[&str])] = &[
    ("sum", &["field"]),
    ("count_yes", &["field"]),
    ("count_nonzero", &["field"]),
    ("average", &["field"]),
    ("ratio", &["numerator", "denominator"]),
    ("units", &[]),
    ("units_with_records", &["field", "filter"]),
    ("records_sum_by", &["field", "group_by", "sum", "filter"]),
    ("records_list", &["field", "filter", "from"]),
];

fn figure(row: &Row, at: &mut Origins) -> Result<Figure, SheetError> {
    let id = row.need("id")?;
    at.add("figures", &id, row.number);
    let name = row.need("kind")?;
    let n = normal(&name);
    let Some(&(kind, uses)) = FIGURE_KINDS.iter().find(|(k, _)| *k == n) else {
        let kinds: Vec<&str> = FIGURE_KINDS.iter().map(|(k, _)| *k).collect();
        return Err(row.err(format!(
            "kind: unknown figure kind {name:?} ({})",
            kinds.join(", ")
        )));
    };
    let cols = FIGURES.columns[4..].iter();
    for col in cols.filter(|c| row.has(c)) {
        let part = col.strip_prefix("filter_").map_or(*col, |_| "filter");
        if !uses.contains(&part) {
            return Err(row.err(format!("{col} does not apply to kind {kind}")));
        }
    }
    let field = || row.need("field");
    let filter = || match (row.text("filter_column")?, row.text("filter_equals")?) {
        (Some(column), Some(equals)) => Ok(Some(Filter { column, equals })),
        (None, None) => Ok(None),
        _ => Err(row.err("give both filter_column and filter_equals, or neither")),
    };
    let kind = match kind {
        "sum" => FigureKind::Sum { field: field()? },
        "count_yes" => FigureKind::CountYes { field: field()? },
        "count_nonzero" => FigureKind::CountNonzero { field: field()? },
        "average" => FigureKind::Average { field: field()? },
        "ratio" => FigureKind::Ratio {
            numerator: row.need("numerator")?,
            denominator: row.need("denominator")?,
        },
        "units" => FigureKind::Units,
        "units_with_records" => FigureKind::UnitsWithRecords {
            field: field()?,
            filter: filter()?,
        },
        "records_sum_by" => FigureKind::RecordsSumBy {
            field: field()?,
            group_by: row.need("group_by")?,
            sum: row.list("sum")?,
            filter: filter()?,
        },
        _ => FigureKind::RecordsList {
            field: field()?,
            filter: filter()?,
            from: row.name("from")?,
        },
    };
    Ok(Figure {
        id,
        label: row.need("label")?,
        label_en: row.text("label_en")?,
        kind,
    })
}
