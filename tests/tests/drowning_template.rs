//! Must-show 6 of issue 5: the drowning-prevention template
//! (`templates/phong-chong-duoi-nuoc.toml`, a data file and nothing else)
//! works end to end. Three communes and the district fill their reports on
//! native clients, sync them to the real server, and the figures, the report
//! text, the .docx (through LibreOffice), the .xlsx and the CSV all carry the
//! consolidated numbers.

use baocao_tests::exports::{
    check_xlsx_totals, docx_to_pdf, get_bytes, parse_csv, pdf_info, pdf_text, records_sums, squash,
    template, xlsx_sheets,
};
use baocao_tests::{NativeClient, TestServer};
use shared::{ReportDoc, ReportKey, Value};
use std::time::Duration;

const TEMPLATE: &str = "phong-chong-duoi-nuoc";
const ROUND: &str = "template=phong-chong-duoi-nuoc&period=2024&unit=huyen-ba-to";

/// One swimming-class record: organiser, place, start date, classes, children.
type Class<'a> = (&'a str, &'a str, &'a str, i64, i64);

/// A unit's report: scalar fields and swimming classes.
fn fill(r: &mut ReportDoc<'_>, fields: &[(&str, i64)], classes: &[Class<'_>]) {
    for (f, v) in fields {
        r.set_field(f, Some(&Value::Int(*v))).unwrap();
    }
    for (i, (organiser, place, date, n, children)) in classes.iter().enumerate() {
        let id = format!("class-{i}");
        r.add_record("swimming_classes", &id).unwrap();
        let s = |x: &str| Some(Value::Str(x.into()));
        for (col, v) in [
            ("organiser", s(organiser)),
            ("place", s(place)),
            ("date", s(date)),
            ("classes", Some(Value::Int(*n))),
            ("children", Some(Value::Int(*children))),
        ] {
            r.set_record_value("swimming_classes", &id, col, v.as_ref())
                .unwrap();
        }
    }
}

