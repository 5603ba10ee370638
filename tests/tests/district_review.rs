//! Issue 5: the district's conflict list (must-show 5) and a round's
//! completeness with deadlines, over the real server with accounts and
//! native clients.

use baocao_tests::{NativeClient, TestServer, child_protection_template};
use serde_json::Value as Json;
use shared::workflow::Step;
use shared::{ReportKey, Value};
use std::time::Duration;

const PASSWORD: &str = "baocao-demo";
const OFFICER: &str = "cb-ba-bich";
const OTHER_OFFICER: &str = "cb-ba-dinh";
const REVIEWER: &str = "huyen-bato";
const LIMIT: Duration = Duration::from_secs(20);

async fn phone(server: &TestServer, name: &str, token: &str) -> NativeClient {
    let mut c = NativeClient::new(name, child_protection_template());
    c.connect(&server.ws_url_as(token)).await.expect("connect");
    c
}

/// The phone's copy, once it has the report.
fn view(c: &mut NativeClient, key: &ReportKey) -> Option<shared::ReportView> {
    let doc = c.doc(&key.document_id())?;
    shared::ReportView::read(doc.document()).ok()
}

async fn get(server: &TestServer, token: &str, path: &str) -> Json {
    let (status, body) = server.get_json_as(token, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

#[tokio::test]
async fn concurrent_values_are_listed_with_their_authors_and_one_edit_resolves_them() {
    let server = TestServer::start_with_accounts().await;
    let officer = server.login(OFFICER, PASSWORD).await;
    let reviewer = server.login(REVIEWER, PASSWORD).await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2032-H1");
    let id = key.document_id();

    // Both hold the report …
    let mut commune = phone(&server, "phone-ba-bich", &officer).await;
    commune
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(2))).unwrap()
        })
        .await;
    commune.sync_until_acked(&[id], LIMIT).await.unwrap();
    let mut district = phone(&server, "laptop-ba-to", &reviewer).await;
    district.open(id).await;
    district
        .sync_until(LIMIT, |c| view(c, &key).is_some())
        .await
        .unwrap();

    // … and each sets the same field offline.
    commune.disconnect().await;
    district.disconnect().await;
    commune
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(4))).unwrap()
        })
        .await;
    district
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(5))).unwrap()
        })
        .await;
    commune.connect(&server.ws_url_as(&officer)).await.unwrap();
    district
        .connect(&server.ws_url_as(&reviewer))
        .await
        .unwrap();
    commune.sync_until_acked(&[id], LIMIT).await.unwrap();
    district.sync_until_acked(&[id], LIMIT).await.unwrap();

    // The district's list: both values, who set each, when.
    let list = get(
        &server,
        &reviewer,
        "/api/conflicts?template=bao-ve-tre-em&period=2032-H1&unit=huyen-ba-to",
    )
    .await;
    let reports = list.as_array().unwrap();
    assert_eq!(reports.len(), 1, "{list}");
    assert_eq!(reports[0]["document_id"], id.to_string());
    let one = get(&server, &reviewer, &format!("/api/reports/{id}/conflicts")).await;
    assert_eq!(one, reports[0]);
    let conflicts = one["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{one}");
    assert_eq!(conflicts[0]["field"], "officers");
    let mut sides: Vec<(i64, String)> = conflicts[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert!(v["at"].as_i64().unwrap() > 1_700_000_000_000, "{v}");
            assert!(v["user_name"].is_string(), "{v}");
            (
                v["value"].as_i64().unwrap(),
                v["user"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    sides.sort();
    assert_eq!(
        sides,
        vec![(4, OFFICER.to_string()), (5, REVIEWER.to_string())]
    );
    // Read access as for the report itself: another commune does not see it.
    let other = server.login(OTHER_OFFICER, PASSWORD).await;
    let (status, _) = server
        .get_json_as(&other, &format!("/api/reports/{id}/conflicts"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .get_json_as(
            &other,
            "/api/conflicts?template=bao-ve-tre-em&period=2032-H1&unit=huyen-ba-to",
        )
        .await;
    assert_eq!(status, 403);

    // The district keeps the commune's value: one put, synced like any edit.
    district
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(4))).unwrap()
        })
        .await;
    district.sync_until_acked(&[id], LIMIT).await.unwrap();
    commune
        .sync_until(LIMIT, |c| {
            view(c, &key).is_some_and(|v| {
                v.conflicts.is_empty() && v.fields.get("officers") == Some(&Value::Int(4))
            })
        })
        .await
        .unwrap();
    let district_view = view(&mut district, &key).unwrap();
    assert!(district_view.conflicts.is_empty());
    assert_eq!(district_view.fields.get("officers"), Some(&Value::Int(4)));
    let one = get(&server, &reviewer, &format!("/api/reports/{id}/conflicts")).await;
    assert_eq!(one["conflicts"], serde_json::json!([]));
    let list = get(
        &server,
        &reviewer,
        "/api/conflicts?template=bao-ve-tre-em&period=2032-H1&unit=huyen-ba-to",
    )
    .await;
    assert_eq!(list, serde_json::json!([]));
}

