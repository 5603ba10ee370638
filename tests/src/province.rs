//! A province that is not the demo, set up from nothing: a two-level tree
//! (province → communes, as after the 2025 reform), its users, and a
//! template of its own written as a spreadsheet the way an administrator
//! would type it. Shared by the set-up tests over the CLI and over REST.

use crate::{NativeClient, TestServer};
use shared::workflow::Step;
use shared::{ReportKey, Template, Value};
use std::path::Path;
use std::time::Duration;

/// The province's units: the province and four communes (one of them
/// will have no report).
pub const UNITS_CSV: &str = "\u{feff}id,name,kind,parent
tinh-lam-son,Tỉnh Lâm Sơn,province,
xa-dong-ha,Xã Đông Hà,commune,tinh-lam-son
xa-tay-son,Xã Tây Sơn,commune,tinh-lam-son
xa-nam-binh,Xã Nam Bình,commune,tinh-lam-son
xa-bac-phong,Xã Bắc Phong,commune,tinh-lam-son
";

/// Its users: one officer per commune that reports, a reviewer and an
/// admin at the province.
pub const USERS_CSV: &str = "id,name,role,unit,password
cb-dong-ha,Lò Văn Đông,officer,xa-dong-ha,mat-khau-dong-ha
cb-tay-son,Hà Thị Tây,officer,xa-tay-son,mat-khau-tay-son
cb-nam-binh,Vi Văn Nam,officer,xa-nam-binh,mat-khau-nam-binh
ld-tinh,Nguyễn Thị Lãnh,reviewer,tinh-lam-son,mat-khau-lanh-dao
qt-tinh,Trần Văn Quản,admin,tinh-lam-son,mat-khau-quan-tri
";

/// The template's id.
pub const TEMPLATE: &str = "ve-sinh-moi-truong";
/// The round's period (the template is quarterly).
pub const PERIOD: &str = "2026-Q3";
/// The province.
pub const PROVINCE: &str = "tinh-lam-son";

/// The communes that report, their officers and passwords, and their
/// answers: households, households with a hygienic latrine, a plan.
pub const REPORTS: [(&str, &str, &str, i64, i64, bool); 3] = [
    (
        "xa-dong-ha",
        "cb-dong-ha",
        "mat-khau-dong-ha",
        1200,
        950,
        true,
    ),
    (
        "xa-tay-son",
        "cb-tay-son",
        "mat-khau-tay-son",
        830,
        610,
        false,
    ),
    (
        "xa-nam-binh",
        "cb-nam-binh",
        "mat-khau-nam-binh",
        1475,
        1302,
        true,
    ),
];

/// Writes the province's template as an .xlsx, as an administrator would
/// type it in a spreadsheet: a settings sheet, a fields sheet with a row
/// per field, a rule, numbers typed as numbers, "có" for yes.
pub fn write_template_xlsx(path: &Path) {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let settings = book.add_worksheet();
    settings.set_name("settings").unwrap();
    let rows: [(&str, Option<&str>, Option<f64>); 6] = [
        ("id", Some(TEMPLATE), None),
        ("version", None, Some(1.0)),
        ("title", Some("Báo cáo vệ sinh môi trường nông thôn"), None),
        ("filled_by", Some("commune"), None),
        ("period", Some("quarter"), None),
        ("deadline_days", None, Some(10.0)),
    ];
    settings.write_string(0, 0, "key").unwrap();
    settings.write_string(0, 1, "value").unwrap();
    for (i, (k, text, number)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        settings.write_string(r, 0, *k).unwrap();
        match (text, number) {
            (Some(t), _) => settings.write_string(r, 1, *t).unwrap(),
            (None, Some(n)) => settings.write_number(r, 1, *n).unwrap(),
            _ => unreachable!(),
        };
    }
    let fields = book.add_worksheet();
    fields.set_name("fields").unwrap();
    let header = [
        "section",
        "section_title",
        "id",
        "label",
        "type",
        "required",
        "min",
        "aggregate",
    ];
    for (c, h) in header.iter().enumerate() {
        fields.write_string(0, c as u16, *h).unwrap();
    }
    let field_rows: [[&str; 8]; 3] = [
        [
            "chung",
            "Vệ sinh hộ gia đình",
            "households",
            "Số hộ gia đình",
            "integer",
            "có",
            "0",
            "sum",
        ],
        [
            "",
            "",
            "latrines",
            "Số hộ có nhà tiêu hợp vệ sinh",
            "integer",
            "có",
            "0",
            "sum",
        ],
        [
            "",
            "",
            "has_plan",
            "Có kế hoạch vệ sinh môi trường",
            "yes_no",
            "",
            "",
            "count_yes",
        ],
    ];
    for (r, row) in field_rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match (header[c as usize], v.parse::<f64>()) {
                ("min", Ok(n)) => fields.write_number(r, c, n).unwrap(),
                _ => fields.write_string(r, c, *v).unwrap(),
            };
        }
    }
    let rules = book.add_worksheet();
    rules.set_name("rules").unwrap();
    for (c, v) in ["id", "left", "op", "right", "message"].iter().enumerate() {
        rules.write_string(0, c as u16, *v).unwrap();
    }
    for (c, v) in [
        "latrines-le-households",
        "latrines",
        "<=",
        "households",
        "Số hộ có nhà tiêu không vượt quá số hộ",
    ]
    .iter()
    .enumerate()
    {
        rules.write_string(1, c as u16, *v).unwrap();
    }
    book.save(path).unwrap();
}

