//! Issue 16, must-show 1: the unmodified JavaScript automerge-repo client,
//! logged in as a commune officer, writes every class of bad change into the
//! officer's own *submitted* report (the demo's Ba Bích report, counted in
//! the district's figures): a wrong scalar type, a text object where a scalar
//! belongs, a deleted and a replaced container, unknown keys, a status and a
//! history entry written by hand, and a value out of range. The server
//! refuses each one with its reason code; the stored report, its status and
//! the district figures stay as they were; a well-formed JS edit is taken;
//! and the officer's own phone (the native client on the shared sync code)
//! keeps syncing its legitimate edits.

use baocao_tests::{NativeClient, TestServer, child_protection_template, js_peer};
use serde_json::{Value as Json, json};
use shared::{ReportKey, Value};
use std::time::Duration;

const PASSWORD: &str = "baocao-demo";
const OFFICER: &str = "cb-ba-bich";
const REVIEWER: &str = "huyen-bato";
const LIMIT: Duration = Duration::from_secs(20);
const FIGURES: &str = "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

/// One bad change: what it is, the raw operations, the code it is refused with.
struct Bad {
    what: &'static str,
    ops: Json,
    code: &'static str,
}

fn bad_changes() -> Vec<Bad> {
    let put = |path: Json, value: Json| json!({"op": "put", "path": path, "value": value});
    let put_str = |path: Json, s: &str| json!({"op": "put", "path": path, "str": s});
    vec![
        Bad {
            what: "a string written into an integer field",
            ops: json!([put_str(json!(["fields", "villages"]), "bốn")]),
            code: "shape:type",
        },
        Bad {
            what: "a decimal written into an integer field",
            ops: json!([put(json!(["fields", "villages"]), json!(4.5))]),
            code: "shape:type",
        },
        Bad {
            what: "a text object (a JS string) where an integer belongs",
            ops: json!([put(json!(["fields", "villages"]), json!("4"))]),
            code: "shape:type",
        },
        Bad {
            what: "a string written into a yes/no field",
            ops: json!([put_str(json!(["fields", "board_established"]), "có")]),
            code: "shape:type",
        },
        Bad {
            what: "the fields map deleted",
            ops: json!([{"op": "delete", "path": ["fields"]}]),
            code: "shape:container",
        },
        Bad {
            what: "the fields map replaced by another",
            ops: json!([put(json!(["fields"]), json!({"villages": 4}))]),
            code: "shape:container",
        },
        Bad {
            what: "a records list replaced by a scalar",
            ops: json!([put(json!(["records:documents"]), json!(0))]),
            code: "shape:container",
        },
        Bad {
            what: "a field the template does not have",
            ops: json!([put(json!(["fields", "bonus"]), json!(1))]),
            code: "shape:unknown-key",
        },
        Bad {
            what: "a key at the root that is not a report's",
            ops: json!([put(json!(["note"]), json!(1))]),
            code: "shape:unknown-key",
        },
        Bad {
            what: "the report's unit changed",
            ops: json!([put_str(json!(["unit"]), "ba-to")]),
            code: "shape:identity",
        },
        Bad {
            what: "status written as a JS string (a text object)",
            ops: json!([put(json!(["status"]), json!("submitted"))]),
            code: "shape:status",
        },
        Bad {
            what: "status deleted",
            ops: json!([{"op": "delete", "path": ["status"]}]),
            code: "shape:status",
        },
        Bad {
            what: "the officer approving their own report by hand",
            ops: json!([put_str(json!(["status"]), "approved")]),
            code: "workflow:review-only",
        },
        Bad {
            what: "a status outside the workflow",
            ops: json!([put_str(json!(["status"]), "done")]),
            code: "shape:status",
        },
        Bad {
            what: "a history entry written by hand (strings as text objects)",
            ops: json!([put(
                json!(["history"]),
                json!([{
                    "step": "approve", "status": "approved", "by": REVIEWER, "at": 1, "comment": ""
                }])
            )]),
            code: "shape:container",
        },
        Bad {
            what: "a value out of range on the submitted report",
            ops: json!([put(json!(["fields", "villages"]), json!(-5000))]),
            code: "workflow:out-of-limits",
        },
        Bad {
            what: "a value above its field's maximum on the submitted report",
            ops: json!([put(json!(["fields", "officers"]), json!(51))]),
            code: "workflow:out-of-limits",
        },
    ]
}

