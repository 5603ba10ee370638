//! Must-show 1 and the English switch, in headless Chromium at 360×640 with a
//! mobile user agent: the app installs its service worker; the server goes
//! away; the page reloads from the service worker and the officer fills in the
//! whole report (every field of her sections, a new row in each records
//! field); the browser is closed and started again on the same profile, still
//! offline, and every value is there; the server comes back and gets them.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use shared::ReportKey;
use shared::template::{FieldType, Role};
use std::time::Duration;

const OFFICER: &str = "cb-ba-dinh";
const UNIT: &str = "ba-dinh";

/// One thing typed or chosen, and how to read it back.
struct Entry {
    selector: String,
    value: String,
    select: bool,
}

/// What the officer enters into a field (or a column) of this type.
fn input_for(id: &str, ty: &FieldType) -> Option<(String, bool)> {
    Some(match ty {
        FieldType::Integer { max, .. } => (max.unwrap_or(12).min(12).to_string(), false),
        FieldType::Decimal { .. } => ("2,5".into(), false),
        FieldType::Bool => ("true".into(), true),
        FieldType::Choice { options } => (options.first()?.value.clone(), true),
        FieldType::Date => ("22/03/2024".into(), false),
        FieldType::Text { .. } => (format!("So 12/KH-UBND {id}"), false),
        FieldType::Narrative => (format!("Ghi chu ve {id}."), false),
        FieldType::Records { .. } => return None,
    })
}

