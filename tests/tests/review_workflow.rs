//! Issue 5, must-show 4: the review workflow between a commune's phone and
//! the district, with accounts, over the real server.
//!
//! submit offline → sync → return with a comment → edit → resubmit →
//! approve (while the phone is offline) → a commune edit made offline is
//! refused by the server, kept on the phone with the reason → reopen → the
//! kept edit goes through on the next sync, without the officer doing
//! anything. Every step is in the report's history with who and when.

use baocao_tests::{
    NativeClient, TestServer, child_protection_template, fill_valid_child_protection,
};
use shared::workflow::{Refusal, Status, Step};
use shared::{ReportKey, Value};
use std::time::Duration;

const PASSWORD: &str = "baocao-demo";
const OFFICER: &str = "cb-ba-bich";
const REVIEWER: &str = "huyen-bato";
const LIMIT: Duration = Duration::from_secs(20);

/// The status on this phone, once it has the report.
fn status(c: &mut NativeClient, key: &ReportKey) -> Option<Status> {
    let doc = c.doc(&key.document_id())?;
    let view = shared::ReportView::read(doc.document()).ok()?;
    Some(Status::of(view.status.as_deref()))
}

/// Syncs `c` until its copy of the report has `want`.
async fn until_status(c: &mut NativeClient, key: &ReportKey, want: Status) {
    c.sync_until(LIMIT, |c| status(c, key) == Some(want))
        .await
        .unwrap_or_else(|e| panic!("{e}: waiting for {want:?}"));
}

/// Syncs until the server refuses the phone's changes to `id`, for `want`.
async fn expect_refusal(phone: &mut NativeClient, id: &shared::DocumentId, want: Refusal) {
    phone
        .sync_until(LIMIT, |c| c.refused().contains_key(id))
        .await
        .unwrap_or_else(|e| panic!("{e}: waiting for the refusal {want:?}"));
    assert_eq!(
        phone.refused().get(id).map(String::as_str),
        Some(want.code())
    );
}

