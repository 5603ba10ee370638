//! Issue 4, must-shows 1 and 2: the authorisation matrix over REST and sync,
//! and a commune officer trying another commune's report by id.
//!
//! Each role is placed so that its unit has a sibling, a parent and a child
//! in the demo tree (Quảng Ngãi → Ba Tơ → communes → villages) plus a second
//! district imported for the test. Every cell gets its own report (its own
//! period), written beforehand by a province-level reviewer.

use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::{DocumentId, ReportKey, Value};
use std::time::Duration;

/// R = read, W = write, A = approve; "-" = refused.
/// Columns: the user's own unit, a sibling, the parent, a child.
const EXPECTED: &[(&str, [&str; 4])] = &[
    //             own    sibling  parent  child
    ("officer", ["RW-", "---", "---", "RW-"]),
    ("reviewer", ["RW-", "---", "---", "RWA"]),
    ("viewer", ["R--", "---", "---", "R--"]),
    ("admin", ["R--", "---", "---", "R--"]),
];

/// (role, user, [own, sibling, parent, child] units).
const PLACES: &[(&str, &str, [&str; 4])] = &[
    (
        "officer",
        "cb-ba-bich",
        ["ba-bich", "ba-dinh", "huyen-ba-to", "ba-bich-1"],
    ),
    (
        "reviewer",
        "huyen-bato",
        ["huyen-ba-to", "huyen-son-ha", "quang-ngai", "ba-bich"],
    ),
    (
        "viewer",
        "xem-huyen",
        ["huyen-ba-to", "huyen-son-ha", "quang-ngai", "ba-dinh"],
    ),
    (
        "admin",
        "qt-huyen",
        ["huyen-ba-to", "huyen-son-ha", "quang-ngai", "ba-le"],
    ),
];

const PASSWORD: &str = "mat-khau-kiem-thu";
const LIMIT: Duration = Duration::from_secs(20);

fn key(unit: &str, cell: usize) -> ReportKey {
    let period = format!("{}-H{}", 2030 + cell / 2, cell % 2 + 1);
    ReportKey::new("bao-ve-tre-em", unit, &period)
}

async fn client(server: &TestServer, name: &str, token: &str) -> NativeClient {
    let mut c = NativeClient::new(name, child_protection_template());
    c.connect(&server.ws_url_as(token)).await.expect("connect");
    c
}

