//! The .xlsx export lists each unit's records in the template's `order_by`
//! order (documents by date), as the form shows them — not in the order
//! they were typed. The demo's Ba Bích typed its decision of 01/02/2024
//! after its plan of 20/02/2024.

use baocao_tests::TestServer;
use baocao_tests::exports::{get_bytes, text, xlsx_sheets};
use shared::Date;

const ROUND: &str = "template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

#[tokio::test]
async fn each_units_documents_are_in_date_order() {
    let mut server = TestServer::start().await;
    let (status, _, bytes) = get_bytes(&server, &format!("/api/export/xlsx?{ROUND}")).await;
    assert_eq!(status, 200);
    let sheets = xlsx_sheets(&bytes);
    let (_, rows) = sheets
        .iter()
        .find(|(n, _)| n.starts_with("Văn bản đã ban hành"))
        .expect("documents sheet");
    let col = |label: &str| {
        rows[0]
            .iter()
            .position(|h| text(h) == label)
            .unwrap_or_else(|| panic!("no column {label}"))
    };
    let (unit, number, date) = (col("Đơn vị"), col("Số, ký hiệu"), col("Ngày ban hành"));
    let data = &rows[1..rows.len() - 1];
    assert!(data.len() >= 19, "{} document rows", data.len());

    // Within each unit, dates never go down, and undated rows come last.
    for pair in data.windows(2) {
        if text(&pair[0][unit]) != text(&pair[1][unit]) {
            continue;
        }
        let key = |r: &[calamine::Data]| {
            let day = text(&r[date]).parse::<Date>().ok();
            (day.is_none(), day)
        };
        assert!(
            key(&pair[0]) <= key(&pair[1]),
            "{} lists {} before {}",
            text(&pair[0][unit]),
            text(&pair[0][date]),
            text(&pair[1][date])
        );
    }
    let ba_bich: Vec<String> = data
        .iter()
        .filter(|r| text(&r[unit]) == "Xã Ba Bích")
        .map(|r| text(&r[number]))
        .collect();
    assert_eq!(ba_bich, ["61/QĐ-UBND", "11/KH-UBND"]);
    server.stop().await;
}
