//! Must-show 3: a report is filled offline under version 1 of its template;
//! meanwhile the server moves to version 2 (a field renamed — a text, a
//! narrative and a records field —, one field added, one removed). The phone
//! meets version 2, migrates, syncs: on the server every value typed under
//! version 1 is in its new place, or kept as a retired value — and the app
//! shows them so (headless Chromium; needs `client/dist`).

use baocao_tests::browser::{QUICK, Screen, World};
use baocao_tests::{NativeClient, TestServer};
use shared::report::migrate::retired;
use shared::{ReportKey, ReportView, Template, Value};
use std::time::Duration;

/// Version 2 of the child-protection template, written from version 1:
/// `board_decision` → `board_decision_ref`, `facilities_narrative` →
/// `facilities_text`, `trainings` → `training_classes`; `assessment` removed and
/// `playgrounds` added in its place.
fn version_2(v1: &str) -> String {
    let renamed = |text: String, old: &str, new: &str| {
        text.replace(
            &format!("id = \"{old}\"\n"),
            &format!("id = \"{new}\"\nrenamed_from = [\"{old}\"]\n"),
        )
        .replace(&format!("field = \"{old}\""), &format!("field = \"{new}\""))
        .replace(
            &format!("narrative = \"{old}\""),
            &format!("narrative = \"{new}\""),
        )
    };
    let mut text = v1.replacen("version = 1", "version = 2", 1);
    text = renamed(text, "board_decision", "board_decision_ref");
    text = renamed(text, "facilities_narrative", "facilities_text");
    text = renamed(text, "trainings", "training_classes");
    // Replace the `assessment` field (its table runs to the next table
    // header) by a new one, and drop it from the consolidated report's body.
    text = text.replace("[[report.body]]\nnarrative = \"assessment\"\n\n", "");
    let start = text
        .find("[[sections.fields]]\nid = \"assessment\"")
        .expect("v1 has the assessment field");
    let end = text[start + 1..]
        .find("\n[[")
        .map_or(text.len(), |i| start + 1 + i + 1);
    text.replace_range(
        start..end,
        "[[sections.fields]]\nid = \"playgrounds\"\nlabel = \"Số sân chơi cho trẻ em\"\ntype = \"integer\"\nmin = 0\n\n",
    );
    text
}

#[tokio::test]
async fn values_typed_under_v1_survive_the_move_to_v2() {
    let root = baocao_tests::repo_root();
    let v1_text = std::fs::read_to_string(root.join("templates/bao-ve-tre-em.toml")).expect("v1");
    let v1 = Template::from_toml(&v1_text).expect("v1 parses");
    let v2_text = version_2(&v1_text);
    let v2 = Template::from_toml(&v2_text).expect("v2 parses");
    assert_eq!(v2.version, 2);
    assert!(v2.field("assessment").is_none() && v2.field("playgrounds").is_some());

    let templates = tempfile::tempdir().expect("templates dir");
    let file = templates.path().join("bao-ve-tre-em.toml");
    std::fs::write(&file, &v1_text).expect("write v1");
    let mut server = TestServer::start_with_templates(templates.path().to_path_buf()).await;

    // Offline, under version 1: a round nobody else has touched.
    let key = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H2");
    let id = key.document_id();
    let mut phone = NativeClient::new("phone", v1);
    phone
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(4))).unwrap();
            r.set_field("board_decision", Some(&Value::Str("Số 5/QĐ-UBND".into())))
                .unwrap();
            r.set_narrative("facilities_narrative", "Có 2 sân bóng.")
                .unwrap();
            r.set_narrative("assessment", "Còn thiếu cộng tác viên.")
                .unwrap();
            r.add_record("trainings", "rec-1").unwrap();
            r.set_record_value("trainings", "rec-1", "classes", Some(&Value::Int(2)))
                .unwrap();
            r.set_record_value("trainings", "rec-1", "participants", Some(&Value::Int(80)))
                .unwrap();
        })
        .await;

    // The server moves to version 2.
    server.stop().await;
    std::fs::write(&file, &v2_text).expect("write v2");
    server.restart().await;
    let boot = server.api_get("/api/bootstrap").await;
    let served = boot["templates"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == "bao-ve-tre-em"))
        .expect("the template in the directory");
    assert_eq!(served["version"], 2, "the server serves version 2");

    // The phone meets version 2 (from the directory), migrates, and syncs.
    phone.set_template(v2.clone());
    phone
        .edit(&key, |r| {
            let moves = r.migrate().expect("migrate");
            assert_eq!(moves.len(), 3, "{moves:?}");
        })
        .await;
    phone.connect(&server.ws_url()).await.expect("connect");
    phone
        .sync_until_acked(&[id], Duration::from_secs(20))
        .await
        .expect("acknowledged");

    // On the server: every v1 value is in its new place, or retired.
    let body = server.api_get(&format!("/api/reports/{id}")).await;
    let view: ReportView = serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("a report view: {e}: {body}"));
    assert_eq!(view.fields.get("officers"), Some(&Value::Int(4)));
    assert_eq!(
        view.fields.get("board_decision_ref"),
        Some(&Value::Str("Số 5/QĐ-UBND".into()))
    );
    assert!(!view.fields.contains_key("board_decision"));
    assert_eq!(
        view.narratives.get("facilities_text").map(String::as_str),
        Some("Có 2 sân bóng.")
    );
    let classes = &view.records["training_classes"];
    assert_eq!(classes.len(), 1);
    assert_eq!(classes[0].values.get("participants"), Some(&Value::Int(80)));
    let kept = retired(&v2, &view);
    assert_eq!(
        kept.narratives.get("assessment").map(String::as_str),
        Some("Còn thiếu cộng tác viên."),
        "the removed field's text is kept as retired: {kept:?}"
    );
    assert_eq!(kept.len(), 1, "nothing else is retired: {kept:?}");

    // In the app (which now has version 2): the values in their new places,
    // and the removed field's text shown as retired.
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&format!("{}/", server.url())).await;
    world.click("[data-testid=user-cb-ba-dinh]").await;
    world
        .goto(&format!(
            "{}/report/{}/{}/{}",
            server.url(),
            key.template,
            key.period,
            key.unit
        ))
        .await;
    world
        .wait_until(
            "the renamed field shows its v1 value",
            QUICK,
            "document.querySelector('[data-testid=field-board_decision_ref]')?.value === 'Số 5/QĐ-UBND'",
        )
        .await;
    world
        .wait_until(
            "the removed field's text is shown as retired",
            QUICK,
            "document.querySelector('[data-testid=retired-assessment]')?.innerText.includes('Còn thiếu cộng tác viên.')",
        )
        .await;
    world.close().await;
    server.stop().await;
}