#[tokio::test]
async fn completeness_lists_every_commune_with_state_last_sync_and_timeliness() {
    let server = TestServer::start_with_accounts().await;
    let officer = server.login(OFFICER, PASSWORD).await;
    let reviewer = server.login(REVIEWER, PASSWORD).await;
    // An NĐ 09 six-monthly window whose deadline is far ahead.
    let period = "2099-NH1";
    let submitted = ReportKey::new("bao-ve-tre-em", "ba-bich", period);
    let draft = ReportKey::new("bao-ve-tre-em", "ba-dinh", period);

    let mut commune = phone(&server, "phone-ba-bich", &officer).await;
    commune
        .edit(&submitted, |r| {
            baocao_tests::fill_valid_child_protection(r, 2);
            r.take_step(Step::Submit, OFFICER, "").unwrap();
        })
        .await;
    commune
        .sync_until_acked(&[submitted.document_id()], LIMIT)
        .await
        .unwrap();
    let mut district = phone(&server, "laptop-ba-to", &reviewer).await;
    district
        .edit(&draft, |r| {
            r.set_field("officers", Some(&Value::Int(1))).unwrap()
        })
        .await;
    district
        .sync_until_acked(&[draft.document_id()], LIMIT)
        .await
        .unwrap();

    let path =
        |p: &str| format!("/api/completeness?template=bao-ve-tre-em&period={p}&unit=huyen-ba-to");
    let c: shared::review::Completeness =
        serde_json::from_value(get(&server, &reviewer, &path(period)).await).unwrap();
    // The window ends on 14/06; the template gives no extra days.
    assert_eq!(c.deadline.to_vn(), "14/06/2099");
    assert_eq!(c.units.len(), 19, "every commune of the district");
    use shared::review::Progress;
    for u in &c.units {
        let (state, on_time) = match u.unit.as_str() {
            "ba-bich" => (Progress::Submitted, Some(true)),
            "ba-dinh" => (Progress::InProgress, None),
            _ => (Progress::NotStarted, None),
        };
        assert_eq!((u.state, u.on_time), (state, on_time), "{}", u.unit);
        assert_eq!(u.last_sync.is_some(), state != Progress::NotStarted);
        assert_eq!(u.submitted_at.is_some(), state == Progress::Submitted);
    }

    // Approval keeps it on time; a return shows.
    district.open(submitted.document_id()).await;
    district
        .sync_until(LIMIT, |c| view(c, &submitted).is_some())
        .await
        .unwrap();
    district
        .edit(&submitted, |r| {
            r.take_step(Step::Approve, REVIEWER, "").unwrap()
        })
        .await;
    district
        .sync_until_acked(&[submitted.document_id()], LIMIT)
        .await
        .unwrap();
    let c: shared::review::Completeness =
        serde_json::from_value(get(&server, &reviewer, &path(period)).await).unwrap();
    let bich = c.units.iter().find(|u| u.unit == "ba-bich").unwrap();
    assert_eq!((bich.state, bich.on_time), (Progress::Approved, Some(true)));

    // A window long past: nobody submitted, so everyone is late.
    let c: shared::review::Completeness =
        serde_json::from_value(get(&server, &reviewer, &path("2024-NH1")).await).unwrap();
    assert_eq!(c.deadline.to_vn(), "14/06/2024");
    assert!(c.units.iter().all(|u| u.on_time == Some(false)));
    // A round set up with its own deadline uses it (the demo's 2024-H1).
    let c: shared::review::Completeness =
        serde_json::from_value(get(&server, &reviewer, &path("2024-H1")).await).unwrap();
    assert_eq!(c.deadline.to_iso(), "2024-07-10");
    assert!(c.units.iter().all(|u| u.state == Progress::Submitted));

    // Read access as for the round's reports.
    let (status, _) = server.get_json_as(&officer, &path(period)).await;
    assert_eq!(status, 403);
}
