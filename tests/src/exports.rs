//! Reading exports back the way their users' programs do: the .docx through
//! LibreOffice to PDF (then poppler's pdfinfo/pdftotext/pdftoppm), the .xlsx
//! with calamine, the CSV with an RFC 4180 reader.

use calamine::{Data, Reader, Xlsx};
use shared::Template;
use shared::template::{Aggregate, FieldType};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The seed's figures, as the seed writes them, with enough words around each
/// to pin it to its sentence.
pub const SEED_FIGURES: &[&str] = &[
    "19/19 xã đã thành lập Ban Điều hành",
    "Ở huyện: 02 cán bộ làm công tác trẻ em (01 Trưởng phòng phụ trách và 01 chuyên viên kiêm nhiệm)",
    "Cấp xã: 38 cán bộ làm công tác trẻ em",
    "Có 93 cộng tác viên",
    "bình quân mỗi thôn có 01 cộng tác viên",
    "tổ chức 06 lớp tập huấn khoảng 520 người",
    "đã mở 01 lớp tập huấn triển khai công tác bảo vệ chăm sóc trẻ em năm 2024 có 75 cán bộ",
    "19/19 xã, thị trấn đã cụ thể hóa",
    "93/93 thôn đều có điểm sinh hoạt văn hóa",
    "09 Sân bóng đá mini cỏ nhân tạo tại 06 xã, thị trấn",
    "Quyết định số 108/QĐ-UBND ngày 27/01/2022",
];

/// GETs a path of the server: status, content type and body.
pub async fn get_bytes(server: &crate::TestServer, path: &str) -> (u16, String, Vec<u8>) {
    read_bytes(reqwest::Client::new().get(format!("{}{path}", server.url()))).await
}

/// The same as the holder of `token` (a server with accounts).
pub async fn get_bytes_as(
    server: &crate::TestServer,
    token: &str,
    path: &str,
) -> (u16, String, Vec<u8>) {
    let request = reqwest::Client::new()
        .get(format!("{}{path}", server.url()))
        .bearer_auth(token);
    read_bytes(request).await
}

async fn read_bytes(request: reqwest::RequestBuilder) -> (u16, String, Vec<u8>) {
    let r = request.send().await.expect("request");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct, r.bytes().await.expect("body").to_vec())
}

/// A template of `templates/`.
pub fn template(id: &str) -> Template {
    let path = crate::repo_root().join(format!("templates/{id}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    Template::from_toml(&text).expect("template parses")
}

fn tool(name: &str, package: &str) -> Command {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`{name}` is not installed: the export tests need it (apt-get install {package}; .ci/run installs it)"
    );
    Command::new(name)
}

fn run(mut cmd: Command) -> String {
    let out = cmd.output().expect("run tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Converts a .docx to PDF with LibreOffice headless, in `dir`, with a fresh
/// user profile (so parallel runs and a user's own LibreOffice never meet).
pub fn docx_to_pdf(docx: &[u8], dir: &Path) -> PathBuf {
    let input = dir.join("report.docx");
    std::fs::write(&input, docx).expect("write docx");
    let mut cmd = tool("soffice", "libreoffice-writer-nogui");
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        dir.join("lo-profile").display()
    ))
    .args(["--headless", "--convert-to", "pdf", "--outdir"])
    .arg(dir)
    .arg(&input);
    run(cmd);
    let pdf = dir.join("report.pdf");
    assert!(pdf.exists(), "LibreOffice wrote no PDF");
    pdf
}

/// `pdfinfo`'s "Page size" line and page count.
pub fn pdf_info(pdf: &Path) -> (String, u32) {
    let mut cmd = tool("pdfinfo", "poppler-utils");
    cmd.arg(pdf);
    let out = run(cmd);
    let field = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    (field("Page size:"), field("Pages:").parse().unwrap_or(0))
}

/// The PDF's text with every run of white space made one space (lines wrap
/// wherever the layout put them).
pub fn pdf_text(pdf: &Path) -> String {
    let mut cmd = tool("pdftotext", "poppler-utils");
    cmd.arg(pdf).arg("-");
    run(cmd).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fonts a PDF embeds, without their subset prefix
/// (`BAAAAA+LiberationSerif-Bold` → `LiberationSerif-Bold`).
pub fn pdf_fonts(pdf: &Path) -> Vec<String> {
    let mut cmd = tool("pdffonts", "poppler-utils");
    cmd.arg(pdf);
    run(cmd)
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split_once('+').map_or(n, |(_, f)| f).to_string())
        .collect()
}

/// Word boxes of one page: (xMin, yMin, xMax, yMax, word), in points.
pub fn pdf_words(pdf: &Path, page: u32) -> Vec<(f64, f64, f64, f64, String)> {
    let mut cmd = tool("pdftotext", "poppler-utils");
    cmd.args(["-bbox", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-");
    let html = run(cmd);
    html.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("<word ")?;
            let attr = |k: &str| -> Option<f64> {
                let i = rest.find(&format!("{k}=\""))? + k.len() + 2;
                rest[i..].split('"').next()?.parse().ok()
            };
            let word = rest.split('>').nth(1)?.split('<').next()?.to_string();
            Some((
                attr("xMin")?,
                attr("yMin")?,
                attr("xMax")?,
                attr("yMax")?,
                word,
            ))
        })
        .collect()
}

/// Renders the first page as PNG at `dpi` to `out`.
pub fn pdf_first_page_png(pdf: &Path, dpi: u32, out: &Path) {
    let stem = out.with_extension("");
    let mut cmd = tool("pdftoppm", "poppler-utils");
    cmd.args([
        "-png",
        "-r",
        &dpi.to_string(),
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
    ])
    .arg(pdf)
    .arg(&stem);
    run(cmd);
    assert!(out.exists(), "pdftoppm wrote no {}", out.display());
}

/// Every sheet of a workbook: name and rows of cells.
pub fn xlsx_sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx opens");
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("sheet reads");
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

/// A cell as a number, if it is one.
pub fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Int(i) => Some(*i as f64),
        Data::Float(f) => Some(*f),
        _ => None,
    }
}

