//! The district reviewer's consolidated report in the web app (headless
//! Chromium at the district's 1280×800, a server with accounts and its CSP):
//! the reviewer logs in, opens the district page from the report list,
//! writes in the district's own narrative beside the preview and sees it
//! there once synced, then presses the download buttons. The .docx the
//! browser saved, read by LibreOffice, has the seed's figures and exactly
//! the preview's text; the .xlsx and the CSV are the round's data (the CSV
//! the same bytes as the API's). The submissions table heads its state
//! column "Trạng thái" and lists the communes only.
//!
//! And: a reviewer is offered no empty report of their own for a template
//! that only the communes fill in — the district page instead.
//!
//! Needs `client/dist` (scripts/build-client.sh), `target/debug/baocao`,
//! LibreOffice and poppler.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World, downloaded};
use baocao_tests::exports::{
    SEED_FIGURES, docx_to_pdf, get_bytes_as, parse_csv, pdf_text, squash, xlsx_sheets,
};
use std::path::Path;
use std::process::Command;

const REVIEWER: &str = "huyen-bato";
const PASSWORD: &str = "baocao-demo";
const ROUND: &str = "template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";
const FILE: &str = "bao-ve-tre-em_2024-H1_huyen-ba-to";
/// What the reviewer writes in the district's assessment (typed key by key).
const ASSESSMENT: &str = "Cac xa da hoan thanh bao cao dung han trong 6 thang dau nam 2024.";

/// Text compared across formats: white space runs made one space, footnote
/// references as plain digits (Word and LibreOffice write them raised, not
/// as the superscript characters of the text form).
fn normalized(text: &str) -> String {
    let digits = |c: char| match "⁰¹²³⁴⁵⁶⁷⁸⁹".chars().position(|s| s == c) {
        Some(d) => char::from(b'0' + d as u8),
        None => c,
    };
    text.trim_start_matches('\u{feff}')
        .chars()
        .map(digits)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The document's text as LibreOffice reads the .docx (body, header and
/// signature in order; footnotes are not part of LibreOffice's text export).
fn docx_text(docx: &Path, dir: &Path) -> String {
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("lo-text-profile").display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
        ])
        .arg(dir)
        .arg(docx)
        .output()
        .expect("soffice runs (apt-get install libreoffice-writer-nogui)");
    assert!(
        out.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(docx.with_extension("txt")).expect("LibreOffice wrote the text")
}

/// The preview's text (`innerText`): its footnotes, or everything else.
async fn preview_text(world: &World, notes: bool) -> String {
    world
        .eval(&format!(
            "[...document.querySelector('[data-testid=report-preview]').children] \
             .filter(c => c.classList.contains('doc-notes') === {notes}) \
             .map(c => c.innerText).join('\\n')"
        ))
        .await
}

