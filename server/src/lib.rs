//! baocao's server: the automerge-repo sync endpoint, the REST API, storage on
//! SQLite or PostgreSQL, and the built web client — one binary.
//!
//! Layout: [`cli`] parses commands and builds a [`config::Config`]; [`db`]
//! opens and migrates the database; [`catalog`] holds org units, users,
//! templates and rounds, reloaded when an administrative change moves them;
//! [`admin`] is every such change (units, users, rounds, templates), each
//! recorded in the [`audit`] trail; [`template_sheet`] reads and writes
//! templates as spreadsheets; [`template_versions`] keeps every template
//! version; [`round`] resolves a round and computes its figures; [`demo`]
//! loads the demo district on first start; [`store`] performs the sync
//! engine's storage tasks; [`migrate`] moves a deployment from SQLite to
//! PostgreSQL; [`backup`] takes and restores backups; [`hub`] drives the shared `Synchronizer` for all connections;
//! [`metrics`] keeps the Prometheus figures (`--metrics-listen`);
//! [`http`] is the axum application; [`export`] writes the consolidated
//! report (.docx, print view) and the round's data (.xlsx, CSV).

pub mod admin;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod export;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod migrate;
pub mod round;
pub mod store;
pub mod template_sheet;
pub mod template_versions;
