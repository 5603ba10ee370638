//! Must-show 1–3 of issue 5 through the real server and the demo district:
//! the consolidated report's text writes every figure of the seed exactly as
//! the seed writes it and footnotes the district's plans in date order; the
//! .docx opens in LibreOffice as an A4 administrative document with that
//! text; the .xlsx totals are the report's figures; the CSV has a BOM and
//! parses; the print view is an A4 page.

use baocao_tests::TestServer;
use baocao_tests::exports::{
    SEED_FIGURES, check_xlsx_totals, docx_to_pdf, get_bytes, parse_csv, pdf_first_page_png,
    pdf_fonts, pdf_info, pdf_text, pdf_words, records_sums, squash, template, xlsx_sheets,
};

const ROUND: &str = "template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

/// The seed's footnote: number, date as the seed writes it (NĐ 30: days
/// below 10 and January/February padded), title, in date order.
const SEED_PLANS: &[(&str, &str, &str)] = &[
    (
        "58/KH-UBND",
        "22/3/2023",
        "phòng, chống tội phạm xâm hại trẻ em và phòng, chống tội phạm, vi phạm pháp luật liên quan đến người dưới 18 tuổi năm 2023",
    ),
    (
        "76/KH-UBND",
        "07/4/2023",
        "triển khai thực hiện Công tác trẻ em năm 2023",
    ),
    (
        "92/KH-UBND",
        "04/5/2023",
        "triển khai thực hiện Tháng hành động vì trẻ em năm 2023",
    ),
    (
        "09/KH-UBND",
        "17/01/2024",
        "phòng chống xâm hại trẻ em và phòng chống tội phạm, vi phạm pháp luật liên quan đến người dưới 18 tuổi năm 2024",
    ),
    (
        "52/KH-UBND",
        "14/3/2024",
        "tập huấn triển khai công tác bảo vệ chăm sóc trẻ em năm 2024",
    ),
    (
        "73/KH-UBND",
        "29/3/2024",
        "triển khai thực hiện công tác trẻ em năm 2024",
    ),
    (
        "82/KH-UBND",
        "09/4/2024",
        "tham gia diễn đàn trẻ em tại tỉnh Quảng Ngãi năm 2024",
    ),
    (
        "84/KH-UBND",
        "11/4/2024",
        "triển khai tháng hành động vì trẻ em năm 2024 trên địa bàn huyện",
    ),
    (
        "98/KH-UBND",
        "14/4/2024",
        "kiểm tra, tự kiểm tra việc thực hiện chính sách pháp luật về trẻ em và phòng chống xâm hại trẻ em trên địa bàn huyện năm 2024",
    ),
];

async fn export(server: &TestServer, format: &str) -> Vec<u8> {
    let (status, _, body) = get_bytes(server, &format!("/api/export/{format}?{ROUND}")).await;
    assert_eq!(status, 200, "{format}: {}", String::from_utf8_lossy(&body));
    body
}

/// Checks `text` holds every item in order, each after the previous one.
fn in_order(text: &str, items: &[String]) {
    let mut at = 0;
    for item in items {
        match text[at..].find(item.as_str()) {
            Some(i) => at += i + item.len(),
            None => panic!("{item:?} missing (or out of order) after byte {at} of:\n{text}"),
        }
    }
}

fn footnote_items() -> Vec<String> {
    SEED_PLANS
        .iter()
        .map(|(n, d, t)| format!("số {n} ngày {d} về việc {t}"))
        .collect()
}

