//! Issue 5 in the web app (headless Chromium, server without accounts until
//! the login screen lands): the district reviewer returns a submitted
//! report with a comment, the commune officer sees it in the history and
//! resubmits, the reviewer approves, and the officer's form is read-only;
//! the district page lists the submissions and says there are no conflicts.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use shared::ReportKey;
use std::time::Duration;

const OFFICER: &str = "cb-ba-dinh";
const REVIEWER: &str = "huyen-bato";
const UNIT: &str = "ba-dinh";
const COMMENT: &str = "Bo sung so cong tac vien";

/// Chooses `user` (the demo's user picker) and opens the report; waits
/// for the button of `step` when one is named.
async fn open_as(world: &World, server: &TestServer, user: &str, step: &str) {
    world.choose_user(&server.url(), user).await;
    world
        .goto(&format!(
            "{}/report/bao-ve-tre-em/2024-H1/{UNIT}",
            server.url()
        ))
        .await;
    world
        .wait_until(
            "the report arrived from the server",
            QUICK,
            "document.querySelector('[data-testid=field-villages]')?.value !== ''",
        )
        .await;
    if !step.is_empty() {
        world.wait_for(&format!("[data-testid=step-{step}]")).await;
    }
}

/// Opens the district page of the demo round and waits until `expression`.
async fn open_district(world: &World, server: &TestServer, what: &str, expression: &str) {
    world
        .goto(&format!(
            "{}/district/bao-ve-tre-em/2024-H1/huyen-ba-to",
            server.url()
        ))
        .await;
    world.wait_until(what, QUICK, expression).await;
}

/// Polls the server until the report's status is `want`.
async fn server_status(server: &TestServer, want: &str) -> serde_json::Value {
    let doc = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1").document_id();
    let deadline = tokio::time::Instant::now() + QUICK;
    loop {
        let (code, body) = server.get_json(&format!("/api/reports/{doc}")).await;
        if code == 200 && body["status"] == want {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "status not {want}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn return_resubmit_approve_in_the_web_app() {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;

    // The reviewer returns the demo's submitted report with a comment.
    open_as(&world, &server, REVIEWER, "return").await;
    world.fill("[data-testid=review-comment]", COMMENT).await;
    world.click("[data-testid=step-return]").await;
    let body = server_status(&server, "returned").await;
    assert_eq!(body["history"][0]["comment"], COMMENT);
    assert_eq!(body["history"][0]["by"], REVIEWER);

    // The officer sees the comment and resubmits.
    open_as(&world, &server, OFFICER, "submit").await;
    world
        .wait_until(
            "the history shows the return with its comment",
            QUICK,
            &format!(
                "document.querySelector('[data-testid=history-return]')?.innerText.includes('{COMMENT}')"
            ),
        )
        .await;
    world.click("[data-testid=step-submit]").await;
    server_status(&server, "submitted").await;

    // The reviewer approves.
    open_as(&world, &server, REVIEWER, "approve").await;
    world.click("[data-testid=step-approve]").await;
    server_status(&server, "approved").await;

    // The officer's form no longer takes edits.
    open_as(&world, &server, OFFICER, "").await;
    world
        .wait_until(
            "the approved report is read-only for the officer",
            QUICK,
            "document.querySelector('[data-testid=read-only]') !== null \
             && document.querySelector('fieldset.sections').disabled \
             && document.querySelector('[data-testid=step-submit]') === null",
        )
        .await;

    // The district page: submissions with their state, and no conflicts.
    open_district(
        &world,
        &server,
        "the submissions table shows the approval",
        "document.querySelector('[data-testid=submission-ba-dinh] .status-approved') !== null \
             && document.querySelector('[data-testid=no-conflicts]') !== null",
    )
    .await;
    world.close().await;
}

/// Two phones set one field offline; the reviewer sees both values on the
/// district page, keeps one on the report form, and the conflict is gone
/// on the server and on the phones.
#[tokio::test]
async fn the_reviewer_resolves_a_conflict_in_the_web_app() {
    use baocao_tests::{NativeClient, child_protection_template};
    use shared::Value;
    let server = TestServer::start().await;
    let key = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1");
    let id = key.document_id();
    let limit = Duration::from_secs(20);
    let mut phones = Vec::new();
    for (name, officers) in [("phone-a", 4), ("phone-b", 5)] {
        let mut p = NativeClient::new(name, child_protection_template());
        p.connect(&server.ws_url()).await.unwrap();
        p.open(id).await;
        p.sync_until(limit, |c| !c.heads(&id).is_empty())
            .await
            .unwrap();
        p.disconnect().await;
        p.edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(officers)))
                .unwrap()
        })
        .await;
        phones.push(p);
    }
    for p in &mut phones {
        p.connect(&server.ws_url()).await.unwrap();
        p.sync_until_acked(&[id], limit).await.unwrap();
    }

    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&format!("{}/", server.url())).await;
    world.click(&format!("[data-testid=user-{REVIEWER}]")).await;
    open_district(
        &world,
        &server,
        "the district page lists both values",
        "document.querySelectorAll('[data-testid=conflict-ba-dinh-officers] li').length === 2",
    )
    .await;
    open_as(&world, &server, REVIEWER, "").await;
    world.click("[data-testid=keep-officers-1]").await;

    let path = format!("/api/reports/{id}/conflicts");
    let deadline = tokio::time::Instant::now() + QUICK;
    loop {
        let (_, body) = server.get_json(&path).await;
        if body["conflicts"] == serde_json::json!([]) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let kept = server.get_json(&format!("/api/reports/{id}")).await.1["fields"]["officers"]
        .as_i64()
        .unwrap();
    assert!(kept == 4 || kept == 5, "{kept}");
    for p in &mut phones {
        p.sync_until(limit, |c| {
            let v = c.view(&key);
            v.conflicts.is_empty() && v.fields.get("officers") == Some(&Value::Int(kept))
        })
        .await
        .unwrap();
    }
    world
        .wait_until(
            "the form shows no conflict",
            QUICK,
            "document.querySelector('[data-testid=conflicts]') === null",
        )
        .await;
    world.close().await;
}
