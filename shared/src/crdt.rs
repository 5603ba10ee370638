//! The few Automerge calls whose shape differs between the two releases
//! baocao links.
//!
//! The server and native clients use automerge 0.12 (its columnar op store
//! keeps large document sets small in memory); the phone's wasm build uses
//! automerge 0.5.12, the pre-columnar engine, which is less than half the
//! download and speaks the same document format and sync protocol (0.12 keeps
//! answering the older message version). 0.5.12 rather than 0.6.1: the same
//! engine and sync code, but text is indexed by code points fixed at compile
//! time, as baocao's narratives are, where 0.6 chooses at run time and so
//! carries grapheme tables and a patch/encoding dispatch the phone never uses
//! (16 KB gzip measured). Everything else in this crate compiles unchanged
//! against both, so the same domain and sync code still runs on both sides.
//!
//! Which release a build links is one switch, `any(target_arch = "wasm32",
//! feature = "phone-automerge")`: lib.rs names that release `automerge` for
//! the whole crate (and re-exports it as `shared::automerge`), and the calls
//! below pick their shape by the same condition. What is tested, and how
//! (both in scripts/test.sh):
//! - the whole crate and all its tests natively against 0.5.12, the phone's
//!   code on the host: `cargo test -p baocao-shared --no-default-features
//!   --features phone-automerge` (0.12 is the default feature
//!   `host-automerge`; left out, only 0.5.12 is linked);
//! - tests/cross_release.rs, in both builds: random edit sequences (every
//!   field type, records added, edited and removed, narratives spliced with
//!   Vietnamese and emoji, concurrent writes to one field) on the release
//!   this build links through `ReportDoc`, and on the other release through
//!   the same automerge calls; the two meet by the sync protocol started by
//!   either side, by loading each other's saved file, and by
//!   `save_incremental`/`load_incremental`, and must end with equal heads,
//!   the same reading in both releases and the same `ReportView`. So
//!   `ReportDoc`/`ReportView` run on 0.12 against a 0.5.12 peer in the
//!   default build and on 0.5.12 against a 0.12 peer with the feature.

#[cfg(any(target_arch = "wasm32", feature = "phone-automerge"))]
use automerge::ReadDoc;
use automerge::{AutoCommit, Change, ChangeHash, ScalarValue};

/// The text of a string scalar.
pub(crate) fn scalar_str(s: &ScalarValue) -> Option<&str> {
    match s {
        ScalarValue::Str(t) => Some(t.as_str()),
        _ => None,
    }
}

/// The last change this document's own actor committed.
pub(crate) fn last_local_change(d: &mut AutoCommit) -> Option<Change> {
    #[cfg(not(any(target_arch = "wasm32", feature = "phone-automerge")))]
    return d.get_last_local_change();
    #[cfg(any(target_arch = "wasm32", feature = "phone-automerge"))]
    return d.get_last_local_change().cloned();
}

/// The time (ms since the epoch, from the author's clock) of a change.
pub(crate) fn change_time(doc: &automerge::Automerge, hash: &ChangeHash) -> Option<i64> {
    #[cfg(not(any(target_arch = "wasm32", feature = "phone-automerge")))]
    return doc.get_change_meta_by_hash(hash).map(|m| m.timestamp);
    #[cfg(any(target_arch = "wasm32", feature = "phone-automerge"))]
    return doc.get_change_by_hash(hash).map(|c| c.timestamp());
}
