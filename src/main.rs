//! tracecfg: configure where the MLflow traces of a Databricks experiment are stored in Unity
//! Catalog, and query them on a SQL warehouse.
// Only `output` writes to stdout and stderr, through its own writers: no print macro in the
// product (unit tests may print what they measured).
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

mod api;
mod app;
mod auth;
mod cli;
mod commands;
mod config;
mod databricks_cli;
mod destination;
mod display;
mod error;
mod experiment_ref;
mod export;
mod fleet;
#[cfg(test)]
mod fuzz;
mod http;
mod output;
mod project;
mod secret;
mod sql_exec;
mod stats;
mod store_metrics;
mod store_reader;
mod store_spans;
mod store_stats;
mod tag_writes;
mod time;
mod trace_location;
mod trace_presence;
mod trace_query;
mod trace_store;
mod trace_tables;
mod uc_names;
mod warehouse_choice;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(app::main() as u8)
}
