//! The same province set up through the admin REST API, by the province's
//! administrator; only the very first account comes from the command line.
//! An officer, and an admin of another province, are refused.

use baocao_tests::TestServer;
use baocao_tests::province::{
    PERIOD, PROVINCE, TEMPLATE, UNITS_CSV, USERS_CSV, assert_province_figures,
    communes_fill_and_submit, write_template_xlsx,
};
use serde_json::json;

/// The rows of a CSV without those mentioning `skip` (already there).
fn without(csv: &str, skip: &str) -> String {
    csv.lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || !l.starts_with(skip))
        .map(|(_, l)| format!("{l}\n"))
        .collect()
}

#[tokio::test]
async fn a_province_is_set_up_over_rest_by_its_admin_and_no_one_else() {
    let server = TestServer::start_with_accounts_and_args(&["--no-demo"]).await;
    // The first accounts: the province's admin, and another province's.
    for args in [
        &[
            "org",
            "add",
            "--id",
            PROVINCE,
            "--name",
            "Tỉnh Lâm Sơn",
            "--kind",
            "province",
        ][..],
        &[
            "org",
            "add",
            "--id",
            "tinh-khac",
            "--name",
            "Tỉnh Khác",
            "--kind",
            "province",
        ],
        &[
            "org",
            "add",
            "--id",
            "xa-khac",
            "--name",
            "Xã Khác",
            "--kind",
            "commune",
            "--parent",
            "tinh-khac",
        ],
    ] {
        let (ok, out, err) = server.admin(args, None);
        assert!(ok, "{out}{err}");
    }
    for (id, unit, pw) in [
        ("qt-tinh", PROVINCE, "mat-khau-quan-tri"),
        ("qt-khac", "tinh-khac", "mat-khau-khac-123"),
    ] {
        let (ok, out, err) = server.admin(
            &[
                "user",
                "add",
                "--id",
                id,
                "--name",
                "Quản trị",
                "--role",
                "admin",
                "--unit",
                unit,
                "--password-stdin",
            ],
            Some(&format!("{pw}\n")),
        );
        assert!(ok, "{out}{err}");
    }
    let admin = server.login("qt-tinh", "mat-khau-quan-tri").await;
    let other = server.login("qt-khac", "mat-khau-khac-123").await;

    // Units and users from the same CSV files, uploaded.
    let (status, r) = server
        .post_bytes_as(
            &admin,
            "/api/admin/units/import",
            without(UNITS_CSV, PROVINCE).into_bytes(),
        )
        .await;
    assert_eq!((status, &r["imported"]), (200, &json!(4)), "{r}");
    let (status, r) = server
        .post_bytes_as(
            &admin,
            "/api/admin/users/import",
            without(USERS_CSV, "qt-tinh").into_bytes(),
        )
        .await;
    assert_eq!((status, &r["imported"]), (200, &json!(4)), "{r}");
    let (_, units) = server.get_json_as(&admin, "/api/admin/units").await;
    assert_eq!(units.as_array().map(Vec::len), Some(5), "{units}");

    // The template: previewed, then added.
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("ve-sinh.xlsx");
    write_template_xlsx(&sheet);
    let bytes = std::fs::read(&sheet).unwrap();
    let (status, preview) = server
        .post_bytes_as(
            &admin,
            "/api/admin/templates/preview?name=ve-sinh.xlsx",
            bytes.clone(),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        preview["template"]["sections"][0]["fields"][1]["label"],
        "Số hộ có nhà tiêu hợp vệ sinh"
    );
    let (status, r) = server
        .post_bytes_as(
            &admin,
            "/api/admin/templates?name=ve-sinh.xlsx",
            bytes.clone(),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = server
        .post_bytes_as(&admin, "/api/admin/templates?name=ve-sinh.xlsx", bytes)
        .await;
    assert_eq!(status, 409, "the same version twice: {r}");

    // The round. Wrong period kind: refused with the reason.
    let round = |period: &str, unit: &str| json!({ "template": TEMPLATE, "period": period, "unit": unit, "deadline": "2026-10-15" });
    let (status, r) = server
        .post_as(&admin, "/api/admin/rounds", round("2026", PROVINCE))
        .await;
    assert_eq!(status, 400, "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("is not such a period"),
        "{r}"
    );

    // Another province's admin may not touch this one; nor may an officer.
    let (status, r) = server
        .post_as(&other, "/api/admin/rounds", round(PERIOD, PROVINCE))
        .await;
    assert_eq!(status, 403, "{r}");
    let (status, r) = server
        .post_as(
            &other,
            "/api/admin/units",
            json!({ "id": "xa-la", "name": "Xã Lạ", "kind": "commune", "parent": PROVINCE }),
        )
        .await;
    assert_eq!(status, 403, "{r}");
    let (status, r) = server
        .post_as(&other, "/api/admin/users/cb-dong-ha/deactivate", json!({}))
        .await;
    assert_eq!(status, 403, "{r}");
    let (_, their_users) = server.get_json_as(&other, "/api/admin/users").await;
    assert!(
        their_users
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["unit"] != "xa-dong-ha"),
        "{their_users}"
    );
    let (_, their_audit) = server.get_json_as(&other, "/api/admin/audit").await;
    assert!(
        their_audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["scope"] != "xa-dong-ha"),
        "{their_audit}"
    );
    let officer = server.login("cb-dong-ha", "mat-khau-dong-ha").await;
    for path in ["/api/admin/rounds", "/api/admin/users", "/api/admin/audit"] {
        let (status, r) = server.get_json_as(&officer, path).await;
        assert_eq!(status, 403, "{path}: {r}");
    }
    let (status, r) = server
        .post_as(&officer, "/api/admin/rounds", round(PERIOD, PROVINCE))
        .await;
    assert_eq!(status, 403, "{r}");
    let (status, _) = server.get_json("/api/admin/rounds").await;
    assert_eq!(status, 401, "without a session");

    let (status, r) = server
        .post_as(&admin, "/api/admin/rounds", round(PERIOD, PROVINCE))
        .await;
    assert_eq!(status, 200, "{r}");
    let (_, rounds) = server.get_json_as(&admin, "/api/admin/rounds").await;
    assert_eq!(rounds[0]["deadline"], "2026-10-15", "{rounds}");
    let (_, theirs) = server.get_json_as(&other, "/api/admin/rounds").await;
    assert_eq!(
        theirs,
        json!([]),
        "another province's rounds are not listed"
    );

    // The communes report; the province's figures add them up.
    communes_fill_and_submit(&server).await;
    let reviewer = server.login("ld-tinh", "mat-khau-lanh-dao").await;
    let (status, figures) = server
        .get_json_as(
            &reviewer,
            &format!("/api/figures?template={TEMPLATE}&period={PERIOD}&unit={PROVINCE}"),
        )
        .await;
    assert_eq!(status, 200, "{figures}");
    assert_province_figures(&figures);

    // A deactivated officer cannot log in.
    let (status, r) = server
        .post_as(&admin, "/api/admin/users/cb-tay-son/deactivate", json!({}))
        .await;
    assert_eq!(status, 200, "{r}");
    let (status, _) = server
        .post_json(
            "/api/login",
            json!({ "user": "cb-tay-son", "password": "mat-khau-tay-son" }),
        )
        .await;
    assert_eq!(status, 401);
    let (_, users) = server.get_json_as(&admin, "/api/admin/users").await;
    let dong_ha = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "cb-dong-ha")
        .unwrap();
    assert!(dong_ha["last_login"].as_i64().is_some(), "{dong_ha}");

    // And the trail names the admin for each action.
    let (_, audit) = server.get_json_as(&admin, "/api/admin/audit").await;
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    for a in [
        "org.add",
        "user.add",
        "template.add",
        "round.open",
        "user.deactivate",
    ] {
        assert!(actions.contains(&("qt-tinh", a)), "{a}: {actions:?}");
    }
}