#[tokio::test]
async fn report_text_writes_the_seed_figures_and_footnotes_the_plans_by_date() {
    let server = TestServer::start().await;
    let text = String::from_utf8(export(&server, "txt").await).unwrap();
    for f in SEED_FIGURES {
        assert!(text.contains(f), "{f:?} not in the report:\n{text}");
    }
    // Footnote ¹ is referenced in section II.2 and lists the plans by date.
    assert!(text.contains("đã ban hành các văn bản¹ chỉ đạo"), "{text}");
    let note = text
        .lines()
        .find(|l| l.starts_with("¹ "))
        .unwrap_or_else(|| panic!("no footnote ¹:\n{text}"));
    assert!(note.starts_with("¹ Kế hoạch: số 58/KH-UBND"), "{note}");
    in_order(note, &footnote_items());
    // The district officers' own text is there as they wrote it.
    assert!(text.contains("Ngày 20/12/2023, UBND huyện đã ban hành Công văn số 2922/UBND"));
    assert!(text.contains("Theo Công văn số 3812/SLĐTĐBXH-TEBĐG&PCTNXH ngày 24/6/2024"));

    // The structured form carries the same, for clients.
    let json: serde_json::Value = serde_json::from_slice(&export(&server, "json").await).unwrap();
    assert_eq!(json["issuer"][1], "HUYỆN BA TƠ");
    assert_eq!(json["footnotes"][0]["number"], 1);
    assert_eq!(json["signer"], "Lữ Đình Tích");
}

#[tokio::test]
async fn docx_opens_in_libreoffice_as_an_a4_administrative_report() {
    let server = TestServer::start().await;
    let (status, ct, docx) = get_bytes(&server, &format!("/api/export/docx?{ROUND}")).await;
    assert_eq!(status, 200);
    assert!(ct.contains("wordprocessingml"), "{ct}");
    let dir = tempfile::tempdir().unwrap();
    let pdf = docx_to_pdf(&docx, dir.path());

    let (size, pages) = pdf_info(&pdf);
    assert!(size.contains("(A4)"), "page size {size}");
    assert!((2..=5).contains(&pages), "{pages} pages");
    // Times New Roman throughout (Liberation Serif is its metric twin where
    // Times New Roman is not installed), in regular, bold and italic.
    let fonts = pdf_fonts(&pdf);
    assert!(
        fonts
            .iter()
            .all(|f| f.starts_with("TimesNewRoman") || f.starts_with("LiberationSerif")),
        "{fonts:?}"
    );
    assert!(fonts.len() >= 3, "{fonts:?}");

    // Compared without spaces and hyphens: see `squash`.
    let text = squash(&pdf_text(&pdf));
    for s in [
        "ỦY BAN NHÂN DÂN",
        "HUYỆN BA TƠ",
        "/BC-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Ba Tơ, ngày",
        "BÁO CÁO",
        "Kết quả thực hiện công tác bảo vệ trẻ em trên địa bàn huyện",
        "I. CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH KIẾN NGHỊ SAU GIÁM SÁT",
        "Nơi nhận:",
        "- Sở Lao động - TB&XH;",
        "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
        "Lữ Đình Tích",
    ] {
        assert!(text.contains(&squash(s)), "{s:?} not in the PDF:\n{text}");
    }
    for f in SEED_FIGURES {
        assert!(text.contains(&squash(f)), "{f:?} not in the PDF:\n{text}");
    }
    // The footnote is at the foot of a page, numbered, plans by date.
    assert!(
        text.contains(&squash("1 Kế hoạch: số 58/KH-UBND ngày 22/3/2023")),
        "{text}"
    );
    let items: Vec<String> = footnote_items().iter().map(|i| squash(i)).collect();
    in_order(&text, &items);

    // Margins: text starts 30 mm from the left edge and ends 15 mm from the
    // right one; nothing above 20 mm from the top (in points: 72 per inch).
    let words = pdf_words(&pdf, 1);
    assert!(words.len() > 100, "{} words on page 1", words.len());
    let mm = |v: f64| v * 72.0 / 25.4;
    let left = words.iter().map(|w| w.0).fold(f64::MAX, f64::min);
    let right = words.iter().map(|w| w.2).fold(0.0, f64::max);
    let top = words.iter().map(|w| w.1).fold(f64::MAX, f64::min);
    assert!((mm(29.5)..mm(32.0)).contains(&left), "left edge {left} pt");
    assert!(right <= mm(210.0 - 15.0) + 0.5, "right edge {right} pt");
    assert!(
        right >= mm(210.0 - 25.0),
        "justified text reaches the right margin: {right} pt"
    );
    assert!(top >= mm(20.0) - 0.5, "top {top} pt");
    // Header: issuer on the left, national title on the right, same band.
    let find = |w: &str| {
        words
            .iter()
            .find(|x| x.4 == w)
            .unwrap_or_else(|| panic!("{w} on page 1"))
    };
    let (uy, cong) = (find("ỦY"), find("CỘNG"));
    assert!(
        uy.0 < mm(70.0) && cong.0 > mm(80.0),
        "header columns {uy:?} {cong:?}"
    );
    assert!(
        (uy.1 - cong.1).abs() < 4.0,
        "header lines level {uy:?} {cong:?}"
    );

    // The picture of page 1 in the README is made here.
    let png = dir.path().join("page1.png");
    pdf_first_page_png(&pdf, 80, &png);
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
    if std::env::var_os("BAOCAO_WRITE_DOCS").is_some() {
        let docs = baocao_tests::repo_root().join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(&png, docs.join("report-page1.png")).unwrap();
    }
}

