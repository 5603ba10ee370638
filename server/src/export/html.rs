//! The report as a print view: one HTML page laid out like the .docx (A4,
//! NĐ 30 margins, Times New Roman), for printing or saving as PDF from any
//! browser. Footnotes are printed after the body, each under its number; the
//! note on values left out of the figures, when there is one, just after the
//! body.

use shared::report_text::{BlockKind, Document, RunKind};
use std::fmt::Write;

const STYLE: &str = r#"
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
* { box-sizing: border-box; }
body { font-family: "Times New Roman", "Liberation Serif", Tinos, serif; font-size: 14pt;
       line-height: 1.3; margin: 0 auto; max-width: 165mm; padding: 8mm 0; color: #000; }
@media print { body { padding: 0; max-width: none; } }
table.cols { width: 100%; border-collapse: collapse; }
table.cols td { vertical-align: top; text-align: center; padding: 0; }
.issuer { width: 40%; font-size: 13pt; font-weight: bold; }
.national { font-size: 13pt; font-weight: bold; }
.motto { font-size: 14pt; font-weight: bold; }
.rule::after { content: ""; display: block; width: 30%; margin: 1pt auto 0; border-top: 1px solid #000; }
.number { font-size: 13pt; font-weight: normal; margin-top: 6pt; white-space: pre-wrap; }
.date { font-style: italic; margin-top: 6pt; white-space: pre-wrap; }
h1 { font-size: 14pt; text-align: center; margin: 18pt 0 0; }
.subject { font-weight: bold; text-align: center; margin: 0 0 12pt; }
.subject::after { content: ""; display: block; width: 30%; margin: 2pt auto 0; border-top: 1px solid #000; }
p.body, h2, h3, h4 { font-size: 14pt; text-align: justify; text-indent: 10mm; margin: 0 0 6pt; }
h2, h3 { font-weight: bold; } h4 { font-weight: bold; font-style: italic; }
sup { font-size: 9pt; }
table.cols td.recipients { text-align: left; }
.recipients { width: 45%; font-size: 11pt; }
.recipients b { font-size: 12pt; font-style: italic; }
.signature { text-align: center !important; font-weight: bold; }
.signer { margin-top: 25mm; }
.notes { margin-top: 12pt; font-size: 12pt; }
.notes::before { content: ""; display: block; width: 40%; border-top: 1px solid #000; margin-bottom: 4pt; }
.notes p { text-align: justify; margin: 0 0 3pt; }
.excluded { font-size: 12pt; font-style: italic; }
.excluded p.body { font-size: 12pt; }
.excluded ul { margin: 0 0 6pt; padding-left: 10mm; }
"#;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the print view.
pub(super) fn write(doc: &Document) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <title>{} {}</title><style>{STYLE}</style></head><body>",
        esc(&doc.kind),
        esc(&doc.subject)
    );
    h.push_str("<table class=\"cols\"><tr><td class=\"issuer\">");
    let last = doc.issuer.len().saturating_sub(1);
    for (i, l) in doc.issuer.iter().enumerate() {
        let class = if i == last { " class=\"rule\"" } else { "" };
        let _ = write!(h, "<div{class}>{}</div>", esc(l));
    }
    let _ = write!(
        h,
        "<div class=\"number\">{}</div></td><td>",
        esc(&doc.number)
    );
    for (i, l) in doc.national.iter().enumerate() {
        let class = if i == 0 { "national" } else { "motto rule" };
        let _ = write!(h, "<div class=\"{class}\">{}</div>", esc(l));
    }
    let _ = write!(
        h,
        "<div class=\"date\">{}</div></td></tr></table>",
        esc(&doc.place_date)
    );
    let _ = write!(
        h,
        "<h1>{}</h1><div class=\"subject\">{}</div>",
        esc(&doc.kind),
        esc(&doc.subject)
    );
    for b in &doc.body {
        let (open, close) = match b.kind {
            BlockKind::Heading { level } => {
                let tag = format!("h{}", level.clamp(1, 3) + 1);
                (format!("<{tag}>"), format!("</{tag}>"))
            }
            BlockKind::Paragraph => ("<p class=\"body\">".into(), "</p>".into()),
            BlockKind::Narrative { ref field } => (
                format!("<p class=\"body\" data-narrative=\"{}\">", esc(field)),
                "</p>".into(),
            ),
        };
        h.push_str(&open);
        for r in &b.runs {
            match &r.kind {
                RunKind::NoteRef { number } => {
                    let _ = write!(h, "<sup>{number}</sup>");
                }
                RunKind::Value { source } => {
                    let _ = write!(
                        h,
                        "<span data-source=\"{}\">{}</span>",
                        esc(source),
                        esc(&r.text)
                    );
                }
                RunKind::Text => h.push_str(&esc(&r.text)),
            }
        }
        h.push_str(&close);
    }
    if let Some(note) = &doc.excluded {
        let _ = write!(
            h,
            "<div class=\"excluded\"><p class=\"body\">{}</p><ul>",
            esc(&note.title)
        );
        for i in &note.items {
            let _ = write!(h, "<li>{}</li>", esc(i));
        }
        h.push_str("</ul></div>");
    }
    h.push_str("<table class=\"cols closing\"><tr><td class=\"recipients\">");
    let _ = write!(h, "<b>{}</b>", esc(&doc.recipients_title));
    for r in &doc.recipients {
        let _ = write!(h, "<div>{}</div>", esc(r));
    }
    h.push_str("</td><td class=\"signature\">");
    for l in &doc.signature {
        let _ = write!(h, "<div>{}</div>", esc(l));
    }
    let _ = write!(
        h,
        "<div class=\"signer\">{}</div></td></tr></table>",
        esc(&doc.signer)
    );
    if !doc.footnotes.is_empty() {
        h.push_str("<div class=\"notes\">");
        for f in &doc.footnotes {
            let _ = write!(h, "<p><sup>{}</sup> {}</p>", f.number, esc(&f.text));
        }
        h.push_str("</div>");
    }
    h.push_str("</body></html>");
    h
}
