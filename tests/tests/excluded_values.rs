//! Issue 16: out-of-range values never reach a figure. A commune's officer
//! saves a draft with impossible values (the phone shows the error and lets
//! her save; the server stores it): −5000 villages and a training class of
//! 100 001 people. The district's figures, its report (every format) and the
//! CLI leave both out and say so — "Xã Ba Dinh: Số thôn, tổ dân phố = −5.000,
//! ngoài 0–200, không tính" — while the rest of her report and the other
//! communes' reports still count.

use baocao_tests::exports::{check_xlsx_totals, get_bytes, parse_csv, template, text, xlsx_sheets};
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use serde_json::Value as Json;
use shared::{ReportDoc, ReportKey, Value};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);
/// A round with no demo reports: only what this test writes.
const PERIOD: &str = "2024-H2";
const ROUND: &str = "template=bao-ve-tre-em&period=2024-H2&unit=huyen-ba-to";

const VILLAGES: &str = "Xã Ba Dinh: Số thôn, tổ dân phố = −5.000, ngoài 0–200, không tính";
const PARTICIPANTS: &str = "Xã Ba Dinh: Các lớp tập huấn (dòng 1), Số người tham dự = 100.001, \
                            ngoài 0–100.000, không tính";

/// One commune's draft: scalar fields and one training class.
async fn draft(server: &TestServer, unit: &str, f: impl FnOnce(&mut ReportDoc<'_>)) {
    let key = ReportKey::new("bao-ve-tre-em", unit, PERIOD);
    let mut phone = NativeClient::new(&format!("phone-{unit}"), child_protection_template());
    phone.edit(&key, f).await;
    phone.connect(&server.ws_url()).await.unwrap();
    phone
        .sync_until_acked(&[key.document_id()], LIMIT)
        .await
        .unwrap();
    phone.disconnect().await;
}

fn class(r: &mut ReportDoc<'_>, id: &str, classes: i64, participants: i64) {
    r.add_record("trainings", id).unwrap();
    for (col, v) in [
        ("organiser", Value::Str("xa".into())),
        ("classes", Value::Int(classes)),
        ("participants", Value::Int(participants)),
    ] {
        r.set_record_value("trainings", id, col, Some(&v)).unwrap();
    }
}

fn number(f: &Json, id: &str) -> f64 {
    f["figures"][id]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("figure {id}: {f}"))
}

fn commune_sums(f: &Json) -> (f64, f64) {
    let groups = f["figures"]["trainings_by_organiser"]["groups"]
        .as_array()
        .unwrap();
    let xa = &groups.iter().find(|g| g["key"] == "xa").unwrap()["sums"];
    (
        xa["classes"].as_f64().unwrap(),
        xa["participants"].as_f64().unwrap(),
    )
}