#[tokio::test]
async fn xlsx_totals_are_the_report_figures() {
    let server = TestServer::start().await;
    let figures = server.api_get(&format!("/api/figures?{ROUND}")).await;
    let figures = &figures["figures"];
    let sheets = xlsx_sheets(&export(&server, "xlsx").await);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "Tổng hợp", "{names:?}");
    let t = template("bao-ve-tre-em");

    let mut checked = check_xlsx_totals(&t, &sheets, figures);
    checked.sort();
    assert_eq!(
        checked,
        [
            "board_established",
            "collaborators",
            "cultural_points",
            "district_officers",
            "mini_pitches",
            "officers",
            "villages"
        ]
    );

    // One row per commune in the commune sections, with Vietnamese headers.
    let (_, staff) = sheets
        .iter()
        .find(|(n, _)| n.starts_with("Kiện toàn đội ngũ"))
        .expect("staff sheet");
    assert_eq!(baocao_tests::exports::text(&staff[0][1]), "Đơn vị");
    assert_eq!(staff.len(), 1 + 19 + 1);

    // Training classes in their own sheet: summed per organiser they are the
    // seed's "06 lớp ... 520 người" and "01 lớp ... 75".
    let (_, trainings) = sheets
        .iter()
        .find(|(n, _)| n == "Các lớp tập huấn")
        .expect("records sheet");
    let classes = records_sums(trainings, "Đơn vị tổ chức", "Số lớp");
    let people = records_sums(trainings, "Đơn vị tổ chức", "Số người tham dự");
    assert_eq!(classes["Sở LĐ-TB&XH phối hợp tổ chức"], 6.0);
    assert_eq!(people["Sở LĐ-TB&XH phối hợp tổ chức"], 520.0);
    assert_eq!(classes["Phòng LĐ-TB&XH huyện"], 1.0);
    assert_eq!(people["Phòng LĐ-TB&XH huyện"], 75.0);
    let groups = figures["trainings_by_organiser"]["groups"]
        .as_array()
        .unwrap();
    let so = groups.iter().find(|g| g["key"] == "so").unwrap();
    assert_eq!(so["sums"]["participants"].as_f64(), Some(520.0));
}

