//! The report form as a new officer meets it, in headless Chromium at phone
//! size (server without accounts: the demo's user picker):
//! - a date is typed on the number pad, its slashes supplied; half a date is
//!   no error while typing, only once she leaves the box; a date typed and
//!   left is stored, and the row moves to its place in date order once she
//!   leaves the list;
//! - "1.5" in a whole-number field is refused with a message, never stored
//!   as 15 (nor as the "1" typed on the way);
//! - "cannot submit yet" goes as soon as the last required figure is in,
//!   before the next press of the button; an empty optional list counts as
//!   done in the progress; a submitted report says edits change it.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use shared::ReportKey;
use shared::template::{FieldType, Role};
use std::time::Duration;

const OFFICER: &str = "cb-ba-dinh";
const REVIEWER: &str = "huyen-bato";
const UNIT: &str = "ba-dinh";

/// Chooses `user` on the start screen and opens `/report/{template}/{period}/ba-dinh`.
async fn open_as(world: &World, server: &TestServer, user: &str, template: &str, period: &str) {
    world.choose_user(&server.url(), user).await;
    world
        .goto(&format!(
            "{}/report/{template}/{period}/{UNIT}",
            server.url()
        ))
        .await;
    world.wait_for("[data-testid=report-form]").await;
}

/// The demo's Ba Dinh report of 2024-H1.
fn demo_report() -> ReportKey {
    ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1")
}

/// A server, and a fresh phone on which the officer has opened [`demo_report`].
async fn officer_on_the_demo_report() -> (TestServer, World, tempfile::TempDir) {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    let key = demo_report();
    open_as(&world, &server, OFFICER, &key.template, &key.period).await;
    (server, world, profile)
}

/// Puts the caret at the end of `selector` and types `keys` one by one, as
/// a thumb does (no waiting for any particular result).
async fn type_keys(world: &World, selector: &str, keys: &str) {
    focus(world, selector).await;
    let _: bool = world
        .eval(&format!(
            "(() => {{ const e = document.querySelector('{selector}'); \
             e.setSelectionRange(e.value.length, e.value.length); return true; }})()"
        ))
        .await;
    world
        .page()
        .find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("find {selector}: {e}"))
        .type_str(keys)
        .await
        .unwrap_or_else(|e| panic!("type into {selector}: {e}"));
}

/// Moves the focus into `selector`, as a finger tapping it does (the CDP
/// click lands off a box the page has just scrolled to, now and then).
async fn focus(world: &World, selector: &str) {
    let _: bool = world
        .eval(&format!(
            "(() => {{ const e = document.querySelector('{selector}'); e.scrollIntoView(); \
             e.focus(); return document.activeElement === e; }})()"
        ))
        .await;
}

/// Leaves whatever box has the focus.
async fn leave(world: &World) {
    let _: bool = world
        .eval("(() => { document.activeElement?.blur(); return true; })()")
        .await;
}

async fn value_is(world: &World, selector: &str, want: &str) {
    world
        .wait_until(
            &format!("{selector} reads {want:?}"),
            QUICK,
            &format!(
                "document.querySelector('{selector}')?.value === {}",
                serde_json::to_string(want).expect("json")
            ),
        )
        .await;
}

/// Leaves the box and waits for its message (`error`): its text.
async fn judged_on_leaving(world: &World, error: &str) -> String {
    leave(world).await;
    world
        .wait_until(&format!("{error} is shown"), QUICK, &shown(error))
        .await;
    world
        .eval(&format!("document.querySelector('{error}').innerText"))
        .await
}

fn shown(selector: &str) -> String {
    format!("document.querySelector('{selector}') !== null")
}

async fn is_shown(world: &World, selector: &str) -> bool {
    world.eval(&shown(selector)).await
}

/// Waits until the page says the report is on the server, then reads it there.
async fn on_server(world: &World, server: &TestServer, key: &ReportKey) -> serde_json::Value {
    world
        .wait_until(
            "the report is on the server",
            QUICK,
            "document.querySelector('[data-testid=report-sync-state]')?.dataset.state === 'server'",
        )
        .await;
    server
        .api_get(&format!("/api/reports/{}", key.document_id()))
        .await
}

