//! A new province sets baocao up through its commands only, on a server
//! started without the demo: units and users from CSV, a template of its
//! own from a spreadsheet, a reporting round. Then the communes' phones
//! fill in and submit, and the province's figures are right.

use baocao_tests::TestServer;
use baocao_tests::province::{
    PERIOD, PROVINCE, TEMPLATE, UNITS_CSV, USERS_CSV, assert_province_figures,
    communes_fill_and_submit, write_template_xlsx,
};

#[tokio::test]
async fn a_province_is_set_up_with_commands_only_and_reports() {
    let server = TestServer::start_with_accounts_and_args(&["--no-demo"]).await;
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("don-vi.csv");
    let users = dir.path().join("nguoi-dung.csv");
    let sheet = dir.path().join("ve-sinh.xlsx");
    std::fs::write(&units, UNITS_CSV).unwrap();
    std::fs::write(&users, USERS_CSV).unwrap();
    write_template_xlsx(&sheet);
    let run = |args: &[&str]| {
        let (ok, out, err) = server.admin(args, None);
        (ok, format!("{out}{err}"))
    };

    // Units and users.
    let (ok, out) = run(&[
        "import",
        "--org-units",
        units.to_str().unwrap(),
        "--users",
        users.to_str().unwrap(),
    ]);
    assert!(ok, "import: {out}");
    let (_, tree) = run(&["org", "list"]);
    assert!(
        tree.contains("xa-bac-phong  Xã Bắc Phong (commune)"),
        "{tree}"
    );

    // The template, from the spreadsheet; a workbook with a typo is refused
    // with its sheet and row, and changes nothing.
    let (ok, out) = run(&["template", "add", sheet.to_str().unwrap()]);
    assert!(ok, "template add: {out}");
    assert!(
        out.contains("added template ve-sinh-moi-truong version 1"),
        "{out}"
    );
    let (ok, list) = run(&["template", "list"]);
    assert!(
        ok && list.contains("ve-sinh-moi-truong\tv1\tcommune\tquarter"),
        "{list}"
    );
    let bad = dir.path().join("sai.toml");
    let toml = run(&["template", "show", TEMPLATE]).1;
    std::fs::write(
        &bad,
        toml.replace("version = 1", "version = 2")
            .replace("integer", "integr"),
    )
    .unwrap();
    let (ok, out) = run(&["template", "add", bad.to_str().unwrap()]);
    assert!(
        !ok && out.contains("line"),
        "a bad TOML names its line: {out}"
    );
    assert!(
        run(&["template", "list"])
            .1
            .contains("ve-sinh-moi-truong\tv1")
    );

    // Rounds of the wrong period kind, or for a unit that does not exist,
    // are refused with the reason.
    let open = |period: &str, unit: &str| {
        run(&[
            "round",
            "open",
            "--template",
            TEMPLATE,
            "--period",
            period,
            "--unit",
            unit,
            "--deadline",
            "2026-10-15",
        ])
    };
    let (ok, out) = open("2026-H2", PROVINCE);
    assert!(!ok && out.contains("is not such a period"), "{out}");
    let (ok, out) = open(PERIOD, "tinh-khong-co");
    assert!(!ok && out.contains("no org unit"), "{out}");
    let (ok, out) = open(PERIOD, PROVINCE);
    assert!(ok, "round open: {out}");
    let (ok, out) = open(PERIOD, "xa-dong-ha");
    assert!(
        !ok && out.contains("overlaps"),
        "a second round over the same units: {out}"
    );
    let (_, rounds) = run(&["round", "list"]);
    assert!(
        rounds.contains("ve-sinh-moi-truong\t2026-Q3\ttinh-lam-son\t2026-10-15\topen"),
        "{rounds}"
    );

    // The communes fill in and submit; the province's figures add them up.
    communes_fill_and_submit(&server).await;
    let (ok, out, err) = server.admin(
        &[
            "figures",
            "--template",
            TEMPLATE,
            "--period",
            PERIOD,
            "--unit",
            PROVINCE,
        ],
        None,
    );
    assert!(ok, "figures: {err}");
    let figures: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_province_figures(&figures);
    let reviewer = server.login("ld-tinh", "mat-khau-lanh-dao").await;
    let (status, api) = server
        .get_json_as(
            &reviewer,
            &format!("/api/figures?template={TEMPLATE}&period={PERIOD}&unit={PROVINCE}"),
        )
        .await;
    assert_eq!(status, 200, "{api}");
    assert_province_figures(&api);

    // Closing the round locks its reports until it is reopened.
    let (ok, out) = run(&[
        "round",
        "close",
        "--template",
        TEMPLATE,
        "--period",
        PERIOD,
        "--unit",
        PROVINCE,
    ]);
    assert!(ok, "{out}");
    closed_round_keeps_the_edit_on_the_phone(&server).await;
    let (ok, out) = run(&[
        "round",
        "reopen",
        "--template",
        TEMPLATE,
        "--period",
        PERIOD,
        "--unit",
        PROVINCE,
    ]);
    assert!(ok, "{out}");

    // Every action is in the audit trail, with who took it.
    let (ok, audit) = run(&["audit"]);
    assert!(ok, "{audit}");
    for action in [
        "org.add",
        "user.add",
        "template.add",
        "round.open",
        "round.close",
        "round.reopen",
    ] {
        assert!(
            audit
                .lines()
                .any(|l| l.contains("\tcli:") && l.contains(action)),
            "{action}: {audit}"
        );
    }
    assert_eq!(audit.matches("org.add").count(), 5, "{audit}");
}

/// With the round closed, an officer's edit is refused with the reason and
/// stays on the phone.
async fn closed_round_keeps_the_edit_on_the_phone(server: &TestServer) {
    use baocao_tests::NativeClient;
    use baocao_tests::province::served_template;
    use shared::{ReportKey, Value};
    use std::time::Duration;
    let token = server.login("cb-dong-ha", "mat-khau-dong-ha").await;
    let template = served_template(server, &token, TEMPLATE).await.unwrap();
    let key = ReportKey::new(TEMPLATE, "xa-dong-ha", PERIOD);
    let id = key.document_id();
    let mut phone = NativeClient::new("phone-dong-ha-2", template);
    phone.connect(&server.ws_url_as(&token)).await.unwrap();
    phone.open(id).await;
    let limit = Duration::from_secs(20);
    // The server's catalog reloads within seconds of the close.
    tokio::time::sleep(Duration::from_secs(3)).await;
    phone
        .sync_until(limit, |c| {
            c.doc(&id).is_some_and(|d| !d.get_heads().is_empty())
        })
        .await
        .unwrap();
    phone
        .edit(&key, |r| {
            r.set_field("households", Some(&Value::Int(1201))).unwrap()
        })
        .await;
    phone
        .sync_until(limit, |c| c.refused().contains_key(&id))
        .await
        .unwrap();
    assert_eq!(
        phone.refused().get(&id).map(String::as_str),
        Some("workflow:round-closed")
    );
    assert_eq!(
        phone.view(&key).fields.get("households"),
        Some(&Value::Int(1201)),
        "the edit stays on the phone"
    );
}
