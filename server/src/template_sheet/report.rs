//! The consolidated report's wording ([`ReportText`]) on three sheets: the
//! document's parts as `key | value` rows (`report`), the body one item per
//! row in reading order (`report_body`), the footnotes one per row
//! (`report_footnotes`). Wording is taken exactly as typed, spaces and all,
//! since a footnote prefix or separator may end in a space. A key that is not
//! given keeps the default the TOML would give.

use super::cells::{Book, Origins, Row, Table, key_values, normal};
use super::write::{Line, serde_name, sheet};
use super::{REPORT, REPORT_BODY, REPORT_FOOTNOTES, SheetError};
use rust_xlsxwriter::{Workbook, XlsxError};
use shared::report_text::{BodyItem, FootnoteSpec, ReportText, Text};

/// Keys given once, in the order written.
const SCALARS: &[&str] = &[
    "kind",
    "number",
    "place",
    "date_field",
    "subject",
    "min_digits",
    "dates",
    "missing",
    "recipients_title",
    "signer",
];

/// Keys given once per line.
const LISTS: &[&str] = &["issuer", "national", "recipients", "signature"];

fn text_of<'r>(r: &'r mut ReportText, key: &str) -> Option<&'r mut Text> {
    Some(match key {
        "kind" => &mut r.kind,
        "number" => &mut r.number,
        "place" => &mut r.place,
        "subject" => &mut r.subject,
        "recipients_title" => &mut r.recipients_title,
        "signer" => &mut r.signer,
        _ => return None,
    })
}

fn list_of<'r>(r: &'r mut ReportText, key: &str) -> &'r mut Vec<Text> {
    match key {
        "issuer" => &mut r.issuer,
        "national" => &mut r.national,
        "recipients" => &mut r.recipients,
        _ => &mut r.signature,
    }
}

/// Report wording in a cell, parsed, noted in `at` for the check's errors.
fn wording(
    row: &Row,
    col: &str,
    sheet: &'static str,
    at: &mut Origins,
) -> Result<Option<Text>, SheetError> {
    let Some(s) = row.raw(col)? else {
        return Ok(None);
    };
    at.add_text(sheet, &s, row.number);
    Text::parse(&s)
        .map(Some)
        .map_err(|e| row.err(format!("{col}: {e}")))
}

/// Reads the report sheets; `None` when none of them has a row.
pub(super) fn read(book: &mut Book, at: &mut Origins) -> Result<Option<ReportText>, SheetError> {
    let head = book.table(&REPORT)?;
    let body = book.table(&REPORT_BODY)?;
    let notes = book.table(&REPORT_FOOTNOTES)?;
    let rows = |t: &Option<Table>| t.as_ref().map_or(0, |t| t.rows.len());
    if rows(&head) + rows(&body) + rows(&notes) == 0 {
        return Ok(None);
    }
    let head = head.filter(|t| !t.rows.is_empty()).ok_or_else(|| {
        SheetError::new(
            "report",
            None,
            "the report needs this sheet, with its subject",
        )
    })?;
    let kv = key_values(&head, SCALARS, LISTS)?;
    let mut r: ReportText = serde_json::from_value(serde_json::json!({
        "issuer": [],
        "subject": "",
    }))
    .expect("the report's defaults");
    kv.need("subject")?;
    for (key, row) in &kv.rows {
        at.add("report", key, row.number);
        if LISTS.contains(key) {
            continue;
        }
        match *key {
            "date_field" => r.date_field = row.text(key)?,
            "min_digits" => {
                if let Some(n) = row.int(key)? {
                    r.numbers.min_digits = n;
                }
            }
            "dates" => r.dates = row.name(key)?.unwrap_or_default(),
            "missing" => {
                if let Some(m) = row.raw(key)? {
                    r.missing = m;
                }
            }
            _ => {
                if let Some(t) = wording(row, key, "report", at)? {
                    *text_of(&mut r, key).expect("a text key") = t;
                }
            }
        }
    }
    for key in LISTS {
        if kv.get(key).is_none() {
            continue;
        }
        let mut lines = Vec::new();
        for row in kv.all(key) {
            lines.extend(wording(row, key, "report", at)?);
        }
        *list_of(&mut r, key) = lines;
    }
    for (i, row) in body.iter().flat_map(|t| &t.rows).enumerate() {
        at.add("report_body", &format!("#{}", i + 1), row.number);
        r.body.push(body_item(row, at)?);
    }
    for row in notes.iter().flat_map(|t| &t.rows) {
        r.footnotes.push(footnote(row, at)?);
    }
    Ok(Some(r))
}

const BODY_KINDS: &str = "heading, text, each, narrative";