/// With accounts, the server judges the shape of every change. A phone still
/// on version 1 writes, for the first time, a field version 2 removed and a
/// field version 2 renamed: the server, now on version 2, takes both,
/// because it recorded version 1 when it served it (`template_versions`) —
/// refusing them would block that phone's every later change to the report.
/// A key no version ever had is still refused.
#[tokio::test]
async fn a_phone_on_the_old_version_keeps_syncing_after_the_server_moves_on() {
    const LIMIT: Duration = Duration::from_secs(20);
    let root = baocao_tests::repo_root();
    let v1_text = std::fs::read_to_string(root.join("templates/bao-ve-tre-em.toml")).expect("v1");
    let v1 = Template::from_toml(&v1_text).expect("v1 parses");
    let v2_text = version_2(&v1_text);
    let templates = tempfile::tempdir().expect("templates dir");
    let file = templates.path().join("bao-ve-tre-em.toml");
    std::fs::write(&file, &v1_text).expect("write v1");
    let mut server =
        TestServer::start_with_accounts_and_templates(templates.path().to_path_buf()).await;
    server.stop().await;
    std::fs::write(&file, &v2_text).expect("write v2");
    server.restart().await;

    let token = server.login("cb-ba-dinh", "baocao-demo").await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H2");
    let id = key.document_id();
    let mut phone = NativeClient::new("phone-v1", v1);
    phone
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(4))).unwrap();
            r.set_field("board_decision", Some(&Value::Str("Số 5/QĐ-UBND".into())))
                .unwrap();
            r.set_narrative("assessment", "Còn thiếu cộng tác viên.")
                .unwrap();
        })
        .await;
    phone
        .connect(&server.ws_url_as(&token))
        .await
        .expect("connect");
    phone
        .sync_until_acked(&[id], LIMIT)
        .await
        .expect("the v1 phone's changes are taken");
    assert!(phone.refused().is_empty(), "{:?}", phone.refused());
    server
        .wait_for_number(Some(&token), &id, "officers", 4, LIMIT)
        .await;

    // A field that no version has is refused, and nothing of it is stored.
    phone
        .edit_raw(&id, |d| {
            use automerge::transaction::Transactable;
            use automerge::{ROOT, ReadDoc};
            let Some((_, fields)) = d.get(ROOT, "fields").unwrap() else {
                panic!("no fields map");
            };
            d.put(&fields, "bonus", 1_i64).unwrap();
        })
        .await;
    phone
        .sync_until(LIMIT, |c| c.refused().contains_key(&id))
        .await
        .expect("refused");
    assert_eq!(
        phone.refused().get(&id).map(String::as_str),
        Some("shape:unknown-key")
    );
    let (_, body) = server
        .get_json_as(&token, &format!("/api/reports/{id}"))
        .await;
    assert!(body["fields"].get("bonus").is_none(), "{body}");
    assert_eq!(body["fields"]["board_decision"], "Số 5/QĐ-UBND", "{body}");
}

