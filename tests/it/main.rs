//! The integration tests: one test binary. `fake` is the in-process fake Databricks workspace,
//! `cli` runs the built binary against it, `shared` holds the setups several modules use; every
//! other module holds the tests of one area (one former `tests/<name>.rs`).
//!
//! A new test module: add `tests/it/<name>.rs` and a `mod <name>;` line below, and start it with
//! `use crate::cli::*; use crate::fake::*;` (and `use crate::shared::*;` when it helps).

mod cli;
mod fake;
mod shared;

mod apply;
mod auth;
mod bad_input;
mod cli_auth;
mod config;
mod doctor;
mod export;
mod fake_workspace;
mod generated_files;
mod golden;
mod http;
mod mlflow_server;
mod native;
mod packaging;
mod query;
mod query_output;
mod readme_commands;
mod secrets;
mod set;
mod show_unset;
mod spark_engine;
mod spark_export;
mod spark_stats;
mod stats_tables;
mod terminal;
mod trace_export;
mod trace_stats;
mod trace_store;
mod trace_store_fake;
mod trace_view;
mod traces;