#[tokio::test]
async fn the_reviewer_downloads_the_consolidated_report_and_reads_it_on_the_page() {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start_with_accounts().await;
    let token = server.login(REVIEWER, PASSWORD).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let downloads = tempfile::tempdir().expect("downloads dir");
    let world = World::launch(profile.path(), Screen::DESKTOP).await;
    world.allow_downloads(downloads.path()).await;

    world.goto(&format!("{}/", server.url())).await;
    world.log_in(REVIEWER, PASSWORD).await;
    world
        .click("a[data-testid=district-page][href*=\"/bao-ve-tre-em/2024-H1/huyen-ba-to\"]")
        .await;
    world
        .wait_until(
            "the district page with its submissions and the report's preview",
            QUICK,
            "document.querySelectorAll('[data-testid=submissions] tbody tr').length === 19 \
             && document.querySelector('[data-testid=report-preview]') !== null",
        )
        .await;

    // The submissions table: the state column says what it holds, and only
    // the communes report (the district consolidates).
    let heads: Vec<String> = world
        .eval("[...document.querySelectorAll('[data-testid=submissions] th')].map(th => th.innerText)")
        .await;
    assert_eq!(heads[1], "Trạng thái", "{heads:?}");
    assert!(
        !heads.iter().any(|h| h.contains("mục đã nhập")),
        "{heads:?}"
    );
    let district_rows: bool = world
        .eval(
            "document.querySelector('[data-testid=submission-huyen-ba-to]') !== null \
             || document.querySelector('[data-testid=unit-huyen-ba-to]') !== null",
        )
        .await;
    assert!(!district_rows, "the district is listed as a reporting unit");
    let state: String = world
        .eval(
            "document.querySelector('[data-testid=submission-ba-dinh] td:nth-child(2)').innerText",
        )
        .await;
    assert_eq!(state, "Đã nộp");

    // The district's own narrative, written beside the preview, shows in it
    // once it is on the server.
    world
        .fill("[data-testid=narrative-assessment]", ASSESSMENT)
        .await;
    world
        .wait_until(
            "the preview shows the district's new assessment",
            QUICK,
            &format!(
                "document.querySelector('[data-testid=report-preview]')?.innerText.includes('{ASSESSMENT}')"
            ),
        )
        .await;

    // The preview is the report's text: the same as the text export, and it
    // writes the seed's figures as the seed does.
    let body = normalized(&preview_text(&world, false).await);
    let notes = normalized(&preview_text(&world, true).await);
    let (status, _, txt) = get_bytes_as(&server, &token, &format!("/api/export/txt?{ROUND}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        format!("{body} {notes}"),
        normalized(&String::from_utf8(txt).expect("utf-8")),
        "the preview and the text export differ"
    );
    for f in SEED_FIGURES {
        assert!(body.contains(f), "{f:?} not in the preview:\n{body}");
    }
    assert!(notes.starts_with("1 Kế hoạch: số 58/KH-UBND"), "{notes}");

    // The .docx, saved by the browser under the server's file name.
    world.click("[data-testid=export-docx]").await;
    let docx = downloaded(downloads.path(), &format!("{FILE}.docx"), QUICK).await;
    assert_eq!(&docx[..2], b"PK", "a .docx is a zip");
    let work = tempfile::tempdir().expect("work dir");
    let pdf = docx_to_pdf(&docx, work.path());
    let printed = squash(&pdf_text(&pdf));
    for f in SEED_FIGURES.iter().chain([&ASSESSMENT]) {
        assert!(
            printed.contains(&squash(f)),
            "{f:?} not in the .docx:\n{printed}"
        );
    }
    // Word for word what the page showed: the body and header as
    // LibreOffice reads them, the footnote at the foot of its page.
    let docx_path = work.path().join("report.docx");
    assert_eq!(
        normalized(&docx_text(&docx_path, work.path())),
        body,
        "the .docx and the preview differ"
    );
    assert!(
        printed.contains(&squash(&notes)),
        "{notes:?} not in:\n{printed}"
    );

    // The round's data: the workbook and the CSV (the API's very bytes).
    world.click("[data-testid=export-xlsx]").await;
    let xlsx = downloaded(downloads.path(), &format!("{FILE}.xlsx"), QUICK).await;
    let sheets = xlsx_sheets(&xlsx);
    assert_eq!(sheets[0].0, "Tổng hợp");
    let (_, staff) = sheets
        .iter()
        .find(|(n, _)| n.starts_with("Kiện toàn đội ngũ"))
        .expect("the staff sheet");
    assert_eq!(staff.len(), 1 + 19 + 1, "header, communes, totals");

    world.click("[data-testid=export-csv]").await;
    let csv = downloaded(downloads.path(), &format!("{FILE}.csv"), QUICK).await;
    let (_, _, from_api) = get_bytes_as(&server, &token, &format!("/api/export/csv?{ROUND}")).await;
    assert_eq!(csv, from_api, "the downloaded CSV is the export");
    let rows = parse_csv(std::str::from_utf8(&csv[3..]).expect("utf-8 after the BOM"));
    assert_eq!(rows.len(), 1 + 19 + 1, "header, communes, totals");
    let officers = rows[0]
        .iter()
        .position(|h| h == "Số cán bộ làm công tác trẻ em cấp xã")
        .expect("officers column");
    assert_eq!(rows.last().expect("totals")[officers], "38");
    let failed: bool = world
        .eval("document.querySelector('[data-testid=export-error]') !== null")
        .await;
    assert!(!failed);
    world.close().await;
}

/// A template only the communes fill in, in place of the demo's open
/// drowning-prevention round: the district has nothing of its own to write.
const COMMUNES_ONLY: &str = r#"
id = "phong-chong-duoi-nuoc"
version = 1
title = "Báo cáo số vụ đuối nước trẻ em"
title_en = "Child drowning figures"
filled_by = "commune"
period = "year"

[[sections]]
id = "tinh-hinh"
title = "Tình hình trẻ em bị đuối nước"

[[sections.fields]]
id = "drowning_cases"
label = "Số vụ đuối nước trẻ em"
type = "integer"
min = 0
aggregate = "sum"
"#;

#[tokio::test]
async fn a_reviewer_gets_the_district_page_not_an_empty_report_of_a_communes_only_template() {
    baocao_tests::browser::require_built_client();
    let templates = tempfile::tempdir().expect("templates dir");
    std::fs::copy(
        baocao_tests::repo_root().join("templates/bao-ve-tre-em.toml"),
        templates.path().join("bao-ve-tre-em.toml"),
    )
    .expect("copy the child-protection template");
    std::fs::write(
        templates.path().join("phong-chong-duoi-nuoc.toml"),
        COMMUNES_ONLY,
    )
    .expect("write the communes-only template");
    let server =
        TestServer::start_with_accounts_and_templates(templates.path().to_path_buf()).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::DESKTOP).await;
    world.goto(&format!("{}/", server.url())).await;
    world.log_in(REVIEWER, PASSWORD).await;
    world
        .wait_for("a[data-testid=district-page][href*=\"/phong-chong-duoi-nuoc/2024/huyen-ba-to\"]")
        .await;
    // The district fills in its part of the child-protection report …
    world
        .wait_for("a[data-testid=report-huyen-ba-to][href*=\"/bao-ve-tre-em/\"]")
        .await;
    // … but has no report of its own of the communes-only one.
    let own: Vec<String> = world
        .eval("[...document.querySelectorAll('a[data-testid=report-huyen-ba-to]')].map(a => a.getAttribute('href'))")
        .await;
    assert_eq!(
        own,
        ["/report/bao-ve-tre-em/2024-H1/huyen-ba-to"],
        "{own:?}"
    );

    // Its district page: the consolidated report, with no narratives to write.
    world
        .click("a[data-testid=district-page][href*=\"/phong-chong-duoi-nuoc/\"]")
        .await;
    world
        .wait_until(
            "the communes-only round's district page with its report",
            QUICK,
            "document.querySelectorAll('[data-testid=submissions] tbody tr').length === 19 \
             && document.querySelector('[data-testid=report-preview]') !== null \
             && document.querySelector('[data-testid=own-narratives]') === null",
        )
        .await;
    world.close().await;
}
