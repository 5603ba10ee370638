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
    world.goto(&format!("{}/", server.url())).await;
    world.click(&format!("[data-testid=user-{user}]")).await;
    world
        .wait_until("the report list", QUICK, "location.pathname === '/reports'")
        .await;
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
    let dist = baocao_tests::repo_root().join("client/dist/index.html");
    assert!(
        dist.exists(),
        "{} is missing: build the web client first (scripts/build-client.sh)",
        dist.display()
    );
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
    world
        .goto(&format!(
            "{}/district/bao-ve-tre-em/2024-H1/huyen-ba-to",
            server.url()
        ))
        .await;
    world
        .wait_until(
            "the submissions table shows the approval",
            QUICK,
            "document.querySelector('[data-testid=submission-ba-dinh] .status-approved') !== null \
             && document.querySelector('[data-testid=no-conflicts]') !== null",
        )
        .await;
    world.close().await;
}