/// The template as the server serves it to a phone (from bootstrap).
pub async fn served_template(server: &TestServer, token: &str, id: &str) -> Option<Template> {
    let (_, boot) = server.get_json_as(token, "/api/bootstrap").await;
    boot["templates"]
        .as_array()?
        .iter()
        .find(|t| t["id"] == id)
        .and_then(|t| serde_json::from_value(t.clone()).ok())
}

/// Waits until the user's bootstrap lists the round: phones see a new
/// round on their next bootstrap, no restart.
pub async fn until_round_seen(server: &TestServer, token: &str, template: &str, period: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, boot) = server.get_json_as(token, "/api/bootstrap").await;
        let seen = boot["rounds"].as_array().is_some_and(|rs| {
            rs.iter()
                .any(|r| r["template"] == template && r["period"] == period)
        });
        if status == 200 && seen {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the round never reached the bootstrap: {boot}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Each reporting commune's officer logs in on their own phone, waits for
/// the round, fills the report in offline and submits it; the phone syncs.
pub async fn communes_fill_and_submit(server: &TestServer) {
    for (unit, user, password, households, latrines, plan) in REPORTS {
        let token = server.login(user, password).await;
        until_round_seen(server, &token, TEMPLATE, PERIOD).await;
        let template = served_template(server, &token, TEMPLATE)
            .await
            .expect("the template reaches the phone");
        let key = ReportKey::new(TEMPLATE, unit, PERIOD);
        let mut phone = NativeClient::new(&format!("phone-{unit}"), template);
        phone
            .edit(&key, |r| {
                r.set_field("households", Some(&Value::Int(households)))
                    .unwrap();
                r.set_field("latrines", Some(&Value::Int(latrines)))
                    .unwrap();
                r.set_field("has_plan", Some(&Value::Bool(plan))).unwrap();
                r.take_step(Step::Submit, user, "").unwrap();
            })
            .await;
        phone.connect(&server.ws_url_as(&token)).await.unwrap();
        phone
            .sync_until_acked(&[key.document_id()], Duration::from_secs(20))
            .await
            .unwrap();
        assert!(
            phone.refused().is_empty(),
            "{unit}: refused {:?}",
            phone.refused()
        );
        phone.disconnect().await;
    }
}

/// Checks the province's figures (from `/api/figures` or `baocao figures`).
pub fn assert_province_figures(figures: &serde_json::Value) {
    let sum = |i: usize| -> i64 { REPORTS.iter().map(|r| [r.3, r.4][i]).sum() };
    assert_eq!(figures["reporting_units"], 4, "{figures}");
    assert_eq!(figures["submitted"], 3, "{figures}");
    let f = &figures["figures"];
    assert_eq!(
        f["households"]["value"].as_f64(),
        Some(sum(0) as f64),
        "{figures}"
    );
    assert_eq!(
        f["latrines"]["value"].as_f64(),
        Some(sum(1) as f64),
        "{figures}"
    );
    assert_eq!(f["has_plan"]["count"], 2, "{figures}");
}