#[tokio::test]
async fn submit_return_resubmit_approve_refuse_reopen() {
    let server = TestServer::start_with_accounts().await;
    let officer_token = server.login(OFFICER, PASSWORD).await;
    let reviewer_token = server.login(REVIEWER, PASSWORD).await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2031-H1");
    let id = key.document_id();
    let officers = |c: &mut NativeClient| c.view(&key).fields.get("officers").cloned();

    // The commune fills in and submits offline; it travels with the next sync.
    let mut phone = NativeClient::new("phone-ba-bich", child_protection_template());
    phone
        .edit(&key, |r| {
            fill_valid_child_protection(r, 2);
            r.take_step(Step::Submit, OFFICER, "").unwrap();
        })
        .await;
    phone
        .connect(&server.ws_url_as(&officer_token))
        .await
        .unwrap();
    phone.sync_until_acked(&[id], LIMIT).await.unwrap();

    // The district returns it with a comment.
    let mut district = NativeClient::new("district-ba-to", child_protection_template());
    district
        .connect(&server.ws_url_as(&reviewer_token))
        .await
        .unwrap();
    district.open(id).await;
    until_status(&mut district, &key, Status::Submitted).await;
    let comment = "Thiếu số cộng tác viên, đề nghị bổ sung";
    district
        .edit(&key, |r| {
            r.take_step(Step::Return, REVIEWER, comment).unwrap()
        })
        .await;
    district.sync_until_acked(&[id], LIMIT).await.unwrap();

    // The phone sees the comment, edits and resubmits.
    until_status(&mut phone, &key, Status::Returned).await;
    let last = phone.view(&key).history.last().cloned().unwrap();
    assert_eq!(
        (last.by.as_str(), last.comment.as_str()),
        (REVIEWER, comment)
    );
    phone
        .edit(&key, |r| {
            r.set_field("collaborators", Some(&Value::Int(5))).unwrap();
            r.take_step(Step::Submit, OFFICER, "Đã bổ sung").unwrap();
        })
        .await;
    phone.sync_until_acked(&[id], LIMIT).await.unwrap();

    // The phone loses signal; meanwhile the district approves.
    phone.disconnect().await;
    until_status(&mut district, &key, Status::Submitted).await;
    district
        .edit(&key, |r| r.take_step(Step::Approve, REVIEWER, "").unwrap())
        .await;
    district.sync_until_acked(&[id], LIMIT).await.unwrap();

    // Offline, the officer (who has not heard of the approval) changes a
    // figure. On the next sync the server refuses it with the reason.
    phone
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(3))).unwrap()
        })
        .await;
    phone
        .connect(&server.ws_url_as(&officer_token))
        .await
        .unwrap();
    expect_refusal(&mut phone, &id, Refusal::Approved).await;
    // Kept on the phone, which now also knows the report is approved …
    until_status(&mut phone, &key, Status::Approved).await;
    assert_eq!(officers(&mut phone), Some(Value::Int(3)));
    assert!(!phone.is_acked(&id));
    // … and not on the server.
    let (code, body) = server
        .get_json_as(&reviewer_token, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["fields"]["officers"], 2);
    assert_eq!(body["status"], "approved");

    // The district reopens; the kept edit goes through with no action on
    // the phone.
    district
        .edit(&key, |r| {
            r.take_step(Step::Reopen, REVIEWER, "Mở lại theo đề nghị của xã")
                .unwrap()
        })
        .await;
    district.sync_until_acked(&[id], LIMIT).await.unwrap();
    phone
        .sync_until(LIMIT, |c| c.is_acked(&id) && c.refused().is_empty())
        .await
        .unwrap();
    let (_, body) = server
        .get_json_as(&reviewer_token, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(body["fields"]["officers"], 3, "{body}");
    assert_eq!(body["status"], "returned");

    // Every transition, with who and when.
    let history = phone.view(&key).history;
    let steps: Vec<(Step, &str)> = history.iter().map(|t| (t.step, t.by.as_str())).collect();
    assert_eq!(
        steps,
        vec![
            (Step::Submit, OFFICER),
            (Step::Return, REVIEWER),
            (Step::Submit, OFFICER),
            (Step::Approve, REVIEWER),
            (Step::Reopen, REVIEWER),
        ]
    );
    assert!(
        history
            .windows(2)
            .all(|w| w[0].at <= w[1].at && w[0].at > 0)
    );
    assert_eq!(body["history"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn a_step_recorded_in_someone_elses_name_is_refused() {
    let server = TestServer::start_with_accounts().await;
    let token = server.login(OFFICER, PASSWORD).await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2031-H2");
    let id = key.document_id();
    let mut phone = NativeClient::new("phone-ba-bich", child_protection_template());
    phone
        .edit(&key, |r| r.take_step(Step::Submit, REVIEWER, "").unwrap())
        .await;
    phone.connect(&server.ws_url_as(&token)).await.unwrap();
    expect_refusal(&mut phone, &id, Refusal::History).await;
}

/// The server validates a submission as the phone does: a phone that submits
/// a report with errors (an old app, another client) is refused with
/// `workflow:invalid`, keeps its edits, and the submission goes through once
/// a later edit fixes the errors.
#[tokio::test]
async fn a_submission_with_errors_is_refused_until_they_are_fixed() {
    let server = TestServer::start_with_accounts().await;
    let token = server.login(OFFICER, PASSWORD).await;
    let reviewer = server.login(REVIEWER, PASSWORD).await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2032-H1");
    let id = key.document_id();
    let mut phone = NativeClient::new("phone-ba-bich", child_protection_template());
    phone
        .edit(&key, |r| {
            fill_valid_child_protection(r, 2);
            // More villages with a cultural point than villages: a rule fails.
            r.set_field("cultural_points", Some(&Value::Int(9)))
                .unwrap();
            r.take_step(Step::Submit, OFFICER, "").unwrap();
        })
        .await;
    phone.connect(&server.ws_url_as(&token)).await.unwrap();
    expect_refusal(&mut phone, &id, Refusal::Invalid).await;
    let (code, _) = server
        .get_json_as(&reviewer, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(code, 404, "nothing of the refused submission is stored");

    phone
        .edit(&key, |r| {
            r.set_field("cultural_points", Some(&Value::Int(4)))
                .unwrap()
        })
        .await;
    phone
        .sync_until(LIMIT, |c| c.is_acked(&id) && c.refused().is_empty())
        .await
        .unwrap();
    let (_, body) = server
        .get_json_as(&reviewer, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(body["status"], "submitted", "{body}");
    assert_eq!(body["fields"]["cultural_points"], 4, "{body}");
}
