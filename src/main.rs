//! tracecfg: configure where the MLflow traces of a Databricks experiment are stored in Unity
//! Catalog, and query them on a SQL warehouse.

mod api;
mod app;
mod auth;
mod cli;
mod commands;
mod config;
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
