//! Issue 4, must-show 4: org units and users imported from CSV files (UTF-8,
//! Vietnamese names) — a province, a district, 19 communes and 40 users, one
//! of them bad: the bad row is reported with its line number and every good
//! row is imported.

use baocao_tests::server::run_admin;

const COMMUNES: &[&str] = &[
    "Thị trấn Ba Tơ",
    "Xã Ba Bích",
    "Xã Ba Cung",
    "Xã Ba Điền",
    "Xã Ba Dinh",
    "Xã Ba Động",
    "Xã Ba Giang",
    "Xã Ba Khâm",
    "Xã Ba Lế",
    "Xã Ba Liên",
    "Xã Ba Nam",
    "Xã Ba Ngạc",
    "Xã Ba Thành",
    "Xã Ba Tiêu",
    "Xã Ba Tô",
    "Xã Ba Trang",
    "Xã Ba Vì",
    "Xã Ba Vinh",
    "Xã Ba Xa",
];

#[test]
fn csv_import_takes_the_good_rows_and_reports_the_bad_one_by_line() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut units = String::from("\u{feff}id,name,kind,parent\n");
    units.push_str("tinh-qn,Tỉnh Quảng Ngãi,province,\n");
    units.push_str("huyen-ba-to,Huyện Ba Tơ,district,tinh-qn\n");
    for (i, name) in COMMUNES.iter().enumerate() {
        units.push_str(&format!("xa-{i:02},\"{name}\",commune,huyen-ba-to\n"));
    }
    let mut users = String::from("id,name,role,unit,password\n");
    let mut n = 0;
    for (i, commune) in COMMUNES.iter().enumerate() {
        for k in 0..2 {
            users.push_str(&format!(
                "cb-{i:02}-{k},Công chức {k} của {commune},officer,xa-{i:02},mat-khau-{i:02}-{k}\n"
            ));
            n += 1;
        }
    }
    users.push_str("huyen-ql,Chuyên viên Phòng LĐ-TB&XH,reviewer,huyen-ba-to,mat-khau-huyen\n");
    n += 1;
    // Line 41 (the header is line 1, 38 officers, the reviewer): a unit that does not exist.
    users.push_str("cb-sai,Người nhập sai,officer,xa-khong-co,mat-khau-sai-1\n");
    n += 1;
    assert_eq!(n, 40);
    let (uf, sf) = (
        files.path().join("units.csv"),
        files.path().join("users.csv"),
    );
    std::fs::write(&uf, units).unwrap();
    std::fs::write(&sf, users).unwrap();

    let (ok, out, err) = run_admin(
        data.path(),
        &[
            "import",
            "--org-units",
            uf.to_str().unwrap(),
            "--users",
            sf.to_str().unwrap(),
        ],
        None,
    );
    assert!(!ok, "a refused row makes the command fail: {out}{err}");
    assert!(out.contains("21 imported, 0 refused"), "{out}");
    assert!(out.contains("39 imported, 1 refused"), "{out}");
    assert!(
        err.contains("users.csv:41: unit \"xa-khong-co\" does not exist"),
        "the bad row is named by its line: {err}"
    );

    let (ok, listed, err) = run_admin(data.path(), &["user", "list"], None);
    assert!(ok, "{err}");
    assert_eq!(listed.lines().count(), 39);
    assert!(listed.contains("Công chức 1 của Xã Ba Điền"));
    assert!(!listed.contains("cb-sai"));
    let (ok, tree, _) = run_admin(data.path(), &["org", "list"], None);
    assert!(ok);
    assert!(tree.contains("    xa-18  Xã Ba Xa (commune)"), "{tree}");

    // Importing the same files again refuses every row as a duplicate and
    // changes nothing.
    let (ok, out, _) = run_admin(
        data.path(),
        &["import", "--users", sf.to_str().unwrap()],
        None,
    );
    assert!(!ok);
    assert!(out.contains("0 imported, 40 refused"), "{out}");
}

/// Administration happens while the server runs: a commune and its officer
/// added from the CLI are seen by REST (the district's list and figures) as
/// by sync, without a restart, and the new officer can log in.
#[tokio::test]
async fn a_commune_added_while_the_server_runs_is_listed_without_a_restart() {
    use std::time::Duration;
    let server = baocao_tests::TestServer::start_with_accounts().await;
    let reviewer = server.login("huyen-bato", "baocao-demo").await;
    let list = "/api/reports?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";
    let units = |body: &serde_json::Value| body.as_array().map_or(0, Vec::len);
    let (_, before) = server.get_json_as(&reviewer, list).await;
    let (ok, out, err) = server.admin(
        &[
            "org",
            "add",
            "--id",
            "xa-moi",
            "--name",
            "Xã Mới",
            "--kind",
            "commune",
            "--parent",
            "huyen-ba-to",
        ],
        None,
    );
    assert!(ok, "org add: {out} {err}");
    let (ok, out, err) = server.admin(
        &[
            "user",
            "add",
            "--id",
            "cb-xa-moi",
            "--name",
            "Nguyễn Văn A",
            "--role",
            "officer",
            "--unit",
            "xa-moi",
            "--password-stdin",
        ],
        Some("mat-khau-moi-123\n"),
    );
    assert!(ok, "user add: {out} {err}");
    server.login("cb-xa-moi", "mat-khau-moi-123").await;

    // The server rereads units and users every 10 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let (status, body) = server.get_json_as(&reviewer, list).await;
        if status == 200 && units(&body) == units(&before) + 1 {
            assert!(
                body.as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["unit"] == "xa-moi")
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new commune never reached the list: {body}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (_, figures) = server
        .get_json_as(
            &reviewer,
            "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to",
        )
        .await;
    assert_eq!(figures["reporting_units"], units(&before) + 1, "{figures}");
}