#[tokio::test]
async fn csv_has_a_bom_parses_and_matches_the_command_line_export() {
    let server = TestServer::start().await;
    let (status, ct, bytes) = get_bytes(&server, &format!("/api/export/csv?{ROUND}")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let rows = parse_csv(text);
    // The communes report; the district consolidates and is no row of it.
    assert_eq!(rows.len(), 1 + 19 + 1, "header, communes, totals");
    assert!(
        rows.iter().all(|r| r[0] != "huyen-ba-to"),
        "the district is not a reporting unit: {rows:?}"
    );
    // Statuses in the words of the web app.
    let status = rows[0].iter().position(|h| h == "Trạng thái").unwrap();
    assert!(
        rows[1..20].iter().all(|r| r[status] == "Đã nộp"),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    assert_eq!(rows[0][1], "Đơn vị");
    let col = |label: &str| rows[0].iter().position(|h| h == label).unwrap();
    let officers = col("Số cán bộ làm công tác trẻ em cấp xã");
    let sum: i64 = rows[1..20]
        .iter()
        .map(|r| r[officers].parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, 38);
    let totals = rows.last().unwrap();
    assert_eq!(totals[1], "Tổng cộng");
    assert_eq!(totals[officers], "38");
    assert!(rows.iter().any(|r| r[1] == "Thị trấn Ba Tơ"));

    // `baocao export` writes the same bytes from the same database.
    let out = server.data_dir().join("export.csv");
    let status = std::process::Command::new(baocao_tests::server::server_binary())
        .args(["export", "--data-dir"])
        .arg(server.data_dir())
        .envs(baocao_tests::pg::database_env(server.data_dir()))
        .arg("--templates")
        .arg(baocao_tests::repo_root().join("templates"))
        .args(["--template", "bao-ve-tre-em", "--period", "2024-H1"])
        .args(["--unit", "huyen-ba-to", "--format", "csv", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

#[tokio::test]
async fn print_view_is_an_a4_page_and_bad_requests_are_refused() {
    let server = TestServer::start().await;
    let (status, ct, html) = get_bytes(&server, &format!("/api/export/html?{ROUND}")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("@page { size: A4; margin: 20mm 15mm 20mm 30mm; }"));
    assert!(html.contains("HUYỆN BA TƠ"));
    assert!(html.contains("<span data-source=\"board_established\">19/19</span>"));
    assert!(html.contains("<sup>1</sup> Kế hoạch: số 58/KH-UBND"));

    let (status, _, body) = get_bytes(&server, &format!("/api/export/pdf?{ROUND}")).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("docx, xlsx, csv"));
    let (status, _, _) = get_bytes(
        &server,
        "/api/export/docx?template=nope&period=2024-H1&unit=huyen-ba-to",
    )
    .await;
    assert_eq!(status, 404);
}

/// A round nobody has reported in yet: every total is 0 — never "-0", which
/// a float sum over no values would write.
#[tokio::test]
async fn a_round_without_reports_totals_zero_not_minus_zero() {
    let server = TestServer::start().await;
    let round = "template=bao-ve-tre-em&period=2023-H1&unit=huyen-ba-to";
    let (status, _, csv) = get_bytes(&server, &format!("/api/export/csv?{round}")).await;
    assert_eq!(status, 200);
    let rows = parse_csv(std::str::from_utf8(&csv[3..]).unwrap());
    let totals = rows.last().unwrap();
    assert_eq!(totals[1], "Tổng cộng");
    let officers = rows[0]
        .iter()
        .position(|h| h == "Số cán bộ làm công tác trẻ em cấp xã")
        .unwrap();
    assert_eq!(totals[officers], "0", "{totals:?}");
    assert!(totals.iter().all(|c| c != "-0"), "{totals:?}");
    let figures = server.api_get(&format!("/api/figures?{round}")).await;
    let officers = &figures["figures"]["officers"]["value"];
    // JSON writes -0.0 as "-0.0": the sign is what is checked.
    assert!(
        officers
            .as_f64()
            .is_some_and(|v| v == 0.0 && v.is_sign_positive()),
        "{officers}"
    );
    let (_, _, text) = get_bytes(&server, &format!("/api/export/txt?{round}")).await;
    let text = String::from_utf8(text).unwrap();
    assert!(!text.contains("-0"), "{text}");
    assert!(text.contains("Cấp xã: 00 cán bộ"), "{text}");
}