/// A cell as text.
pub fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// For every column of every sheet headed by an aggregated field's label,
/// recomputes the total from the data rows and checks that the sheet's
/// "Tổng cộng" row says the same and that both equal the server's figure
/// (`figures` is the `figures` object of `/api/figures`). Returns the field
/// ids checked.
pub fn check_xlsx_totals(
    template: &Template,
    sheets: &[(String, Vec<Vec<Data>>)],
    figures: &serde_json::Value,
) -> Vec<String> {
    let mut checked = Vec::new();
    for (name, rows) in sheets {
        let Some(head) = rows.first() else { continue };
        let Some(total_row) = rows
            .iter()
            .position(|r| r.get(1).is_some_and(|c| text(c) == "Tổng cộng"))
        else {
            continue;
        };
        let data = &rows[1..total_row];
        for (col, h) in head.iter().enumerate() {
            let Some((_, f)) = template
                .fields()
                .find(|(_, f)| f.label == text(h) && f.aggregate.is_some())
            else {
                continue;
            };
            let cells = data.iter().map(|r| r.get(col).unwrap_or(&Data::Empty));
            let (recomputed, figure) = match f.aggregate {
                Some(Aggregate::Sum) => (
                    cells.filter_map(number).sum::<f64>(),
                    figures[&f.id]["value"].as_f64(),
                ),
                Some(Aggregate::CountYes) => (
                    cells.filter(|c| text(c) == "Có").count() as f64,
                    figures[&f.id]["count"].as_f64(),
                ),
                Some(Aggregate::CountNonzero) => (
                    cells
                        .filter(|c| number(c).is_some_and(|v| v != 0.0))
                        .count() as f64,
                    figures[&f.id]["count"].as_f64(),
                ),
                _ => continue,
            };
            let stated = number(&rows[total_row][col]);
            assert_eq!(
                stated,
                Some(recomputed),
                "sheet {name:?}, column {:?}: totals row vs rows",
                f.label
            );
            assert_eq!(
                figure,
                Some(recomputed),
                "sheet {name:?}, column {:?}: rows vs the report's figure",
                f.label
            );
            assert!(matches!(
                f.ty,
                FieldType::Integer { .. } | FieldType::Decimal { .. } | FieldType::Bool
            ));
            checked.push(f.id.clone());
        }
    }
    checked
}

/// Sums of number columns of a records sheet, per value of `group_col`.
pub fn records_sums(
    rows: &[Vec<Data>],
    group_col: &str,
    sum_col: &str,
) -> std::collections::BTreeMap<String, f64> {
    let head: Vec<String> = rows[0].iter().map(text).collect();
    let g = head
        .iter()
        .position(|h| h == group_col)
        .expect("group column");
    let s = head.iter().position(|h| h == sum_col).expect("sum column");
    let mut out = std::collections::BTreeMap::new();
    for r in &rows[1..] {
        if text(&r[1]) == "Tổng cộng" {
            break;
        }
        *out.entry(text(&r[g])).or_insert(0.0) += number(&r[s]).unwrap_or(0.0);
    }
    out
}

/// Reads RFC 4180 CSV.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "CSV ends inside quotes");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Text without white space and hyphens: pdftotext drops the hyphen where a
/// line breaks after one ("73/KH-" / "UBND" reads "73/KHUBND"), so PDF text is
/// compared in this form.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}
