//! The report as a Word document in the layout of Nghị định 30/2020/NĐ-CP,
//! Phụ lục I: A4 portrait, margins top and bottom 20 mm, left 30 mm, right
//! 15 mm; Times New Roman 14 pt (header 13 pt); the two-column header (issuing
//! body and number on the left, national title, motto and the italic place and
//! date on the right); the kind and subject centred in bold; a justified body
//! with real footnotes; the recipients block and the signature block side by
//! side. A note on values left out of the figures, when there is one, comes
//! between the body and the recipients.

use super::ExportError;
use docx_rs::{
    AlignmentType, BorderType, Docx, Footnote, LineSpacing, PageMargin, Paragraph, ParagraphBorder,
    ParagraphBorderPosition, Run, RunFonts, SpecialIndentType, Style, StyleType, Table, TableCell,
    TableLayoutType, TableRow, VAlignType, VertAlignType, WidthType,
};
use shared::report_text::{Block, BlockKind, Document, RunKind};

/// Millimetres in twentieths of a point.
const fn mm(v: i32) -> i32 {
    v * 1440 * 10 / 254
}

const PAGE_W: i32 = 11_906; // A4, 210 mm
const PAGE_H: i32 = 16_838; // A4, 297 mm
const LEFT: i32 = mm(30);
const RIGHT: i32 = mm(15);
const TOP: i32 = mm(20);
const BOTTOM: i32 = mm(20);
const TEXT_W: i32 = PAGE_W - LEFT - RIGHT;
/// Sizes are in half-points.
const BODY: usize = 28;
const HEADER: usize = 26;
const SMALL: usize = 24;
const RECIPIENTS: usize = 22;
const FONT: &str = "Times New Roman";

/// Writes the .docx.
pub(super) fn write(doc: &Document) -> Result<Vec<u8>, ExportError> {
    let mut footnote_ref = Style::new("FootnoteReference", StyleType::Character)
        .name("footnote reference")
        .size(BODY);
    footnote_ref.run_property = footnote_ref
        .run_property
        .vert_align(VertAlignType::SuperScript);
    let mut d = Docx::new()
        .page_size(PAGE_W as u32, PAGE_H as u32)
        .page_margin(PageMargin {
            top: TOP,
            left: LEFT,
            bottom: BOTTOM,
            right: RIGHT,
            header: mm(10),
            footer: mm(10),
            gutter: 0,
        })
        .default_fonts(
            RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(FONT),
        )
        .default_size(BODY)
        .add_style(footnote_ref)
        .add_table(header(doc))
        .add_paragraph(centred(&doc.kind, BODY, true).line_spacing(spacing(240, 0)))
        .add_paragraph(centred(&doc.subject, BODY, true))
        .add_paragraph(rule(TEXT_W / 4, TEXT_W))
        .add_paragraph(Paragraph::new().line_spacing(spacing(0, 120)));
    let notes: Vec<(u32, String)> = doc
        .footnotes
        .iter()
        .map(|f| (f.number, f.text.clone()))
        .collect();
    for b in &doc.body {
        d = d.add_paragraph(block(b, &notes));
    }
    if let Some(note) = &doc.excluded {
        d = d.add_paragraph(note_line(&note.title));
        for i in &note.items {
            d = d.add_paragraph(note_line(&format!("- {i}")));
        }
    }
    d = d.add_table(closing(doc));
    let mut out = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut out)
        .map_err(|e| ExportError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().before(before).after(after)
}

fn text_run(text: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size)
}

fn centred(text: &str, size: usize, bold: bool) -> Paragraph {
    let r = text_run(text, size);
    Paragraph::new()
        .add_run(if bold { r.bold() } else { r })
        .align(AlignmentType::Center)
        .line_spacing(spacing(0, 0))
}

/// A short centred rule, as NĐ 30 draws under the issuing body, the motto
/// and the subject: an empty paragraph with a bottom border, narrowed by
/// indents to `width`.
fn rule(width: i32, column: i32) -> Paragraph {
    let side = (column - width).max(0) / 2;
    let mut p = Paragraph::new()
        .add_run(Run::new().size(2))
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(0)
                .line(40)
                .line_rule(docx_rs::LineSpacingType::Exact),
        )
        .indent(Some(side), None, Some(side), None);
    p.property = p.property.set_border(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(6)
            .space(0),
    );
    p
}

fn cell(width: i32, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new(), TableCell::add_paragraph)
        .width(width as usize, WidthType::Dxa)
        .vertical_align(VAlignType::Top)
}

