//! tracecfg: configure where the MLflow traces of a Databricks experiment are stored in Unity
//! Catalog, and query them on a SQL warehouse.
// Only `output` writes to stdout and stderr, through its own writers: no print macro anywhere.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod api;
mod app;
mod auth;
mod cli;
mod commands;
mod config;
mod databricks_cli;
mod destination;
mod error;
mod experiment_ref;
mod fleet;
#[cfg(test)]
mod fuzz;
mod http;
mod output;
mod project;
mod secret;
mod sql_exec;
mod time;
mod trace_location;
mod trace_query;
mod trace_tables;
mod warehouse_choice;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(app::main() as u8)
}
