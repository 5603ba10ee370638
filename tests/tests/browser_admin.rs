//! Issue 17, must-show 5, in headless Chromium at phone size (360×640): a
//! province's administrator, on a fresh server (`--no-demo`, units and users
//! imported), uploads a template from a spreadsheet on the templates
//! screen, sees the officer's form it makes (and its rule at work), adds
//! it; a TOML with a typo is refused with its line. Then on the rounds
//! screen a round of the wrong period kind is refused with the reason and
//! the right one opens — the server has it, and an officer's phone lists
//! it. The org tree, the users (a deactivation) and the audit screens show
//! what happened. Screenshots land in `target/screenshots/admin-*.png`.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use baocao_tests::province::{
    PERIOD, PROVINCE, TEMPLATE, UNITS_CSV, USERS_CSV, write_template_xlsx,
};
use std::path::PathBuf;

const ADMIN: &str = "qt-tinh";
const ADMIN_PASSWORD: &str = "mat-khau-quan-tri";

fn shot(name: &str) -> PathBuf {
    let dir = baocao_tests::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir.join(format!("admin-{name}.png"))
}

/// Screenshots the screen, which must fit the phone's width (no sideways
/// scrolling).
async fn look(world: &World, name: &str) {
    world.screenshot(&shot(name)).await;
    let wide: f64 = world.eval("document.documentElement.scrollWidth").await;
    assert!(
        wide <= 360.0,
        "{name}: the page is {wide}px wide on a 360px phone"
    );
}

/// Waits for the outcome of the last action and returns its text.
async fn outcome(world: &World, ok: bool) -> String {
    let wanted = if ok { "admin-ok" } else { "admin-error" };
    world
        .wait_until(
            &format!("the action's outcome ({wanted})"),
            QUICK,
            "document.querySelector('[data-testid=admin-ok], [data-testid=admin-error]') !== null",
        )
        .await;
    let (found, text): (String, String) = world
        .eval(
            "(() => { const e = document.querySelector('[data-testid=admin-ok], [data-testid=admin-error]'); \
             return [e.dataset.testid, e.innerText]; })()",
        )
        .await;
    assert_eq!(found, wanted, "the action came to {found}: {text}");
    text
}

