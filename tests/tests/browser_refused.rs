//! Issue 5, must-show 4 on the phone itself (headless Chromium, accounts):
//! the officer's phone loses signal while the district approves the report;
//! an edit made offline afterwards is refused by the server when the signal
//! comes back — the phone keeps it, shows it in the form and says why; the
//! district reopens the report and the kept edit reaches the server without
//! the officer doing anything.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::browser::{QUICK, Screen, World};
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::workflow::{Status, Step};
use shared::{ReportKey, ReportView};
use std::time::Duration;

const PASSWORD: &str = "baocao-demo";
const OFFICER: &str = "cb-ba-dinh";
const REVIEWER: &str = "huyen-bato";
const UNIT: &str = "ba-dinh";
/// The client backs off up to 15 s between attempts.
const RECONNECT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn an_edit_refused_after_approval_is_kept_shown_and_sent_after_reopening() {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start_with_accounts().await;
    let reviewer_token = server.login(REVIEWER, PASSWORD).await;
    let key = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1");
    let id = key.document_id();

    // Online: the officer logs in and opens the (submitted) demo report.
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&format!("{}/", server.url())).await;
    world.log_in(OFFICER, PASSWORD).await;
    world.open_report_from_server(UNIT).await;
    world.wait_controlled().await;
    let before = world.value_of("[data-testid=field-officers]").await;

    // The phone loses signal; meanwhile the district approves.
    world.set_offline(true).await;
    let mut district = NativeClient::new("district", child_protection_template());
    district
        .connect(&server.ws_url_as(&reviewer_token))
        .await
        .expect("reviewer connects");
    district.open(id).await;
    let status_is = |want: Status| {
        move |c: &mut NativeClient| {
            c.doc(&id)
                .and_then(|d| ReportView::read(d.document()).ok())
                .is_some_and(|v| Status::of(v.status.as_deref()) == want)
        }
    };
    district
        .sync_until(QUICK, status_is(Status::Submitted))
        .await
        .expect("the district has the submitted report");
    district
        .edit(&key, |r| r.take_step(Step::Approve, REVIEWER, "").unwrap())
        .await;
    district
        .sync_until_acked(&[id], QUICK)
        .await
        .expect("approval stored");

    // Offline, the phone still shows "submitted": the officer changes a figure.
    world.fill("[data-testid=field-officers]", "11").await;

    // Signal again: the server refuses the edit; the phone keeps and explains it.
    world.set_offline(false).await;
    world
        .wait_until(
            "the phone says its edit was refused, and why",
            RECONNECT,
            "document.querySelector('[data-testid=refused-banner]') !== null \
             && document.querySelector('[data-testid=refused-reason]').innerText.length > 0",
        )
        .await;
    let reason: String = world
        .eval("document.querySelector('[data-testid=refused-reason]').innerText")
        .await;
    assert!(
        reason.contains("duyệt"),
        "the reason speaks of the approval: {reason}"
    );
    let on_server = |server_value: serde_json::Value| server_value["fields"]["officers"].clone();
    let (_, body) = server
        .get_json_as(&reviewer_token, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(body["status"], "approved");
    assert_eq!(
        on_server(body).to_string(),
        before,
        "the refused edit was not applied"
    );
    world.reload().await;
    world
        .wait_until(
            "the kept edit is still in the form after a reload",
            QUICK,
            "document.querySelector('[data-testid=field-officers]')?.value === '11'",
        )
        .await;

    // The district reopens: the kept edit goes through by itself.
    district
        .edit(&key, |r| r.take_step(Step::Reopen, REVIEWER, "").unwrap())
        .await;
    district
        .sync_until_acked(&[id], QUICK)
        .await
        .expect("reopen stored");
    server
        .wait_for_number(Some(&reviewer_token), &id, "officers", 11, RECONNECT)
        .await;
    world
        .wait_until(
            "the banner is gone once the server has the edit",
            RECONNECT,
            "document.querySelector('[data-testid=refused-banner]') === null",
        )
        .await;
    world.close().await;
}
