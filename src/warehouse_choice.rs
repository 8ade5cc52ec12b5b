//! Which SQL warehouse a statement runs on, in the order `query` documents.

use anyhow::Result;

use crate::api::warehouses;
use crate::config::Config;
use crate::error::CliError;
use crate::http::Client;

/// Warehouse ids are letters and digits; anything else is refused before any request.
pub fn validate_warehouse_id(id: &str) -> Result<(), CliError> {
    if !crate::config::is_warehouse_id(id) {
        return Err(CliError::usage(format!(
            "--warehouse {} is not a SQL warehouse id (letters, digits, '-' and '_', such as 1234567890abcdef)",
            crate::display::shown(id)
        )));
    }
    Ok(())
}

/// `--warehouse`, else the configured `warehouse_id`, else the workspace default, else the first
/// running warehouse, else the first one.
pub async fn choose_warehouse(
    client: &Client,
    config: &Config,
    flag: Option<&str>,
) -> Result<(String, String)> {
    if let Some(id) = flag {
        return Ok((id.to_string(), "--warehouse".into()));
    }
    if let Some(id) = &config.warehouse_id {
        let origin = config
            .origins
            .iter()
            .find(|(a, _)| a == "warehouse_id")
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| "configuration".into());
        return Ok((id.clone(), format!("warehouse_id from {origin}")));
    }
    // The list (every page of it) is only needed when no default is set.
    if let Some(id) = warehouses::default_warehouse_id(client).await? {
        return Ok((id, "the workspace default warehouse".into()));
    }
    let listed = warehouses::list(client).await?;
    if !listed.complete {
        crate::output::log::warn(format_args!(
            "the warehouse list goes on past {} pages ({} warehouses); choosing among those (pass --warehouse to name one)",
            warehouses::MAX_PAGES,
            listed.warehouses.len()
        ));
    }
    let listed = listed.warehouses;
    let describe = |w: &warehouses::Warehouse| w.name.clone().unwrap_or_else(|| w.id.clone());
    if let Some(w) = listed
        .iter()
        .find(|w| w.state.as_deref() == Some("RUNNING"))
    {
        return Ok((
            w.id.clone(),
            format!("{}, the first running warehouse", describe(w)),
        ));
    }
    if let Some(w) = listed.first() {
        return Ok((
            w.id.clone(),
            format!(
                "{}, the first warehouse; it is {} and may take a while to start",
                describe(w),
                w.state.as_deref().unwrap_or("in an unknown state")
            ),
        ));
    }
    Err(CliError::not_found("no SQL warehouse available: none is configured and the workspace lists none")
        .with_hint("pass --warehouse ID, set DATABRICKS_WAREHOUSE_ID, or add warehouse_id to the profile or tracecfg.toml")
        .into())
}
