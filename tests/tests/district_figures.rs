//! Must-show 2: the district figures computed by the real server from the 19
//! demo commune reports are the figures of the seed report.

use baocao_tests::TestServer;
use serde_json::Value;

const ROUND: &str = "template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

fn count(f: &Value, id: &str) -> (u64, u64) {
    let x = &f[id];
    assert_eq!(x["type"], "count", "{id}: {x}");
    (x["count"].as_u64().unwrap(), x["of"].as_u64().unwrap())
}

fn number(f: &Value, id: &str) -> f64 {
    let x = &f[id];
    assert_eq!(x["type"], "number", "{id}: {x}");
    x["value"].as_f64().unwrap()
}

#[tokio::test]
async fn seed_figures_come_out_of_the_demo_district() {
    let server = TestServer::start().await;
    let body = server.api_get(&format!("/api/figures?{ROUND}")).await;
    assert_eq!(body["reporting_units"], 19);
    let f = &body["figures"];

    // "19/19 xã đã thành lập Ban Điều hành"
    assert_eq!(count(f, "board_established"), (19, 19));
    // "38 cán bộ làm công tác trẻ em" (commune level), "02 cán bộ" at the district
    assert_eq!(number(f, "officers"), 38.0);
    assert_eq!(number(f, "district_officers"), 2.0);
    // "93 cộng tác viên, bình quân mỗi thôn có 01 cộng tác viên"
    assert_eq!(number(f, "collaborators"), 93.0);
    assert_eq!(f["collaborators_per_village"]["value"].as_f64(), Some(1.0));
    // "93/93 thôn đều có điểm sinh hoạt văn hóa"
    let r = &f["villages_with_cultural_point"];
    assert_eq!(
        (r["numerator"].as_f64(), r["denominator"].as_f64()),
        (Some(93.0), Some(93.0))
    );
    // "09 Sân bóng đá mini cỏ nhân tạo tại 06 xã, thị trấn"
    assert_eq!(number(f, "mini_pitches"), 9.0);
    assert_eq!(count(f, "units_with_pitches").0, 6);
    // "19/19 xã, thị trấn đã ... ban hành các Kế hoạch"
    assert_eq!(count(f, "units_with_plans"), (19, 19));
    // "06 lớp tập huấn khoảng 520 người" with the province; "01 lớp ... 75" by the district office
    let groups = f["trainings_by_organiser"]["groups"].as_array().unwrap();
    let g = |k: &str| groups.iter().find(|g| g["key"] == k).unwrap()["sums"].clone();
    assert_eq!(
        (
            g("so")["classes"].as_f64(),
            g("so")["participants"].as_f64()
        ),
        (Some(6.0), Some(520.0))
    );
    assert_eq!(
        (
            g("phong")["classes"].as_f64(),
            g("phong")["participants"].as_f64()
        ),
        (Some(1.0), Some(75.0))
    );
    // Footnote 1: the district's plans, ordered by date.
    let plans: Vec<String> = f["parent_plans"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["record"]["values"]["number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        plans,
        [
            "58/KH-UBND",
            "76/KH-UBND",
            "92/KH-UBND",
            "09/KH-UBND",
            "52/KH-UBND",
            "73/KH-UBND",
            "82/KH-UBND",
            "84/KH-UBND",
            "98/KH-UBND"
        ]
    );
    let first = &f["parent_plans"]["items"][0]["record"]["values"];
    assert_eq!(first["date"], "2023-03-22");

    // Completeness: every commune submitted.
    let rows = server.api_get(&format!("/api/reports?{ROUND}")).await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 19);
    assert!(rows.iter().all(|r| r["status"] == "submitted"), "{rows:?}");
}

#[tokio::test]
async fn unknown_template_unit_or_period_is_a_clear_error() {
    let server = TestServer::start().await;
    let (status, body) = server
        .get_json("/api/figures?template=nope&period=2024-H1&unit=huyen-ba-to")
        .await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("nope"));
    let (status, _) = server
        .get_json("/api/figures?template=bao-ve-tre-em&period=2024-H9&unit=huyen-ba-to")
        .await;
    assert_eq!(status, 400);
    let (status, _) = server.get_json("/api/reports/not-a-document-id").await;
    assert_eq!(status, 400);
    let (status, _) = server.get_json("/api/figures?template=bao-ve-tre-em").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn bootstrap_has_what_the_client_needs_offline() {
    let server = TestServer::start().await;
    let b = server.api_get("/api/bootstrap").await;
    assert!(
        b["server_peer_id"]
            .as_str()
            .unwrap()
            .starts_with("baocao-server-")
    );
    assert_eq!(b["org_units"].as_array().unwrap().len(), 1 + 1 + 19 + 93);
    assert_eq!(b["templates"][0]["id"], "bao-ve-tre-em");
    assert_eq!(b["rounds"][0]["period"], "2024-H1");
    assert!(
        b["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == "cb-ba-dinh" && u["role"] == "officer")
    );
}
