//! End-to-end test support: the real server process ([`TestServer`]) and a
//! native sync client built on the shared engine ([`NativeClient`]), and
//! headless Chromium ([`browser::World`]).

pub mod acked;
pub mod bench;
pub mod browser;
pub mod exports;
pub mod js_peer;
pub mod link;
pub mod native_client;
pub mod pg;
pub mod province;
pub mod server;

pub use native_client::NativeClient;
pub use server::TestServer;

/// The repository root (tests read templates and demo files from it).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The child-protection template.
pub fn child_protection_template() -> shared::Template {
    let text = std::fs::read_to_string(repo_root().join("templates/bao-ve-tre-em.toml"))
        .expect("templates/bao-ve-tre-em.toml");
    shared::Template::from_toml(&text).expect("template parses")
}

/// Fills a child-protection report of a commune so that it passes the
/// template's validation (every required figure, the cross-field rules), with
/// `officers` as given: what a submission needs.
pub fn fill_valid_child_protection(r: &mut shared::ReportDoc<'_>, officers: i64) {
    use shared::Value;
    r.set_field("board_established", Some(&Value::Bool(true)))
        .expect("board_established");
    for (field, value) in [
        ("officers", officers),
        ("villages", 5),
        ("collaborators", 5),
        ("cultural_points", 3),
    ] {
        r.set_field(field, Some(&Value::Int(value)))
            .unwrap_or_else(|e| panic!("{field}: {e}"));
    }
}