#[tokio::test]
async fn a_whole_report_filled_offline_on_a_phone_survives_a_browser_restart() {
    baocao_tests::browser::require_built_client();
    let template = baocao_tests::child_protection_template();
    let mut server = TestServer::start().await;
    let key = ReportKey::new(&template.id, UNIT, "2024-H1");
    let report_url = format!(
        "{}/report/{}/{}/{}",
        server.url(),
        key.template,
        key.period,
        key.unit
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;

    // Online, once: choose the officer; the list is in Vietnamese, and the
    // English switch works both ways.
    world.goto(&format!("{}/", server.url())).await;
    world.click(&format!("[data-testid=user-{OFFICER}]")).await;
    world
        .wait_for(&format!("[data-testid=report-{UNIT}]"))
        .await;
    let heading = "document.querySelector('.list h1')?.innerText";
    assert_eq!(world.eval::<String>(heading).await, "Báo cáo của tôi");
    world.click("[data-testid=lang-switch]").await;
    world
        .wait_until(
            "the app speaks English",
            QUICK,
            &format!("{heading} === 'My reports' && document.documentElement.lang === 'en'"),
        )
        .await;
    world.click("[data-testid=lang-switch]").await;
    world
        .wait_until(
            "the app speaks Vietnamese again",
            QUICK,
            &format!("{heading} === 'Báo cáo của tôi' && document.documentElement.lang === 'vi'"),
        )
        .await;

    // The report arrives from the server; the service worker takes the page.
    world.open_report_from_server(UNIT).await;
    world.wait_controlled().await;

    // Offline: no server at all. The app opens from the service worker.
    server.stop().await;
    world.reload().await;
    world.wait_for("[data-testid=field-villages]").await;

    // Fill in the whole report: every field of the commune's sections, and a
    // new row in every records field.
    let mut entries = Vec::new();
    for section in template
        .sections
        .iter()
        .filter(|s| s.scope.includes(Role::Reporting))
    {
        for field in &section.fields {
            match &field.ty {
                FieldType::Records { columns, .. } => {
                    let rows = format!(
                        "document.querySelector('[data-testid=add-record-{}]').closest('fieldset').querySelectorAll('.record').length",
                        field.id
                    );
                    let before: usize = world.eval(&rows).await;
                    world
                        .click(&format!("[data-testid=add-record-{}]", field.id))
                        .await;
                    world
                        .wait_until(
                            "the new row is shown",
                            QUICK,
                            &format!("{rows} === {}", before + 1),
                        )
                        .await;
                    for c in columns {
                        let (value, select) = input_for(&c.id, &c.ty).expect("scalar column");
                        entries.push(Entry {
                            selector: format!(
                                "[data-testid=record-{}-{before}-{}]",
                                field.id, c.id
                            ),
                            value,
                            select,
                        });
                    }
                }
                ty => {
                    let (value, select) = input_for(&field.id, ty).expect("scalar field");
                    let prefix = if *ty == FieldType::Narrative {
                        "narrative"
                    } else {
                        "field"
                    };
                    entries.push(Entry {
                        selector: format!("[data-testid={prefix}-{}]", field.id),
                        value,
                        select,
                    });
                }
            }
        }
    }
    for e in &entries {
        if e.select {
            world.choose(&e.selector, &e.value).await;
        } else {
            world.fill(&e.selector, &e.value).await;
        }
    }
    assert!(entries.len() >= 15, "only {} entries", entries.len());

    // Every field counts as filled, and the phone screen never scrolls sideways.
    let progress: String = world
        .eval("document.querySelector('[data-testid=form-progress]').innerText")
        .await;
    let (filled, total) = progress
        .split_whitespace()
        .next()
        .and_then(|p| p.split_once('/'))
        .unwrap_or_else(|| panic!("progress reads {progress:?}"));
    assert_eq!(filled, total, "progress reads {progress:?}");
    let widths: (u32, u32) = world
        .eval("[document.documentElement.scrollWidth, window.innerWidth]")
        .await;
    assert!(widths.0 <= widths.1, "horizontal scroll: {widths:?}");
    world
        .wait_until(
            "the page says the report is only on this phone",
            QUICK,
            "document.querySelector('[data-testid=report-sync-state]')?.dataset.state === 'local'",
        )
        .await;

    // What a whole report costs on the phone (the README's storage figure).
    let stored: f64 = world
        .eval(&format!(
            "Object.keys(localStorage).filter((k) => k.startsWith('baocao/doc/{}'))\
             .reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0)",
            key.document_id()
        ))
        .await;
    assert!(stored > 0.0, "the report is in localStorage");
    println!("localStorage: the whole report filled in takes {stored} characters");
    // Stored compactly: after dozens of keystrokes, the incremental chunks
    // were folded into a snapshot (at most `compact_after` chunks + 1).
    let chunks: usize = world
        .eval(&format!(
            "Object.keys(localStorage).filter((k) => k.startsWith('baocao/doc/{}')).length",
            key.document_id()
        ))
        .await;
    let limit = shared::sync::SyncConfig::client(shared::PeerId::new("phone"), None).compact_after;
    assert!(
        (1..=limit + 1).contains(&chunks),
        "{chunks} stored chunks for one report (compaction after {limit})"
    );

    // The phone closes the app; it is opened again the next day, still offline.
    world.close().await;
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&report_url).await;
    world.wait_for("[data-testid=field-villages]").await;
    for e in &entries {
        world
            .wait_until(
                &format!("{} reads {:?} after the restart", e.selector, e.value),
                QUICK,
                &format!(
                    "document.querySelector('{}')?.value === {}",
                    e.selector,
                    serde_json::to_string(&e.value).expect("json")
                ),
            )
            .await;
    }

    // Signal again: everything reaches the server with no click.
    server.restart().await;
    world
        .wait_until(
            "the page says the report is on the server",
            Duration::from_secs(60),
            "document.querySelector('[data-testid=report-sync-state]')?.dataset.state === 'server'",
        )
        .await;
    let body = server
        .api_get(&format!("/api/reports/{}", key.document_id()))
        .await;
    for (_, field) in template.fields() {
        if let (Some((want, _)), true) = (input_for(&field.id, &field.ty), field.ty.is_scalar()) {
            let got = &body["fields"][&field.id];
            let shown = got
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| got.to_string());
            if template.sections.iter().any(|s| {
                s.scope.includes(Role::Reporting) && s.fields.iter().any(|f| f.id == field.id)
            }) {
                let want = match field.ty {
                    FieldType::Date => "2024-03-22".to_string(),
                    FieldType::Decimal { .. } => "2.5".to_string(),
                    _ => want,
                };
                assert_eq!(shown, want, "server value of {}: {body}", field.id);
            }
        }
    }
    world.close().await;
    server.stop().await;
}