fn borderless(widths: [i32; 2], cells: Vec<TableCell>) -> Table {
    Table::without_borders(vec![TableRow::new(cells)])
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .layout(TableLayoutType::Fixed)
        .width(TEXT_W as usize, WidthType::Dxa)
        // Pull the table to the margins: the header spans the text width.
        .indent(0)
}

/// The two-column header.
fn header(doc: &Document) -> Table {
    let left_w = TEXT_W * 7 / 20;
    let right_w = TEXT_W - left_w;
    let mut left: Vec<Paragraph> = doc
        .issuer
        .iter()
        .map(|l| centred(l, HEADER, true))
        .collect();
    left.push(rule(left_w / 3, left_w));
    left.push(centred(&doc.number, HEADER, false).line_spacing(spacing(120, 0)));
    let mut right: Vec<Paragraph> = Vec::new();
    for (i, l) in doc.national.iter().enumerate() {
        let size = if i == 0 { HEADER } else { BODY };
        right.push(centred(l, size, true));
    }
    right.push(rule(right_w * 3 / 5, right_w));
    right.push(
        Paragraph::new()
            .add_run(text_run(&doc.place_date, BODY).italic())
            .align(AlignmentType::Center)
            .line_spacing(spacing(120, 0)),
    );
    borderless(
        [left_w, right_w],
        vec![cell(left_w, left), cell(right_w, right)],
    )
}

fn block(b: &Block, notes: &[(u32, String)]) -> Paragraph {
    let (bold, italic) = match b.kind {
        BlockKind::Heading { level: 1 | 2 } => (true, false),
        BlockKind::Heading { .. } => (true, true),
        BlockKind::Paragraph | BlockKind::Narrative { .. } => (false, false),
    };
    let mut p = Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(mm(10))), None, None)
        .line_spacing(spacing(0, 120).line(288));
    for r in &b.runs {
        match &r.kind {
            RunKind::NoteRef { number } => {
                let text = notes
                    .iter()
                    .find(|(n, _)| n == number)
                    .map(|(_, t)| t.as_str())
                    .unwrap_or_default();
                p = p.add_run(Run::new().add_footnote_reference(footnote(*number, text)));
            }
            _ => {
                let mut run = text_run(&r.text, BODY);
                if bold {
                    run = run.bold();
                }
                if italic {
                    run = run.italic();
                }
                p = p.add_run(run);
            }
        }
    }
    p
}

/// A line of the note on values left out of the figures: smaller and
/// italic, so it reads as a note, not as the report's text.
fn note_line(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(text_run(text, SMALL).italic())
        .align(AlignmentType::Both)
        .line_spacing(spacing(0, 60))
}

/// A footnote whose number is written in its own text: docx-rs has no
/// automatic footnote-number mark, and this keeps the number visible in
/// every reader.
fn footnote(number: u32, text: &str) -> Footnote {
    Footnote {
        id: number as usize,
        content: vec![
            Paragraph::new()
                .align(AlignmentType::Both)
                .add_run(superscript(text_run(&number.to_string(), SMALL)))
                .add_run(text_run(&format!(" {text}"), SMALL)),
        ],
    }
}

fn superscript(mut r: Run) -> Run {
    r.run_property = r.run_property.vert_align(VertAlignType::SuperScript);
    r
}

/// "Nơi nhận:" on the left, the signature block on the right.
fn closing(doc: &Document) -> Table {
    let left_w = TEXT_W * 9 / 20;
    let right_w = TEXT_W - left_w;
    let mut left = vec![
        Paragraph::new()
            .add_run(text_run(&doc.recipients_title, SMALL).bold().italic())
            .line_spacing(spacing(240, 0)),
    ];
    left.extend(doc.recipients.iter().map(|r| {
        Paragraph::new()
            .add_run(text_run(r, RECIPIENTS))
            .line_spacing(spacing(0, 0))
    }));
    let mut right: Vec<Paragraph> = doc
        .signature
        .iter()
        .map(|l| centred(l, BODY, true))
        .collect();
    if let Some(first) = right.first_mut() {
        *first = std::mem::take(first).line_spacing(spacing(240, 0));
    }
    // Room for the signature and the seal, then the name.
    right.push(centred(&doc.signer, BODY, true).line_spacing(spacing(mm(25) as u32, 0)));
    borderless(
        [left_w, right_w],
        vec![cell(left_w, left), cell(right_w, right)],
    )
}