#[tokio::test]
async fn every_bad_change_from_a_js_client_is_refused_and_changes_nothing() {
    let server = TestServer::start_with_accounts().await;
    let officer = server.login(OFFICER, PASSWORD).await;
    let reviewer = server.login(REVIEWER, PASSWORD).await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2024-H1");
    let id = key.document_id();
    let report = format!("/api/reports/{id}");
    let ws = server.ws_url_as(&officer);

    let (status, stored) = server.get_json_as(&officer, &report).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(
        stored["status"], "submitted",
        "the demo report is submitted"
    );
    let (_, figures) = server.get_json_as(&reviewer, FIGURES).await;
    assert!(
        figures["figures"]["villages"]["value"].as_f64() > Some(4.0),
        "the district counts Ba Bích's villages among others: {figures}"
    );

    // The JS client reads the report as the officer.
    let fetched = js_peer::run("fetch", &ws, &[("id", &id.to_string())]).await;
    assert_eq!(fetched["doc"]["fields"]["villages"], 4, "{fetched}");

    for bad in bad_changes() {
        let answer = js_peer::run(
            "edit",
            &ws,
            &[
                ("id", &id.to_string()),
                ("ops", &bad.ops.to_string()),
                ("expect", "refused"),
            ],
        )
        .await;
        assert_eq!(
            answer["refused"], bad.code,
            "{}: the server refuses it with its reason: {answer}",
            bad.what
        );
        let (_, now) = server.get_json_as(&officer, &report).await;
        assert_eq!(now, stored, "{}: the stored report is unchanged", bad.what);
        let (_, f) = server.get_json_as(&reviewer, FIGURES).await;
        assert_eq!(
            f, figures,
            "{}: the district figures are unchanged",
            bad.what
        );
    }

    // A well-formed edit from the same JS client is taken (an integer
    // within the field's limits, as Automerge writes a JS integer).
    let ok = js_peer::run(
        "edit",
        &ws,
        &[
            ("id", &id.to_string()),
            (
                "ops",
                &json!([{"op": "put", "path": ["fields", "villages"], "value": 5}]).to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(ok["doc"]["fields"]["villages"], 5);
    let (_, now) = server.get_json_as(&officer, &report).await;
    assert_eq!(now["fields"]["villages"], 5, "{now}");
    assert_eq!(now["status"], "submitted");

    // The officer's own phone keeps syncing its legitimate edits.
    let mut phone = NativeClient::new("phone-ba-bich", child_protection_template());
    phone.connect(&ws).await.expect("connect");
    phone.open(id).await;
    phone
        .sync_until(LIMIT, |c| {
            c.doc(&id)
                .and_then(|d| shared::ReportView::read(d.document()).ok())
                .is_some_and(|v| v.fields.get("villages") == Some(&Value::Int(5)))
        })
        .await
        .expect("the phone receives the report");
    phone
        .edit(&key, |r| {
            r.set_field("collaborators", Some(&Value::Int(5))).unwrap();
        })
        .await;
    phone
        .sync_until_acked(&[id], LIMIT)
        .await
        .expect("the phone's edit is acknowledged");
    assert!(
        phone.refused().is_empty(),
        "nothing of the phone's is refused: {:?}",
        phone.refused()
    );
    server
        .wait_for_number(Some(&officer), &id, "collaborators", 5, LIMIT)
        .await;
}