/// A phone of `unit` fills its report offline, then syncs it to the server.
async fn report(
    server: &TestServer,
    unit: &str,
    fields: &[(&str, i64)],
    classes: &[Class<'_>],
    texts: &[(&str, &str)],
) {
    let key = ReportKey::new(TEMPLATE, unit, "2024");
    let mut phone = NativeClient::new(&format!("phone-{unit}"), template(TEMPLATE));
    phone
        .edit(&key, |r| {
            fill(r, fields, classes);
            for (f, t) in texts {
                if f.ends_with("narrative") || *f == "assessment" {
                    r.set_narrative(f, t).unwrap();
                } else {
                    r.set_field(f, Some(&Value::Str((*t).into()))).unwrap();
                }
            }
            r.set_status("submitted").unwrap();
        })
        .await;
    phone.connect(&server.ws_url()).await.unwrap();
    phone
        .sync_until_acked(&[key.document_id()], Duration::from_secs(30))
        .await
        .unwrap();
    phone.disconnect().await;
}

#[tokio::test]
async fn drowning_prevention_reports_are_filled_synced_consolidated_and_exported() {
    let server = TestServer::start().await;
    let boot = server.api_get("/api/bootstrap").await;
    assert!(
        boot["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["template"] == TEMPLATE && r["period"] == "2024"),
        "the demo opens a drowning-prevention round"
    );

    let counts = |cases, drowned, deaths, points, signs, sessions, people| {
        [
            ("drowning_cases", cases),
            ("drowned_children", drowned),
            ("drowning_deaths", deaths),
            ("dangerous_points", points),
            ("warning_signs", signs),
            ("communication_sessions", sessions),
            ("communication_participants", people),
        ]
    };
    report(
        &server,
        "tt-ba-to",
        &counts(1, 2, 1, 12, 10, 4, 350),
        &[
            ("xa", "Hồ bơi thị trấn", "2024-06-03", 2, 60),
            ("truong", "Trường THCS Ba Tơ", "2024-06-10", 1, 35),
        ],
        &[],
    )
    .await;
    report(&server, "ba-bich", &counts(0, 0, 0, 8, 5, 2, 120), &[], &[]).await;
    report(
        &server,
        "ba-dinh",
        &counts(1, 1, 0, 5, 5, 3, 200),
        &[("xa", "Suối Ba Đình", "2024-07-01", 1, 25)],
        &[],
    )
    .await;
    report(
        &server,
        "huyen-ba-to",
        &[],
        &[("huyen", "Bể bơi Trung tâm huyện", "2024-05-20", 3, 90)],
        &[
            ("signer", "Nguyễn Văn An"),
            (
                "swimming_narrative",
                "Huyện phối hợp với nhà trường dạy bơi an toàn cho học sinh trong dịp hè.",
            ),
        ],
    )
    .await;

    // Figures from the merged reports.
    let body = server.api_get(&format!("/api/figures?{ROUND}")).await;
    assert_eq!(body["reporting_units"], 19);
    assert_eq!(body["submitted"], 3);
    let f = &body["figures"];
    assert_eq!(f["drowning_cases"]["value"], 2.0);
    assert_eq!(f["drowning_deaths"]["value"], 1.0);
    assert_eq!(f["signed_points"]["numerator"], 20.0);
    assert_eq!(f["signed_points"]["denominator"], 25.0);
    assert_eq!(f["units_with_classes"]["count"], 2);

    // The report text, in the template's number style.
    let (status, _, txt) = get_bytes(&server, &format!("/api/export/txt?{ROUND}")).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(txt).unwrap();
    let expected = [
        "Kết quả công tác phòng, chống đuối nước trẻ em năm 2024",
        "xảy ra 02 vụ đuối nước làm 03 trẻ em bị đuối nước, trong đó 01 em tử vong; 01 xã, thị trấn",
        "tổ chức 09 buổi truyền thông về phòng, chống đuối nước trẻ em với 670 lượt người tham dự",
        "toàn huyện có 25 điểm nước nguy hiểm; đã cắm biển cảnh báo tại 20/25 điểm",
        "02/19 xã, thị trấn đã tổ chức lớp dạy bơi: UBND các xã tổ chức 03 lớp cho 85 trẻ em; các trường học tổ chức 01 lớp cho 35 trẻ em; cấp huyện tổ chức 03 lớp cho 90 trẻ em¹.",
        "Huyện phối hợp với nhà trường dạy bơi an toàn cho học sinh trong dịp hè.",
        "- UBND tỉnh Quảng Ngãi (b/c);",
        "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nNguyễn Văn An",
        "¹ Lớp do cấp huyện tổ chức: 03 lớp, 90 trẻ em tại Bể bơi Trung tâm huyện (khai giảng ngày 20/5/2024).",
    ];
    for e in expected {
        assert!(text.contains(e), "{e:?} not in:\n{text}");
    }

    // The .docx opens and says the same.
    let (status, _, docx) = get_bytes(&server, &format!("/api/export/docx?{ROUND}")).await;
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().unwrap();
    let pdf = docx_to_pdf(&docx, dir.path());
    assert!(pdf_info(&pdf).0.contains("(A4)"));
    let pdf = squash(&pdf_text(&pdf));
    for e in [
        "HUYỆN BA TƠ",
        "Kết quả công tác phòng, chống đuối nước trẻ em năm 2024",
        "đã cắm biển cảnh báo tại 20/25 điểm",
        "UBND các xã tổ chức 03 lớp cho 85 trẻ em",
        "Nguyễn Văn An",
    ] {
        assert!(pdf.contains(&squash(e)), "{e:?} not in the PDF:\n{pdf}");
    }

    // The workbook: totals recomputed from the rows equal the figures.
    let (status, _, xlsx) = get_bytes(&server, &format!("/api/export/xlsx?{ROUND}")).await;
    assert_eq!(status, 200);
    let sheets = xlsx_sheets(&xlsx);
    let mut checked = check_xlsx_totals(&template(TEMPLATE), &sheets, f);
    checked.sort();
    assert_eq!(
        checked,
        [
            "communication_participants",
            "communication_sessions",
            "dangerous_points",
            "drowned_children",
            "drowning_cases",
            "drowning_deaths",
            "warning_signs"
        ]
    );
    let (_, classes) = sheets
        .iter()
        .find(|(n, _)| n == "Các lớp dạy bơi")
        .expect("records sheet");
    let children = records_sums(classes, "Đơn vị tổ chức", "Số trẻ em được học bơi");
    assert_eq!(children["UBND xã"], 85.0);
    assert_eq!(children["Nhà trường"], 35.0);
    assert_eq!(children["Cấp huyện"], 90.0);

    // The CSV: one row per commune (the district consolidates), totals last.
    let (status, _, csv) = get_bytes(&server, &format!("/api/export/csv?{ROUND}")).await;
    assert_eq!(status, 200);
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF");
    let rows = parse_csv(std::str::from_utf8(&csv[3..]).unwrap());
    assert_eq!(rows.len(), 1 + 19 + 1);
    assert!(rows.iter().all(|r| r[0] != "huyen-ba-to"), "{rows:?}");
    let col = rows[0]
        .iter()
        .position(|h| h == "Số lượt người tham dự truyền thông")
        .unwrap();
    assert_eq!(rows.last().unwrap()[col], "670");
}
