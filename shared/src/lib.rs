//! baocao's pure core: the domain (org units, periods, report templates, report
//! documents on Automerge, validation, aggregation, the consolidated report's
//! text) and the sync protocol.
//!
//! Nothing here does I/O, reads a clock or spawns a task: time arrives as a
//! [`Timestamp`] argument and storage and network work leaves as values the
//! caller executes. That is what lets the same code run in the server, in the
//! browser (wasm32) and in native test clients.

#![warn(missing_docs)]

// The automerge release this build links, under one name for all the code
// (see crdt.rs): 0.12 on the server and native clients, 0.5.12 on the phone
// and in the native `phone-automerge` build. Re-exported so that tests and
// callers name the same release as the crate: `shared::automerge`.
#[cfg(not(any(target_arch = "wasm32", feature = "phone-automerge")))]
pub extern crate automerge;
#[cfg(any(target_arch = "wasm32", feature = "phone-automerge"))]
pub extern crate automerge05 as automerge;
#[cfg(not(any(
    target_arch = "wasm32",
    feature = "host-automerge",
    feature = "phone-automerge"
)))]
compile_error!(
    "baocao-shared needs an automerge release: the default feature `host-automerge` (0.12) \
     or `phone-automerge` (0.5.12)"
);

pub mod access;
pub mod aggregate;
mod crdt;
pub mod dataset;
pub mod date;
pub mod org;
pub mod period;
pub mod protocol;
pub mod report;
pub mod report_text;
pub mod review;
pub mod sync;
pub mod template;
pub mod textdiff;
pub mod time;
pub mod validate;
pub mod value;
pub mod workflow;

/// Version of what the server and the web app must agree on: the REST API's
/// shapes, the report document schema and the sync protocol's use. Raised
/// whenever an older app could misread the server; an app that meets another
/// version says so instead of running on silently.
pub const API_VERSION: u32 = 1;

/// Response header that carries [`API_VERSION`] on every server answer.
pub const API_VERSION_HEADER: &str = "x-baocao-api";

pub use date::Date;
pub use org::{OrgTree, OrgUnit};
pub use period::{Period, PeriodKind};
pub use protocol::ids::{DocumentId, PeerId};
pub use report::{ReportDoc, ReportKey, ReportView};
pub use template::Template;
pub use time::Timestamp;
pub use value::Value;