#[tokio::test]
async fn dates_are_typed_on_the_number_pad_and_judged_when_the_box_is_left() {
    let (server, world, _profile) = officer_on_the_demo_report().await;
    let key = demo_report();
    // The demo's one document of Ba Dinh (18/04/2024) arrives; a new row.
    world.wait_for("[data-testid=record-documents-0]").await;
    world.click("[data-testid=add-record-documents]").await;
    let date = "[data-testid=record-documents-1-date]";
    let error = "[data-testid=record-documents-1-date-error]";
    world.wait_for(date).await;

    let inputmode: String = world
        .eval(&format!("document.querySelector('{date}').inputMode"))
        .await;
    assert_eq!(inputmode, "numeric", "the number pad opens for a date");

    // Half a date, digits only: the slash is supplied, and it is no error yet.
    type_keys(&world, date, "2203").await;
    value_is(&world, date, "22/03").await;
    assert!(!is_shown(&world, error).await, "no error while typing");
    let invalid: bool = world
        .eval(&format!(
            "document.querySelector('{date}').classList.contains('invalid')"
        ))
        .await;
    assert!(!invalid, "the box is not marked wrong while typing");

    // Leaving it half done: now it is an error.
    let message = judged_on_leaving(&world, error).await;
    assert!(message.contains("dd/mm/yyyy"), "{message}");

    // Finishing it: the message goes as soon as it reads, before leaving.
    type_keys(&world, date, "2024").await;
    value_is(&world, date, "22/03/2024").await;
    world
        .wait_until(
            "the message goes once the date reads",
            QUICK,
            &format!("document.querySelector('{error}') === null"),
        )
        .await;

    // Left for the number box of the same row: stored; the row stays put
    // while the officer is in the list, and moves before 18/04/2024 after.
    focus(&world, "[data-testid=record-documents-1-number]").await;
    let first_row = "document.querySelector('[data-testid=add-record-documents]')\
        .closest('fieldset').querySelector('.record').dataset.testid";
    // (A moment for a re-sort that should not come.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(world.eval::<String>(first_row).await, "record-documents-0");
    let focused: String = world
        .eval("document.activeElement?.dataset?.testid ?? 'none'")
        .await;
    assert_eq!(focused, "record-documents-1-number");
    leave(&world).await;
    world
        .wait_until(
            "the row dated 22/03/2024 is shown first",
            QUICK,
            &format!("{first_row} === 'record-documents-1'"),
        )
        .await;
    let label: String = world
        .eval("document.querySelector('[data-testid=record-documents-1] .record-head span').innerText")
        .await;
    assert_eq!(label, "Dòng 1");

    // A date typed with its own slashes, and the page left straight away.
    world.click("[data-testid=add-record-documents]").await;
    let second = "[data-testid=record-documents-2-date]";
    world.wait_for(second).await;
    type_keys(&world, second, "05/06/2024").await;
    value_is(&world, second, "05/06/2024").await;
    world.click("a.back").await;
    world
        .wait_until("the list", QUICK, "location.pathname === '/reports'")
        .await;
    // Back to the report, loaded afresh from the phone.
    let k = &key;
    let url = format!(
        "{}/report/{}/{}/{}",
        server.url(),
        k.template,
        k.period,
        k.unit
    );
    world.goto(&url).await;
    value_is(&world, date, "22/03/2024").await;
    value_is(&world, second, "05/06/2024").await;

    let body = on_server(&world, &server, &key).await;
    let mut dates: Vec<String> = body["records"]["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|r| r["values"]["date"].as_str().map(str::to_string))
        .collect();
    dates.sort();
    assert_eq!(dates, ["2024-03-22", "2024-04-18", "2024-06-05"], "{body}");
    world.close().await;
}

#[tokio::test]
async fn a_fraction_in_a_whole_number_field_is_refused_with_a_message() {
    let (server, world, _profile) = officer_on_the_demo_report().await;
    let key = demo_report();
    let officers = "[data-testid=field-officers]";
    let error = "[data-testid=field-officers-error]";
    value_is(&world, officers, "2").await;

    world.fill(officers, "1.5").await;
    assert!(
        !is_shown(&world, error).await,
        "judged on leaving, not before"
    );
    let message = judged_on_leaving(&world, error).await;
    assert!(message.contains("số nguyên"), "{message}");
    value_is(&world, officers, "1.5").await;
    let body = on_server(&world, &server, &key).await;
    assert!(
        body["fields"]["officers"].is_null(),
        "neither 15 nor the 1 typed on the way: {}",
        body["fields"]["officers"]
    );

    // Fixed: the message goes at once, and the number reaches the server.
    world.fill(officers, "12").await;
    world
        .wait_until(
            "the message goes once the number reads",
            QUICK,
            &format!("document.querySelector('{error}') === null"),
        )
        .await;
    server
        .wait_for_number(None, &key.document_id(), "officers", 12, QUICK)
        .await;
    world.close().await;
}

#[tokio::test]
async fn cannot_submit_yet_goes_once_fixed_and_a_submitted_report_says_edits_change_it() {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start().await;
    let template = baocao_tests::exports::template("phong-chong-duoi-nuoc");
    let key = ReportKey::new(&template.id, UNIT, "2024");
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    open_as(&world, &server, OFFICER, &template.id, "2024").await;

    // Nothing entered yet: only the empty optional list of swimming classes
    // is done.
    let fields: Vec<_> = template
        .fields()
        .filter(|(s, _)| s.scope.includes(Role::Reporting))
        .map(|(_, f)| f)
        .collect();
    let progress = "document.querySelector('[data-testid=form-progress]').innerText";
    world
        .wait_until(
            "the progress counts the empty optional list",
            QUICK,
            &format!("{progress}.startsWith('1/{} ')", fields.len()),
        )
        .await;

    world.click("[data-testid=step-submit]").await;
    world.wait_for("[data-testid=submit-blocked]").await;
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required && matches!(f.ty, FieldType::Integer { .. }))
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(required.len(), 5, "{required:?}");
    let (last, before) = required.split_last().expect("fields");
    for id in before {
        world.fill(&format!("[data-testid=field-{id}]"), "1").await;
    }
    assert!(
        is_shown(&world, "[data-testid=submit-blocked]").await,
        "still blocked with one required figure missing"
    );
    world
        .fill(&format!("[data-testid=field-{last}]"), "1")
        .await;
    world
        .wait_until(
            "the banner goes without pressing submit again",
            QUICK,
            "document.querySelector('[data-testid=submit-blocked]') === null",
        )
        .await;
    assert!(!is_shown(&world, "[data-testid=submitted-note]").await);

    world.click("[data-testid=step-submit]").await;
    world.wait_for("[data-testid=submitted-note]").await;
    let note: String = world
        .eval("document.querySelector('[data-testid=submitted-note]').innerText")
        .await;
    assert!(
        note.contains("đã nộp") && note.contains("cấp trên"),
        "{note}"
    );
    let body = on_server(&world, &server, &key).await;
    assert_eq!(body["status"], "submitted", "{body}");

    // The reviewer is not told her corrections go to herself.
    open_as(&world, &server, REVIEWER, &template.id, "2024").await;
    world.wait_for("[data-testid=step-approve]").await;
    assert!(!is_shown(&world, "[data-testid=submitted-note]").await);
    world.close().await;
}