/// The report as the province reviewer sees it over REST.
async fn truth(server: &TestServer, root: &str, id: DocumentId) -> serde_json::Value {
    let (status, body) = server
        .get_json_as(root, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn every_role_can_do_exactly_what_the_rules_say_over_rest_and_sync() {
    let server = TestServer::start_with_accounts().await;
    let units = "id,name,kind,parent\nhuyen-son-ha,Huyện Sơn Hà,district,quang-ngai\n";
    let users = format!(
        "id,name,role,unit,password\n\
         xem-huyen,Người xem huyện,viewer,huyen-ba-to,{PASSWORD}\n\
         qt-huyen,Quản trị huyện,admin,huyen-ba-to,{PASSWORD}\n\
         ql-tinh,Chuyên viên tỉnh,reviewer,quang-ngai,{PASSWORD}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("units.csv"), units).unwrap();
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    let (ok, out, err) = server.admin(
        &[
            "import",
            "--org-units",
            dir.path().join("units.csv").to_str().unwrap(),
            "--users",
            dir.path().join("users.csv").to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "import: {out}{err}");
    let root = server.login("ql-tinh", PASSWORD).await;

    // One report per cell, written by the province reviewer.
    let mut cells = Vec::new();
    for (p, (role, user, places)) in PLACES.iter().enumerate() {
        let expected = EXPECTED.iter().find(|(r, _)| r == role).unwrap().1;
        for (rel, unit) in places.iter().enumerate() {
            for (a, action) in ['R', 'W', 'A'].into_iter().enumerate() {
                let cell = (p * 4 + rel) * 3 + a;
                let allowed = expected[rel].as_bytes()[a] as char == action;
                cells.push((cell, *role, *user, *unit, action, allowed));
            }
        }
    }
    let mut writer = client(&server, "province", &root).await;
    let ids: Vec<DocumentId> = cells.iter().map(|c| key(c.3, c.0).document_id()).collect();
    for c in &cells {
        writer
            .edit(&key(c.3, c.0), |r| {
                baocao_tests::fill_valid_child_protection(r, 1);
                r.set_status("submitted").unwrap();
            })
            .await;
    }
    writer.sync_until_acked(&ids, LIMIT).await.unwrap();

    let mut failures = Vec::new();
    for &(cell, role, user, unit, action, allowed) in &cells {
        let token = server
            .login(
                user,
                if user.starts_with("cb-") || user == "huyen-bato" {
                    "baocao-demo"
                } else {
                    PASSWORD
                },
            )
            .await;
        let k = key(unit, cell);
        let id = k.document_id();
        let got = match action {
            'R' => {
                // REST: the report, or "no such report".
                let (status, _) = server
                    .get_json_as(&token, &format!("/api/reports/{id}"))
                    .await;
                let rest = status == 200;
                // Sync: the document arrives, or doc-unavailable.
                let mut c = client(&server, &format!("{user}-{cell}"), &token).await;
                c.open(id).await;
                c.pump(Duration::from_millis(400)).await.unwrap();
                let sync = !c.heads(&id).is_empty();
                if rest != sync {
                    failures.push(format!("{role} {unit} read: REST {rest} but sync {sync}"));
                }
                rest && sync
            }
            'W' | 'A' => {
                let mut c = client(&server, &format!("{user}-{cell}"), &token).await;
                // Fetch it first where allowed, so the edit comes after the
                // province's (and a status change is not a concurrent one).
                c.open(id).await;
                c.pump(Duration::from_millis(400)).await.unwrap();
                c.edit(&k, |r| {
                    if action == 'W' {
                        r.set_field("collaborators", Some(&Value::Int(777)))
                            .unwrap();
                    } else {
                        r.set_status("approved").unwrap();
                    }
                })
                .await;
                let _ = c.sync_until_acked(&[id], Duration::from_millis(1500)).await;
                let t = truth(&server, &root, id).await;
                if action == 'W' {
                    t["fields"]["collaborators"] == 777
                } else {
                    t["status"] == "approved"
                }
            }
            _ => unreachable!(),
        };
        if got != allowed {
            failures.push(format!(
                "{role} ({user}) {action} on {unit}: expected {}, got {}",
                if allowed { "allowed" } else { "refused" },
                if got { "allowed" } else { "refused" }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn an_officer_cannot_read_or_change_another_communes_report_by_id() {
    let server = TestServer::start_with_accounts().await;
    let officer = server.login("cb-ba-bich", "baocao-demo").await;
    let reviewer = server.login("huyen-bato", "baocao-demo").await;
    let theirs = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H1");
    let id = theirs.document_id();
    let before = truth(&server, &reviewer, id).await;

    // Request by id: nothing comes back, over sync or REST.
    let mut phone = client(&server, "cb-ba-bich-phone", &officer).await;
    phone.open(id).await;
    phone.pump(Duration::from_millis(800)).await.unwrap();
    assert!(phone.heads(&id).is_empty(), "nothing revealed over sync");
    let (status, body) = server
        .get_json_as(&officer, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(status, 404, "nothing revealed over REST: {body}");
    let (status, _) = server
        .get_json_as(
            &officer,
            "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to",
        )
        .await;
    assert_eq!(status, 403, "no district figures for a commune officer");

    // Pushing changes for it: the phone builds the same document id and
    // edits it; the server applies nothing.
    phone
        .edit(&theirs, |r| {
            r.set_field("officers", Some(&Value::Int(99))).unwrap();
            r.set_narrative("direction_narrative", "sửa trái phép")
                .unwrap();
        })
        .await;
    let _ = phone.sync_until_acked(&[id], Duration::from_secs(2)).await;
    assert!(!phone.is_acked(&id), "never acknowledged");
    let after = truth(&server, &reviewer, id).await;
    assert_eq!(before, after, "ba-dinh's report is unchanged");

    // Without a token there is no sync at all.
    let mut anonymous = NativeClient::new("anonymous", child_protection_template());
    assert!(anonymous.connect(&server.ws_url()).await.is_err());
}
