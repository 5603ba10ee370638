//! The rendered report: a structured document that every exporter (.docx,
//! print view, plain text) lays out its own way, so the wording and the
//! figures are decided once, here, and are identical in every format.

use serde::{Deserialize, Serialize};

/// A rendered administrative document (Nghị định 30/2020 layout).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Issuing body, top left, one entry per line ("ỦY BAN NHÂN DÂN", "HUYỆN BA TƠ").
    pub issuer: Vec<String>,
    /// Document number line under the issuer ("Số:      /BC-UBND").
    pub number: String,
    /// National title and motto, top right.
    pub national: Vec<String>,
    /// Italic place-and-date line ("Ba Tơ, ngày      tháng 7 năm 2024").
    pub place_date: String,
    /// Kind of document ("BÁO CÁO").
    pub kind: String,
    /// Subject (trích yếu), under the kind.
    pub subject: String,
    /// The body, in order.
    pub body: Vec<Block>,
    /// Footnotes, numbered from 1 in order of first reference.
    pub footnotes: Vec<Footnote>,
    /// Title of the recipients block ("Nơi nhận:").
    pub recipients_title: String,
    /// Recipients, one per line.
    pub recipients: Vec<String>,
    /// Signature block lines ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH").
    pub signature: Vec<String>,
    /// Name of the signer (may be empty until the district fills it in).
    pub signer: String,
    /// The values the figures leave out (outside their field's limits), said
    /// after the body; `None` when every value counts, and then the document
    /// is exactly what it was before such notes existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<ExcludedNote>,
}

/// The note listing the values a consolidation did not count
/// ([`crate::report::limits`]): a reader of the figures learns that a
/// commune's figure is missing from them, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExcludedNote {
    /// Its first line ("Ghi chú: …").
    pub title: String,
    /// One sentence per value ("Xã Ba Điền: Số thôn, tổ dân phố = −5.000,
    /// ngoài 0–200, không tính").
    pub items: Vec<String>,
}

/// A heading or a paragraph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// What it is.
    pub kind: BlockKind,
    /// Its text, in runs.
    pub runs: Vec<Run>,
}

/// What a block is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockKind {
    /// A heading: 1 ("I. …"), 2 ("1. …"), 3 ("a) …").
    Heading {
        /// Level, 1 to 3.
        level: u8,
    },
    /// A paragraph of the template's text.
    Paragraph,
    /// A paragraph written by people in the consolidating unit's report.
    Narrative {
        /// The narrative field.
        field: String,
    },
}

/// A stretch of text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The text ("" for a footnote reference).
    pub text: String,
    /// Where it comes from.
    pub kind: RunKind,
}

/// Where a run's text comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunKind {
    /// The template's wording.
    Text,
    /// A filled-in value: a figure, a field or an org-unit name.
    Value {
        /// The placeholder's first path segment (figure or field id, `unit`, …).
        source: String,
    },
    /// A reference to a footnote.
    NoteRef {
        /// The footnote's number.
        number: u32,
    },
}

/// A footnote.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Footnote {
    /// Its number, from 1.
    pub number: u32,
    /// Its id in the template.
    pub id: String,
    /// Its text.
    pub text: String,
}

impl Block {
    /// The block's text, footnote references as superscript digits.
    pub fn text(&self) -> String {
        self.runs
            .iter()
            .map(|r| match r.kind {
                RunKind::NoteRef { number } => superscript(number),
                _ => r.text.clone(),
            })
            .collect()
    }
}

/// `12` → `"¹²"`.
pub fn superscript(n: u32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string()
        .bytes()
        .map(|b| DIGITS[usize::from(b - b'0')])
        .collect()
}

impl Document {
    /// The whole document as plain text, in reading order: header, body,
    /// recipients, signature, then the footnotes. What tests and full-text
    /// search read.
    pub fn plain_text(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        out.extend(self.issuer.iter().cloned());
        out.push(self.number.clone());
        out.extend(self.national.iter().cloned());
        out.push(self.place_date.clone());
        out.push(String::new());
        out.push(self.kind.clone());
        out.push(self.subject.clone());
        out.push(String::new());
        for b in &self.body {
            out.push(b.text());
        }
        if let Some(note) = &self.excluded {
            out.push(String::new());
            out.push(note.title.clone());
            out.extend(note.items.iter().map(|i| format!("- {i}")));
        }
        out.push(String::new());
        out.push(self.recipients_title.clone());
        out.extend(self.recipients.iter().cloned());
        out.push(String::new());
        out.extend(self.signature.iter().cloned());
        out.push(self.signer.clone());
        if !self.footnotes.is_empty() {
            out.push(String::new());
            for f in &self.footnotes {
                out.push(format!("{} {}", superscript(f.number), f.text));
            }
        }
        out.join("\n")
    }
}