fn body_item(row: &Row, at: &mut Origins) -> Result<BodyItem, SheetError> {
    let kind = row.text("kind")?.map_or("text".to_string(), |k| normal(&k));
    let not = |cols: &[&str]| match cols.iter().find(|c| row.has(c)) {
        Some(c) => Err(row.err(format!("{c} does not apply to a {kind} row"))),
        None => Ok(()),
    };
    let need = |t: Option<Text>, col: &str| t.ok_or_else(|| row.err(format!("{col}: missing")));
    let text = wording(row, "text", "report_body", at)?;
    let empty = wording(row, "empty", "report_body", at)?;
    Ok(match kind.as_str() {
        "heading" => {
            not(&["source", "empty"])?;
            BodyItem {
                heading: Some(need(text, "text")?),
                level: row.int("level")?,
                ..Default::default()
            }
        }
        "text" => {
            not(&["level", "source", "empty"])?;
            BodyItem {
                text: Some(need(text, "text")?),
                ..Default::default()
            }
        }
        "each" => {
            not(&["level"])?;
            BodyItem {
                text: Some(need(text, "text")?),
                each: Some(row.need("source")?),
                empty,
                ..Default::default()
            }
        }
        "narrative" => {
            not(&["level", "text"])?;
            BodyItem {
                narrative: Some(row.need("source")?),
                empty,
                ..Default::default()
            }
        }
        _ => {
            return Err(row.err(format!("kind: unknown body item {kind:?} ({BODY_KINDS})")));
        }
    })
}

fn footnote(row: &Row, at: &mut Origins) -> Result<FootnoteSpec, SheetError> {
    let id = row.need("id")?;
    at.add("report_footnotes", &id, row.number);
    let mut f: FootnoteSpec =
        serde_json::from_value(serde_json::json!({ "id": id })).expect("a footnote's defaults");
    let sheet = "report_footnotes";
    f.text = wording(row, "text", sheet, at)?;
    f.list = row.text("list")?;
    f.item = wording(row, "item", sheet, at)?;
    if let Some(p) = wording(row, "prefix", sheet, at)? {
        f.prefix = p;
    }
    if let Some(s) = wording(row, "suffix", sheet, at)? {
        f.suffix = s;
    }
    if let Some(s) = row.raw("separator")? {
        f.separator = s;
    }
    Ok(f)
}

/// Writes the report sheets (with their headers only when there is no
/// report, as a place to start one).
pub(super) fn write(wb: &mut Workbook, r: Option<&ReportText>) -> Result<(), XlsxError> {
    let mut head = Vec::new();
    let mut body = Vec::new();
    let mut notes = Vec::new();
    if let Some(r) = r {
        let kv = |k: &str, v: &str| Line::default().text("key", k).text("value", v);
        // An empty list still names its key, so that it reads back empty
        // rather than as the default.
        let list = |head: &mut Vec<Line>, key: &str, lines: &[Text]| {
            if lines.is_empty() {
                head.push(kv(key, ""));
            }
            head.extend(lines.iter().map(|t| kv(key, t.source())));
        };
        head.push(kv("kind", r.kind.source()));
        list(&mut head, "issuer", &r.issuer);
        head.push(kv("number", r.number.source()));
        list(&mut head, "national", &r.national);
        head.push(kv("place", r.place.source()));
        if let Some(d) = &r.date_field {
            head.push(kv("date_field", d));
        }
        head.push(kv("subject", r.subject.source()));
        let n = f64::from(r.numbers.min_digits);
        head.push(Line::default().text("key", "min_digits").num("value", n));
        head.push(kv("dates", &serde_name(&r.dates)));
        head.push(kv("missing", &r.missing));
        head.push(kv("recipients_title", r.recipients_title.source()));
        list(&mut head, "recipients", &r.recipients);
        list(&mut head, "signature", &r.signature);
        head.push(kv("signer", r.signer.source()));
        body = r.body.iter().map(body_line).collect();
        notes = r.footnotes.iter().map(footnote_line).collect();
    }
    sheet(wb, &REPORT, &head)?;
    sheet(wb, &REPORT_BODY, &body)?;
    sheet(wb, &REPORT_FOOTNOTES, &notes)
}

fn body_line(b: &BodyItem) -> Line {
    let src = |t: &Option<Text>| t.as_ref().map(|t| t.source().to_string());
    let (kind, text, source) = if b.heading.is_some() {
        ("heading", src(&b.heading), None)
    } else if let Some(list) = &b.each {
        ("each", src(&b.text), Some(list.as_str()))
    } else if let Some(n) = &b.narrative {
        ("narrative", None, Some(n.as_str()))
    } else {
        ("text", src(&b.text), None)
    };
    let line = Line::default()
        .text("kind", kind)
        .opt("text", text.as_deref())
        .opt("source", source)
        .opt("empty", src(&b.empty).as_deref());
    match b.level {
        Some(l) => line.num("level", f64::from(l)),
        None => line,
    }
}

fn footnote_line(f: &FootnoteSpec) -> Line {
    let src = |t: &Option<Text>| t.as_ref().map(|t| t.source().to_string());
    Line::default()
        .text("id", &f.id)
        .opt("text", src(&f.text).as_deref())
        .opt("list", f.list.as_deref())
        .text("prefix", f.prefix.source())
        .opt("item", src(&f.item).as_deref())
        .text("separator", &f.separator)
        .text("suffix", f.suffix.source())
}