/// Issue 17: version 2 is added with `baocao template add` while the server
/// runs and a phone holds a version 1 draft with values not yet sent. The
/// server serves version 2 without a restart; the phone meets it on its next
/// bootstrap, migrates and syncs, and every value is kept. A "version 2"
/// that would change a field's type is refused and changes nothing.
#[tokio::test]
async fn a_version_added_while_the_server_runs_migrates_a_phones_v1_draft() {
    const LIMIT: Duration = Duration::from_secs(20);
    let root = baocao_tests::repo_root();
    let v1_text = std::fs::read_to_string(root.join("templates/bao-ve-tre-em.toml")).expect("v1");
    let v1 = Template::from_toml(&v1_text).expect("v1 parses");
    let server = TestServer::start_with_accounts().await;
    let token = server.login("cb-ba-dinh", "baocao-demo").await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H2");
    let id = key.document_id();

    // A draft under version 1, partly synced, partly still on the phone.
    let mut phone = NativeClient::new("phone-v1", v1);
    phone
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(4))).unwrap()
        })
        .await;
    phone.connect(&server.ws_url_as(&token)).await.unwrap();
    phone.sync_until_acked(&[id], LIMIT).await.unwrap();
    phone.disconnect().await;
    phone
        .edit(&key, |r| {
            r.set_field("board_decision", Some(&Value::Str("Số 5/QĐ-UBND".into())))
                .unwrap();
            r.set_narrative("assessment", "Còn thiếu cộng tác viên.")
                .unwrap();
            r.add_record("trainings", "rec-1").unwrap();
            r.set_record_value("trainings", "rec-1", "participants", Some(&Value::Int(80)))
                .unwrap();
        })
        .await;

    // A wrong version 2 (a number field turned into text) is refused.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("v2-sai.toml");
    let officers = "id = \"officers\"\n";
    let at = v1_text.find(officers).expect("officers field");
    let type_at = at + v1_text[at..].find("type = \"integer\"").expect("its type");
    let wrong = version_2(&v1_text).replacen(
        &v1_text[at..type_at + "type = \"integer\"".len()],
        &v1_text[at..type_at + "type = \"integer\"".len()].replace("integer", "text"),
        1,
    );
    std::fs::write(&bad, &wrong).unwrap();
    let (ok, out, err) = server.admin(&["template", "add", bad.to_str().unwrap()], None);
    assert!(!ok && err.contains("officers"), "{out}{err}");

    // The right version 2, added while the server runs.
    let good = dir.path().join("v2.toml");
    std::fs::write(&good, version_2(&v1_text)).unwrap();
    let (ok, out, err) = server.admin(&["template", "add", good.to_str().unwrap()], None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("version 2 replaces version 1"), "{out}");

    // The phone's next bootstrap has version 2.
    let deadline = tokio::time::Instant::now() + LIMIT;
    let v2 = loop {
        let t = baocao_tests::province::served_template(&server, &token, "bao-ve-tre-em")
            .await
            .expect("served");
        if t.version == 2 {
            break t;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still version {}",
            t.version
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    phone.set_template(v2.clone());
    phone
        .edit(&key, |r| {
            let moves = r.migrate().expect("migrate");
            assert_eq!(moves.len(), 2, "{moves:?}");
        })
        .await;
    phone.connect(&server.ws_url_as(&token)).await.unwrap();
    phone.sync_until_acked(&[id], LIMIT).await.unwrap();
    assert!(phone.refused().is_empty(), "{:?}", phone.refused());

    let (_, body) = server
        .get_json_as(&token, &format!("/api/reports/{id}"))
        .await;
    let view: ReportView = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(view.fields.get("officers"), Some(&Value::Int(4)));
    assert_eq!(
        view.fields.get("board_decision_ref"),
        Some(&Value::Str("Số 5/QĐ-UBND".into()))
    );
    assert_eq!(
        view.records["training_classes"][0]
            .values
            .get("participants"),
        Some(&Value::Int(80))
    );
    let kept = retired(&v2, &view);
    assert_eq!(
        kept.narratives.get("assessment").map(String::as_str),
        Some("Còn thiếu cộng tác viên.")
    );
    // Version 1 stays readable.
    let (ok, old, _) = server.admin(
        &["template", "show", "bao-ve-tre-em", "--version", "1"],
        None,
    );
    assert!(ok && old.contains("board_decision"), "{old}");
}