#[tokio::test]
async fn an_admin_uploads_a_template_sees_its_form_and_opens_a_round() {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start_with_accounts_and_args(&["--no-demo"]).await;
    let files = tempfile::tempdir().expect("temp dir");
    let units = files.path().join("don-vi.csv");
    let users = files.path().join("nguoi-dung.csv");
    std::fs::write(&units, UNITS_CSV).unwrap();
    std::fs::write(&users, USERS_CSV).unwrap();
    let (ok, out, err) = server.admin(
        &[
            "import",
            "--org-units",
            units.to_str().unwrap(),
            "--users",
            users.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "import: {out}{err}");
    let sheet = files.path().join("ve-sinh.xlsx");
    write_template_xlsx(&sheet);

    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&format!("{}/", server.url())).await;
    world.log_in(ADMIN, ADMIN_PASSWORD).await;
    world.click("[data-testid=open-admin]").await;
    world.wait_for("[data-testid=round-form]").await;

    // Templates: a TOML with a typo is refused with its line, nothing stored.
    world.click("[data-testid=admin-tab-templates]").await;
    world.wait_for("[data-testid=template-file]").await;
    let bad = files.path().join("sai.toml");
    std::fs::write(
        &bad,
        "id = \"x\"\nversion = 1\ntitle = \"X\"\nfilled_by = \"commune\"\nperiod = \"quarterly\"\n",
    )
    .unwrap();
    world.choose_file("[data-testid=template-file]", &bad).await;
    let refused = outcome(&world, false).await;
    assert!(
        refused.contains("line"),
        "the refusal names its line: {refused}"
    );

    // The spreadsheet: read, previewed as the officer's form, not stored yet.
    world
        .choose_file("[data-testid=template-file]", &sheet)
        .await;
    outcome(&world, true).await;
    world
        .wait_for("[data-testid=template-preview] [data-testid=field-households]")
        .await;
    let replaces: String = world
        .eval("document.querySelector('[data-testid=template-replaces]').innerText")
        .await;
    assert!(replaces.contains("mẫu mới"), "a new template: {replaces}");
    let listed: bool = world
        .eval(&format!(
            "document.querySelector('[data-testid=template-{TEMPLATE}]') !== null"
        ))
        .await;
    assert!(!listed, "the preview stores nothing");
    let token = server.login(ADMIN, ADMIN_PASSWORD).await;
    let (_, stored) = server.get_json_as(&token, "/api/admin/templates").await;
    assert!(
        !stored.to_string().contains(TEMPLATE),
        "nothing stored before Add: {stored}"
    );
    // The form is the officer's: its rule answers as on a phone.
    let frame_width: f64 = world
        .eval("document.querySelector('[data-testid=template-preview]').getBoundingClientRect().width")
        .await;
    assert!(
        frame_width <= 360.0,
        "the preview is a phone's width: {frame_width}"
    );
    world
        .fill(
            "[data-testid=template-preview] [data-testid=field-households]",
            "10",
        )
        .await;
    world
        .fill(
            "[data-testid=template-preview] [data-testid=field-latrines]",
            "20",
        )
        .await;
    // Leave the box (the form judges a value when its box is left).
    world.click("[data-testid=template-upload] h2").await;
    world
        .wait_until(
            "the template's rule shows in the preview",
            QUICK,
            "document.querySelector('[data-testid=template-preview]').innerText.includes('không vượt quá số hộ')",
        )
        .await;
    world
        .eval::<bool>(
            "(() => { document.querySelector('[data-testid=template-preview]').scrollIntoView(); return true; })()",
        )
        .await;
    look(&world, "template-preview").await;
    world.click("[data-testid=template-add]").await;
    outcome(&world, true).await;
    world
        .wait_for(&format!("[data-testid=template-{TEMPLATE}]"))
        .await;
    let (_, stored) = server.get_json_as(&token, "/api/admin/templates").await;
    assert!(stored.to_string().contains(TEMPLATE), "{stored}");

    // Rounds: a half-year for a quarterly template is refused with the
    // reason; the quarter opens.
    world.click("[data-testid=admin-tab-rounds]").await;
    world.wait_for("[data-testid=round-form]").await;
    world.choose("[data-testid=round-template]", TEMPLATE).await;
    world.choose("[data-testid=round-unit]", PROVINCE).await;
    world.fill("[data-testid=round-period]", "2026-H2").await;
    world.click("[data-testid=round-open]").await;
    let refused = outcome(&world, false).await;
    assert!(refused.contains("is not such a period"), "{refused}");
    world.fill("[data-testid=round-period]", PERIOD).await;
    world
        .eval::<bool>(
            "(() => { const d = document.querySelector('[data-testid=round-deadline]'); \
             d.value = '2026-10-15'; d.dispatchEvent(new Event('input', { bubbles: true })); return true; })()",
        )
        .await;
    world.click("[data-testid=round-open]").await;
    outcome(&world, true).await;
    let row = format!("[data-testid=round-{TEMPLATE}_{PERIOD}_{PROVINCE}]");
    world.wait_for(&row).await;
    look(&world, "rounds").await;
    let (ok, rounds, err) = server.admin(&["round", "list"], None);
    assert!(ok, "{err}");
    assert!(
        rounds.contains(TEMPLATE) && rounds.contains(PERIOD) && rounds.contains("2026-10-15"),
        "the server has the round: {rounds}"
    );
    // An officer's phone lists it on its next bootstrap.
    let officer = server.login("cb-dong-ha", "mat-khau-dong-ha").await;
    baocao_tests::province::until_round_seen(&server, &officer, TEMPLATE, PERIOD).await;

    // The org tree lists the communes under the province.
    world.click("[data-testid=admin-tab-units]").await;
    world.wait_for("[data-testid=unit-xa-bac-phong]").await;
    look(&world, "units").await;

    // Users: deactivating an officer from the screen locks them out.
    world.click("[data-testid=admin-tab-users]").await;
    let user = "[data-testid=user-cb-nam-binh]";
    world.wait_for(user).await;
    world.click(&format!("{user} summary")).await;
    world
        .click(&format!("{user} [data-testid=user-toggle]"))
        .await;
    outcome(&world, true).await;
    world
        .wait_until(
            "the user shows as deactivated",
            QUICK,
            &format!("document.querySelector('{user}')?.classList.contains('closed') === true"),
        )
        .await;
    look(&world, "users").await;
    let (status, _) = server
        .post_json(
            "/api/login",
            serde_json::json!({ "user": "cb-nam-binh", "password": "mat-khau-nam-binh" }),
        )
        .await;
    assert_eq!(status, 401, "a deactivated officer cannot log in");

    // The audit shows every change, with the admin as its actor.
    world.click("[data-testid=admin-tab-audit]").await;
    world
        .wait_until(
            "the audit lists the changes",
            QUICK,
            "['template.add', 'round.open', 'user.deactivate'].every(a => \
             document.querySelector('[data-testid=admin]').innerText.includes(a))",
        )
        .await;
    look(&world, "audit").await;

    // English on the same screens.
    world.click("[data-testid=lang-switch]").await;
    world
        .wait_until(
            "the tabs in English",
            QUICK,
            "document.querySelector('[data-testid=admin-tab-rounds]').innerText === 'Rounds'",
        )
        .await;
    world.close().await;
}
