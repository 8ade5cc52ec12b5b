//! Where an experiment's traces really are, for `show` and `doctor`: how many traces MLflow's
//! trace store holds from the last days and which is the newest, with the place its spans are
//! kept (`mlflow.trace.spansLocation`). One search, and a second only when the window is empty.

use serde::Serialize;

use crate::api::traces::{self, SPANS_LOCATION_TAG};
use crate::http::Client;
use crate::time::{format_compact, parse_timestamp_micros};

/// The days counted as recent.
pub const RECENT_DAYS: u64 = 7;
/// The most recent traces counted (one page): more is said as "100+".
const RECENT_CAP: u64 = 100;

/// What MLflow's trace store holds for an experiment.
#[derive(Debug, Clone, Serialize)]
pub struct StoreTraces {
    /// Traces started in the last `window_days` days, counted up to 100.
    pub recent: u64,
    /// There are more recent traces than `recent`.
    pub recent_capped: bool,
    pub window_days: u64,
    pub newest: Option<NewestTrace>,
    /// Why the store could not be read (the rest is then empty).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewestTrace {
    pub trace_id: String,
    /// RFC 3339.
    pub start_time: Option<String>,
    /// `TRACKING_STORE`, or where else the spans are kept (absent: an artifact).
    pub spans_location: Option<String>,
}

/// Reads the experiment's trace store; a failure is recorded, not returned, since the rest
/// of a report stands without it.
pub async fn store_traces(client: &Client, experiment_id: &str, now_ms: i64) -> StoreTraces {
    let since = now_ms - (RECENT_DAYS as i64) * 86_400_000;
    let window = format!("timestamp_ms >= {since}");
    let mut found = StoreTraces {
        recent: 0,
        recent_capped: false,
        window_days: RECENT_DAYS,
        newest: None,
        error: None,
    };
    let recent = match traces::search(client, experiment_id, &window, RECENT_CAP, None).await {
        Ok(page) => page,
        Err(e) => {
            found.error = Some(e.to_string());
            return found;
        }
    };
    found.recent = recent.traces.len() as u64;
    found.recent_capped =
        found.recent == RECENT_CAP && recent.next_page_token.is_some_and(|t| !t.is_empty());
    let newest = match recent.traces.into_iter().next() {
        Some(t) => Some(t),
        None => match traces::search(client, experiment_id, "", 1, None).await {
            Ok(page) => page.traces.into_iter().next(),
            Err(e) => {
                found.error = Some(e.to_string());
                None
            }
        },
    };
    found.newest = newest.map(|t| NewestTrace {
        spans_location: t.tag(SPANS_LOCATION_TAG).map(str::to_string),
        start_time: t.request_time.clone(),
        trace_id: t.trace_id,
    });
    found
}

impl StoreTraces {
    /// "5", or "100+" when the count was cut.
    fn count(&self) -> String {
        if self.recent_capped {
            format!("{}+", self.recent)
        } else {
            self.recent.to_string()
        }
    }

    /// One line on where traces are, for the verdict; `native`: the experiment routes traces to
    /// Unity Catalog.
    pub fn verdict_line(&self, native: bool) -> String {
        if let Some(e) = &self.error {
            return format!("MLflow's trace store could not be read ({e})");
        }
        let elsewhere = if native {
            ""
        } else {
            ", none in Unity Catalog"
        };
        match (&self.newest, self.recent) {
            (_, n) if n > 0 => format!(
                "{} recent trace{} in MLflow's trace store{elsewhere}",
                self.count(),
                if n == 1 && !self.recent_capped { "" } else { "s" }
            ),
            (Some(newest), _) => format!(
                "no trace in MLflow's trace store in the last {} days (the newest is from {}){elsewhere}",
                self.window_days,
                newest.shown_time()
            ),
            (None, _) => format!("no traces in MLflow's trace store{elsewhere}"),
        }
    }

    /// The `trace store` line of `show`.
    pub fn detail_line(&self) -> String {
        if let Some(e) = &self.error {
            return format!("not readable ({e})");
        }
        let mut line = format!(
            "{} trace{} in the last {} days",
            self.count(),
            if self.recent == 1 { "" } else { "s" },
            self.window_days
        );
        if let Some(n) = &self.newest {
            line.push_str(&format!(
                "; newest {} at {} (spans: {})",
                n.trace_id,
                n.shown_time(),
                n.spans_location.as_deref().unwrap_or("artifact")
            ));
        }
        line
    }
}

impl NewestTrace {
    fn shown_time(&self) -> String {
        self.start_time
            .as_deref()
            .and_then(parse_timestamp_micros)
            .map(|m| format_compact(m, 0))
            .unwrap_or_else(|| "an unknown time".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(recent: u64, capped: bool, newest: bool) -> StoreTraces {
        StoreTraces {
            recent,
            recent_capped: capped,
            window_days: 7,
            newest: newest.then(|| NewestTrace {
                trace_id: "tr-1".into(),
                start_time: Some("2026-12-01T10:00:00.000Z".into()),
                spans_location: Some("TRACKING_STORE".into()),
            }),
            error: None,
        }
    }

    #[test]
    fn the_verdict_line_says_where_traces_are() {
        assert_eq!(
            found(5, false, true).verdict_line(false),
            "5 recent traces in MLflow's trace store, none in Unity Catalog"
        );
        assert_eq!(
            found(100, true, true).verdict_line(true),
            "100+ recent traces in MLflow's trace store"
        );
        assert_eq!(
            found(1, false, true).verdict_line(true),
            "1 recent trace in MLflow's trace store"
        );
        assert_eq!(
            found(0, false, true).verdict_line(false),
            "no trace in MLflow's trace store in the last 7 days (the newest is from 2026-12-01 10:00:00.000Z), none in Unity Catalog"
        );
        assert_eq!(
            found(0, false, false).verdict_line(true),
            "no traces in MLflow's trace store"
        );
        assert_eq!(
            found(2, false, true).detail_line(),
            "2 traces in the last 7 days; newest tr-1 at 2026-12-01 10:00:00.000Z (spans: TRACKING_STORE)"
        );
    }
}