#[tokio::test]
async fn out_of_range_draft_values_are_left_out_of_figures_and_exports_and_listed() {
    let server = TestServer::start().await;
    draft(&server, "ba-dinh", |r| {
        r.set_field("villages", Some(&Value::Int(-5000))).unwrap();
        r.set_field("officers", Some(&Value::Int(3))).unwrap();
        class(r, "c1", 2, 100_001);
    })
    .await;
    draft(&server, "ba-bich", |r| {
        r.set_field("villages", Some(&Value::Int(5))).unwrap();
        r.set_field("officers", Some(&Value::Int(2))).unwrap();
        class(r, "c1", 1, 40);
    })
    .await;
    draft(&server, "tt-ba-to", |r| {
        r.set_field("villages", Some(&Value::Int(7))).unwrap();
    })
    .await;

    // The stored report still holds what she typed: nothing is thrown away.
    let id = ReportKey::new("bao-ve-tre-em", "ba-dinh", PERIOD).document_id();
    let stored = server.api_get(&format!("/api/reports/{id}")).await;
    assert_eq!(stored["fields"]["villages"], -5000);

    // Figures: her −5000 and her 100 001 are not counted; her officers and
    // her class are, and so is every other commune.
    let f = server.api_get(&format!("/api/figures?{ROUND}")).await;
    assert_eq!(number(&f, "villages"), 12.0, "5 + 7, not −4988");
    assert_eq!(number(&f, "officers"), 5.0);
    assert_eq!(
        commune_sums(&f),
        (3.0, 40.0),
        "her class counts, not its size"
    );
    let excluded = f["excluded"].as_array().expect("an excluded list");
    let places: Vec<(&str, &str, Option<&str>, &Json)> = excluded
        .iter()
        .map(|x| {
            (
                x["unit"].as_str().unwrap(),
                x["field"].as_str().unwrap(),
                x["column"].as_str(),
                &x["value"],
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("ba-dinh", "villages", None, &Json::from(-5000)),
            (
                "ba-dinh",
                "trainings",
                Some("participants"),
                &Json::from(100_001)
            ),
        ]
    );
    assert_eq!(excluded[0]["kind"], "below_min");
    assert_eq!(excluded[1]["kind"], "above_max");
    assert_eq!(excluded[1]["record"], "c1");

    // The demo round has none: an empty list, its figures as before.
    let demo = server
        .api_get("/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to")
        .await;
    assert_eq!(demo["excluded"], Json::Array(vec![]));
    assert_eq!(number(&demo, "villages"), 93.0);

    // The report says what it left out, after its body.
    let (status, _, txt) = get_bytes(&server, &format!("/api/export/txt?{ROUND}")).await;
    assert_eq!(status, 200);
    let txt = String::from_utf8(txt).unwrap();
    assert!(txt.contains(&format!("- {VILLAGES}")), "{txt}");
    assert!(txt.contains(&format!("- {PARTICIPANTS}")), "{txt}");
    assert!(txt.find(VILLAGES).unwrap() < txt.find("Nơi nhận").unwrap());
    let (_, _, demo_txt) = get_bytes(
        &server,
        "/api/export/txt?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to",
    )
    .await;
    assert!(!String::from_utf8(demo_txt).unwrap().contains("không tính"));
    let (_, _, html) = get_bytes(&server, &format!("/api/export/html?{ROUND}")).await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains(&format!("<li>{VILLAGES}</li>")), "{html}");
    let (_, _, json) = get_bytes(&server, &format!("/api/export/json?{ROUND}")).await;
    let json: Json = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["excluded"]["items"][0], VILLAGES);

    // The workbook: the value's cell is empty, so its totals are the figures,
    // and a last sheet lists what was left out.
    let (_, _, xlsx) = get_bytes(&server, &format!("/api/export/xlsx?{ROUND}")).await;
    let sheets = xlsx_sheets(&xlsx);
    let checked = check_xlsx_totals(&template("bao-ve-tre-em"), &sheets, &f["figures"]);
    assert!(checked.contains(&"villages".to_string()), "{checked:?}");
    let (name, rows) = sheets.last().unwrap();
    assert_eq!(name, "Giá trị không tính");
    let reasons: Vec<String> = rows[1..].iter().map(|r| text(&r[6])).collect();
    assert_eq!(reasons, [VILLAGES, PARTICIPANTS]);
    let (_, records) = sheets
        .iter()
        .find(|(n, _)| n == "Các lớp tập huấn")
        .expect("the trainings sheet");
    assert!(
        records
            .iter()
            .all(|r| r.iter().all(|c| text(c) != "100001")),
        "the class size is not shown as if it counted"
    );

    // CSV: the cleaned values.
    let (_, _, csv) = get_bytes(&server, &format!("/api/export/csv?{ROUND}")).await;
    let csv = parse_csv(
        String::from_utf8(csv)
            .unwrap()
            .trim_start_matches('\u{feff}'),
    );
    let col = csv[0]
        .iter()
        .position(|h| h == "Số thôn, tổ dân phố")
        .unwrap();
    let row = csv.iter().find(|r| r[0] == "ba-dinh").unwrap();
    assert_eq!(row[col], "", "{row:?}");
    assert_eq!(csv.last().unwrap()[col], "12");

    // The command line consolidates the same way.
    let templates = baocao_tests::repo_root().join("templates");
    let (ok, out, err) = server.admin(
        &[
            "figures",
            "--templates",
            templates.to_str().unwrap(),
            "--template",
            "bao-ve-tre-em",
            "--period",
            PERIOD,
            "--unit",
            "huyen-ba-to",
        ],
        None,
    );
    assert!(ok, "baocao figures: {err}");
    let cli: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(number(&cli, "villages"), 12.0);
    assert_eq!(cli["excluded"], f["excluded"]);
}
