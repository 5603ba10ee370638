//! The 2025 reform replayed on the demo: the district tier is abolished
//! (Ba Tơ's communes move under the province) and three communes merge into
//! a new one. The 2024 figures and .docx of Ba Tơ do not change — its old
//! reports stay under the units that made them — and a 2025 round takes in
//! the new units.

use baocao_tests::TestServer;
use std::collections::BTreeSet;

const T: &str = "bao-ve-tre-em";

fn run(server: &TestServer, args: &[&str]) -> String {
    let (ok, out, err) = server.admin(args, None);
    assert!(ok, "baocao {}: {out}{err}", args.join(" "));
    out
}

/// The 2024 report of Ba Tơ: figures (JSON) and the .docx.
fn report_2024(
    server: &TestServer,
    dir: &std::path::Path,
    name: &str,
) -> (serde_json::Value, Vec<u8>) {
    let round = [
        "--template",
        T,
        "--period",
        "2024-H1",
        "--unit",
        "huyen-ba-to",
    ];
    let figures = run(server, &[&["figures"][..], &round].concat());
    let out = dir.join(format!("{name}.docx"));
    let path = out.to_str().unwrap();
    run(
        server,
        &[
            &["export"][..],
            &round,
            &["--format", "docx", "--out", path],
        ]
        .concat(),
    );
    (
        serde_json::from_str(&figures).unwrap(),
        std::fs::read(&out).unwrap(),
    )
}

#[tokio::test]
async fn the_reform_leaves_2024_as_it_was_and_2025_has_the_new_units() {
    let server = TestServer::start_with_accounts().await;
    let dir = tempfile::tempdir().unwrap();
    let (figures_before, docx_before) = report_2024(&server, dir.path(), "before");
    let viewer = server.login("tinh-qn", "baocao-demo").await;
    let (_, province_before) = server
        .get_json_as(
            &viewer,
            "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=quang-ngai",
        )
        .await;
    let (_, boot) = server.get_json_as(&viewer, "/api/bootstrap").await;
    let communes: Vec<String> = boot["org_units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "commune" && u["parent"] == "huyen-ba-to")
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(communes.len(), 19);

    // Three communes merge into a new one; their officers go with them.
    run(
        &server,
        &[
            "org",
            "merge",
            "--into",
            "xa-ba-hop",
            "--name",
            "Xã Ba Hợp",
            "ba-bich",
            "ba-dinh",
            "ba-vi",
        ],
    );
    // The district tier goes: every commune under the province, the
    // district's staff to the province, the district closed.
    let moving: Vec<&str> = communes
        .iter()
        .map(String::as_str)
        .filter(|c| !["ba-bich", "ba-dinh", "ba-vi"].contains(c))
        .chain(["xa-ba-hop"])
        .collect();
    for c in &moving {
        run(
            &server,
            &["org", "move", "--id", c, "--parent", "quang-ngai"],
        );
    }
    let (ok, _, err) = server.admin(&["org", "close", "--id", "huyen-ba-to"], None);
    assert!(!ok && err.contains("active users"), "staff first: {err}");
    for u in ["admin", "huyen-bato"] {
        run(&server, &["user", "set", "--id", u, "--unit", "quang-ngai"]);
    }
    run(&server, &["org", "close", "--id", "huyen-ba-to"]);
    let tree = run(&server, &["org", "list"]);
    assert!(
        tree.contains("huyen-ba-to  Huyện Ba Tơ (district)  [closed]"),
        "{tree}"
    );
    assert!(
        tree.contains("ba-bich  Xã Ba Bích (commune)  [closed]"),
        "{tree}"
    );
    let users = run(&server, &["user", "list"]);
    assert!(users.contains("cb-ba-bich\tofficer\txa-ba-hop"), "{users}");

    // 2024 is as it was: Ba Tơ's figures, its .docx, the province's figures.
    let (figures_after, docx_after) = report_2024(&server, dir.path(), "after");
    assert_eq!(figures_after, figures_before);
    assert!(docx_after == docx_before, "the 2024 .docx changed");
    let (_, province_after) = server
        .get_json_as(
            &viewer,
            "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=quang-ngai",
        )
        .await;
    assert_eq!(province_after, province_before);

    // A 2025 round at the province lists the new units.
    run(
        &server,
        &[
            "round",
            "open",
            "--template",
            T,
            "--period",
            "2025-H2",
            "--unit",
            "quang-ngai",
        ],
    );
    // The server sees the reviewer's new unit within seconds.
    let reviewer = server.login("huyen-bato", "baocao-demo").await;
    let path = "/api/reports?template=bao-ve-tre-em&period=2025-H2&unit=quang-ngai";
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let list = loop {
        let (status, list) = server.get_json_as(&reviewer, path).await;
        if status == 200 {
            break list;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status} {list}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    let units: BTreeSet<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, moving.iter().copied().collect::<BTreeSet<_>>());
    assert!(units.contains("xa-ba-hop") && !units.contains("ba-bich"));
    // The merged commune's officer has the 2025 report to fill in.
    let officer = server.login("cb-ba-bich", "baocao-demo").await;
    let (_, mine) = server.get_json_as(&officer, "/api/bootstrap").await;
    assert_eq!(mine["users"][0]["unit"], "xa-ba-hop", "{}", mine["users"]);
}
