//! The command line: global flags, subcommands and their arguments (clap derive).

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::output::OutputFormat;
use crate::sql_exec::DispositionChoice;
use crate::trace_query::LayoutChoice;

#[derive(Debug, Parser)]
#[command(
    name = "tracecfg",
    version,
    about = "Configure where the MLflow traces of a Databricks experiment are stored, and query them",
    long_about = "Configure where the MLflow traces of a Databricks experiment are stored in Unity Catalog, \
and query the stored traces on a SQL warehouse.\n\n\
Connection settings come from flags, then DATABRICKS_* environment variables, then a profile of \
~/.databrickscfg, exactly as with the official Databricks tools.",
    after_help = "Examples:\n  tracecfg set -e /Shared/agent_eval --catalog main --schema agents\n  tracecfg show -e /Shared/agent_eval\n  tracecfg query -e /Shared/agent_eval --user user123 --since 24h"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]
    #[arg(short = 'p', long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]
    #[arg(long, global = true, value_name = "URL")]
    pub host: Option<String>,
    /// Output format [default: text; for query, text on a terminal and json otherwise]
    #[arg(short = 'o', long, global = true, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
    /// Log each request (method, path, status, time) to stderr; never headers or secrets
    #[arg(long, global = true)]
    pub debug: bool,
    /// Print only results and errors: no notes, no progress
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Time allowed for one HTTP request, such as 30s or 2m [default: 60s]
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration_arg)]
    pub http_timeout: Option<Duration>,
    /// Total time allowed for retries of one request [default: 5m]
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration_arg)]
    pub retry_timeout: Option<Duration>,
}

pub fn duration_arg(text: &str) -> Result<Duration, String> {
    crate::time::parse_duration(text)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set the trace destination tags of an experiment
    #[command(
        long_about = "Set the tags mlflow.tracing.destination.catalog, .schema and .table on an experiment.\n\n\
Reads the experiment once, then writes only the tags whose value differs, all at once. \
Running it again changes nothing. --check makes it a drift gate for CI.",
        after_help = "Examples:\n  tracecfg set -e /Shared/agent_eval --catalog main --schema agents\n  tracecfg set -e /Shared/agent_eval --catalog main --schema agents --table traces --create\n  tracecfg set -e /Shared/agent_eval --catalog main --schema agents --native -w 1234abcd\n  tracecfg set --check -o json    # in CI, with tracecfg.toml: exit 5 on drift"
    )]
    Set(SetArgs),
    /// Apply the list of experiments in tracecfg.toml: plan all, then write what differs
    #[command(
        long_about = "Read the [[experiments]] list of tracecfg.toml (top-level keys are defaults for every entry), \
validate all of it before any request, then plan every experiment at once and print one plan: per experiment, \
each tag unchanged, set or changed, and the native location's action, then a summary line.\n\n\
Without --dry-run or --check it then writes what differs, every experiment at once, and reports per experiment. \
When some experiments fail, the others are still applied, the failures are named, and the exit code is non-zero; \
running it again finishes the job. --check exits 5 when anything would change: the drift gate for a whole fleet.",
        after_help = "Examples:\n  tracecfg apply --dry-run\n  tracecfg apply --check -o json    # in CI on pull requests: exit 5 on drift\n  tracecfg apply --only prod\n  tracecfg apply --file deploy/tracecfg.toml"
    )]
    Apply(ApplyArgs),
    /// Show an experiment's trace storage configuration
    #[command(
        long_about = "Show the experiment, the destination named by its tags, its native Unity Catalog trace \
location if any, and a verdict on where its traces really land.",
        after_help = "Examples:\n  tracecfg show -e /Shared/agent_eval\n  tracecfg show --experiment-id 1234 --all-tags\n  tracecfg show -o json | jq .verdict\n  tracecfg show --all    # every experiment of tracecfg.toml against its wanted state"
    )]
    Show(ShowArgs),
    /// Remove the trace destination tags from an experiment
    #[command(
        after_help = "Examples:\n  tracecfg unset -e /Shared/agent_eval\n  tracecfg unset -e /Shared/agent_eval --dry-run"
    )]
    Unset(UnsetArgs),
    /// Query an experiment's trace spans: on a SQL warehouse, or in MLflow's trace store
    #[command(
        long_about = "Query the spans of an experiment's traces, one row per span. An experiment with a native Unity \
Catalog location (and --table, --layout, --sql, --file or --source tables) is read on a SQL warehouse, through \
the SQL Statement Execution API; filter values are always sent as named parameters, never pasted into SQL. Any \
other experiment keeps its traces in MLflow's trace store, read over the traces REST API: --user, --session, \
--tag and --attribute select traces, --span-type, --name, --since and --until select their spans, --limit \
counts spans.\n\n\
Rows go to stdout as a table on a terminal and as JSON otherwise; progress goes to stderr on a terminal.",
        after_help = "Examples:\n  tracecfg query -e /Shared/agent_eval --user user123\n  tracecfg query --table main.agents.agent_traces --since 24h --span-type LLM -o csv > llm.csv\n  tracecfg query --sql 'SELECT count(*) AS n FROM IDENTIFIER(:table)' -o json    # in CI, with tracecfg.toml"
    )]
    Query(Box<QueryArgs>),
    /// List traces: one row per trace, newest first (--follow prints new ones as they arrive)
    #[command(
        long_about = "List the experiment's traces, one row per trace, newest first: id, start, duration, span count, \
status, root span, user and session. One statement aggregates the spans on the SQL warehouse. The filters are those \
of 'query'; --since/--until select traces by their start, --limit counts traces.\n\n\
--follow polls for traces newer than the last one seen and prints each once; Ctrl-C ends it.",
        after_help = "Examples:\n  tracecfg traces -e /Shared/agent_eval --since 24h\n  tracecfg traces -e /Shared/agent_eval --user user123 -o json\n  tracecfg traces -e /Shared/agent_eval --follow --interval 30s"
    )]
    Traces(Box<TracesArgs>),
    /// Show one trace's spans as a tree with a timing waterfall
    #[command(
        long_about = "Show the spans of one trace as a tree (children under their parent, siblings by start time), \
each with its span type, duration and a bar on the trace's time axis; failed spans are marked. \
-o json gives the nested tree with every field. A trace id that does not exist exits 3.",
        after_help = "Examples:\n  tracecfg trace -e /Shared/agent_eval tr-0123456789abcdef\n  tracecfg trace -e /Shared/agent_eval tr-0123456789abcdef --inputs --outputs\n  tracecfg trace --table main.agents.agent_traces tr-0123456789abcdef -o json"
    )]
    Trace(Box<TraceArgs>),
    /// Figures of an experiment's traces: count, errors, latency percentiles, tokens and cost
    #[command(
        long_about = "Count an experiment's traces in a time window (--since, 7 days by default), with their errors, \
latency (p50, p95, p99 and max), token usage and cost, in one row or one row per group (--by). With --by day or hour \
a trend bar shows each bucket's traces; with --by span-name or span-type the figures are of spans.\n\n\
On Unity Catalog tables, one aggregate statement runs on the SQL warehouse (percentiles are approximate: \
percentile_approx). On MLflow's trace store, the server's trace metrics endpoint computes them (MLflow 3.9 and \
later; the window, --by day or hour, and --tag); otherwise the trace infos of the window are read (at most --limit, \
newest first) and the figures computed here. Both are exact; a note says when --limit cut the window.",
        after_help = "Examples:\n  tracecfg stats -e /Shared/agent_eval\n  tracecfg stats -e /Shared/agent_eval --since 30d --by day\n  tracecfg stats -e /Shared/agent_eval --by span-name --span-type LLM -o json"
    )]
    Stats(Box<StatsArgs>),
    /// Export an experiment's traces to files: JSON lines or OTLP/JSON, one file per day, resumable
    #[command(
        long_about = "Write every trace of the window (all of them without --since), with all its spans, to one file \
per UTC day in --out: --format jsonl gives one JSON object per trace (the tree of 'trace ID -o json' with every \
span field, the trace info, tags, metadata and assessments); --format otlp one OTLP/JSON ExportTraceServiceRequest \
per trace and line, which OpenTelemetry tools read. --gzip compresses each file.\n\n\
Traces are read oldest first from the source 'traces' reads (one statement on the SQL warehouse, or MLflow's trace \
store) and written as they complete; a day's file appears under its final name only when it is whole, and the \
manifest tracecfg-export.json lists it. An interrupted export (Ctrl-C, a network failure) resumes with the same \
command: the window is fixed by the first run, complete days are kept, the day in progress is written again. \
--dry-run says how many traces and about how many bytes, and writes nothing.",
        after_help = "Examples:\n  tracecfg export -e /Shared/agent_eval --since 30d --out traces/\n  tracecfg export -e /Shared/agent_eval --format otlp --gzip --out otlp/\n  tracecfg export -e /Shared/agent_eval --since 7d --dry-run"
    )]
    Export(Box<ExportArgs>),
    /// Check the whole trace setup and say what is wrong
    #[command(
        long_about = "Check, in order: the configuration sources, that the host answers, that the credential works, \
that the experiment resolves and is active, that its destination tags are complete, that the catalog and schema \
exist in Unity Catalog, that a warehouse can be picked (and its state), and with --query that SELECT 1 runs. \
Prints one line per check; exits with the code of the first failure.",
        after_help = "Examples:\n  tracecfg doctor -e /Shared/agent_eval\n  tracecfg doctor --query -o json    # in CI: why is the trace setup broken?"
    )]
    Doctor(DoctorArgs),
    /// Print a shell completion script
    #[command(
        long_about = "Print the completion script for a shell. Ready-made scripts are also in the completions/ folder.",
        after_help = "Install:\n  bash:        tracecfg completions bash > ~/.local/share/bash-completion/completions/tracecfg\n  zsh:         tracecfg completions zsh > ~/.zfunc/_tracecfg   (with fpath+=~/.zfunc before compinit)\n  fish:        tracecfg completions fish > ~/.config/fish/completions/tracecfg.fish\n  powershell:  tracecfg completions powershell >> $PROFILE\n  elvish:      tracecfg completions elvish >> ~/.config/elvish/rc.elv"
    )]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(hide = true)]
    Man,
}

#[derive(Debug, Clone, Args)]
pub struct ExperimentArgs {
    /// Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]
    #[arg(
        short = 'e',
        long,
        value_name = "PATH",
        conflicts_with = "experiment_id"
    )]
    pub experiment: Option<String>,
    /// Id of the experiment [env: MLFLOW_EXPERIMENT_ID]
    #[arg(long, value_name = "ID")]
    pub experiment_id: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Unity Catalog catalog of the destination
    #[arg(long)]
    pub catalog: Option<String>,
    /// Unity Catalog schema of the destination
    #[arg(long)]
    pub schema: Option<String>,
    /// Table of the destination [default: agent_traces]
    #[arg(long)]
    pub table: Option<String>,
    /// Create the experiment (and its folder) when it does not exist
    #[arg(long)]
    pub create: bool,
    /// Print what would change and write nothing
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,
    /// Write nothing; exit 5 when any tag differs from the wanted value
    #[arg(long)]
    pub check: bool,
    /// Check in Unity Catalog, before writing, that the catalog and schema exist
    #[arg(long)]
    pub verify: bool,
    /// Also make the destination real: link the experiment to a native Unity Catalog trace location
    #[arg(long)]
    pub native: bool,
    /// Table prefix of the native location's <prefix>_otel_* tables [default: the --table value]
    #[arg(long, value_name = "PREFIX", requires = "native")]
    pub table_prefix: Option<String>,
    /// SQL warehouse the trace-location API uses to create the tables [env: DATABRICKS_WAREHOUSE_ID]
    #[arg(short = 'w', long, value_name = "ID", requires = "native")]
    pub warehouse: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// List every tag of the experiment
    #[arg(long)]
    pub all_tags: bool,
    /// Show every experiment of tracecfg.toml against its wanted state (as apply --dry-run)
    #[arg(long, conflicts_with_all = ["experiment", "experiment_id", "all_tags"])]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// The file to apply [default: tracecfg.toml here or in a parent directory]
    #[arg(short = 'f', long, value_name = "PATH")]
    pub file: Option<std::path::PathBuf>,
    /// Only these entries: an entry's name, experiment path or id; repeatable
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub only: Vec<String>,
    /// Print the plan and write nothing
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,
    /// Write nothing; exit 5 when anything would change
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UnsetArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Also unlink the experiment from its native Unity Catalog trace location
    #[arg(long)]
    pub native: bool,
    /// Print what would be removed and remove nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Query this table instead of the experiment's destination
    #[arg(long, value_name = "CATALOG.SCHEMA.TABLE", conflicts_with_all = ["experiment", "experiment_id"])]
    pub table: Option<String>,
    /// Only traces of this user (native: the root span's user.id or the trace metadata; tags layout: tags['user_id']; trace store: the metadata mlflow.trace.user or the tag user_id)
    #[arg(long, conflicts_with = "raw")]
    pub user: Option<String>,
    /// Only traces of this session (native: the root span's session.id or the trace metadata; tags layout: tags['session_id']; trace store: the metadata mlflow.trace.session or the tag session_id)
    #[arg(long, conflicts_with = "raw")]
    pub session: Option<String>,
    /// Only traces with this MLflow trace tag; repeatable, all must match
    #[arg(long = "tag", value_name = "KEY=VALUE", conflicts_with = "raw")]
    pub tags: Vec<String>,
    /// Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable, all must match
    #[arg(long = "attribute", value_name = "KEY=VALUE", conflicts_with = "raw")]
    pub attributes: Vec<String>,
    /// Only spans of this type, such as LLM or TOOL
    #[arg(long, value_name = "TYPE", conflicts_with = "raw")]
    pub span_type: Option<String>,
    /// Only spans with this name
    #[arg(long, value_name = "SPAN_NAME", conflicts_with = "raw")]
    pub name: Option<String>,
    /// Only spans that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time
    #[arg(long, value_name = "WHEN", conflicts_with = "raw")]
    pub since: Option<String>,
    /// Only spans that started before this: a duration back or an RFC 3339 time
    #[arg(long, value_name = "WHEN", conflicts_with = "raw")]
    pub until: Option<String>,
    /// At most this many rows
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub limit: u64,
    /// Columns to return, comma-separated
    #[arg(long, value_name = "A,B,C", conflicts_with = "raw")]
    pub columns: Option<String>,
    /// Print the statement and its parameters; do not run it
    #[arg(long)]
    pub print_sql: bool,
    /// Run this SQL instead of the trace query; :table is bound to the destination
    #[arg(long, group = "raw")]
    pub sql: Option<String>,
    /// Run the SQL in this file ('-' for stdin)
    #[arg(long, value_name = "PATH", group = "raw")]
    pub file: Option<String>,
    /// A named parameter for --sql/--file: NAME=VALUE or NAME:TYPE=VALUE (empty VALUE is NULL); repeatable
    #[arg(long = "param", value_name = "NAME[:TYPE]=VALUE", requires = "raw")]
    pub params: Vec<String>,
    /// SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]
    #[arg(short = 'w', long, value_name = "ID")]
    pub warehouse: Option<String>,
    /// Cancel the statement if it has not finished within this time, such as 5m
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub timeout: Option<Duration>,
    /// Result chunks fetched at the same time
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// How results travel: inline, through presigned links, or inline with a fallback to links
    #[arg(long, value_enum, default_value_t = DispositionChoice::Auto)]
    pub disposition: DispositionChoice,
    /// How to read the table [default: the native location's tables when the experiment has one, else the tag destination; for --table, told from its columns]
    #[arg(long, value_enum)]
    pub layout: Option<LayoutChoice>,
    /// Where the spans are read: Unity Catalog tables on a SQL warehouse, or MLflow's trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout/--sql/--file, else the store]
    #[arg(long, value_enum, conflicts_with_all = ["table", "layout", "raw"])]
    pub source: Option<SourceChoice>,
    /// Show TIMESTAMP columns of the table in the local time zone instead of UTC (json, jsonl and csv keep them exact)
    #[arg(long)]
    pub local: bool,
}

/// `--source`: where `traces` and `trace` read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceChoice {
    /// MLflow's trace store, over the traces REST API (no SQL warehouse)
    Store,
    /// Unity Catalog tables on a SQL warehouse: the native location's, else the tag destination's
    Tables,
}

/// Where traces are read from and how, for `traces` and `trace` (as for `query`).
#[derive(Debug, Clone, Args)]
pub struct TraceSourceArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Read this table instead of the experiment's trace tables
    #[arg(long, value_name = "CATALOG.SCHEMA.TABLE", conflicts_with_all = ["experiment", "experiment_id"])]
    pub table: Option<String>,
    /// How to read the table [default: as for query]
    #[arg(long, value_enum)]
    pub layout: Option<LayoutChoice>,
    /// Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow's trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]
    #[arg(long, value_enum, conflicts_with_all = ["table", "layout"])]
    pub source: Option<SourceChoice>,
    /// SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]
    #[arg(short = 'w', long, value_name = "ID")]
    pub warehouse: Option<String>,
    /// Cancel a statement that has not finished within this time, such as 5m
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub timeout: Option<Duration>,
    /// Show times in the local time zone instead of UTC
    #[arg(long)]
    pub local: bool,
    /// Print the statement and its parameters; do not run it
    #[arg(long)]
    pub print_sql: bool,
}

/// The trace filters of `traces` and `stats`.
#[derive(Debug, Clone, Args)]
pub struct TraceFilterArgs {
    /// Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)
    #[arg(long)]
    pub user: Option<String>,
    /// Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)
    #[arg(long)]
    pub session: Option<String>,
    /// Only traces with this MLflow trace tag; repeatable, all must match
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable
    #[arg(long = "attribute", value_name = "KEY=VALUE")]
    pub attributes: Vec<String>,
    /// Only traces with a span of this type, such as LLM or TOOL
    #[arg(long, value_name = "TYPE")]
    pub span_type: Option<String>,
    /// Only traces with a span of this name
    #[arg(long, value_name = "SPAN_NAME")]
    pub name: Option<String>,
    /// Only traces that started before this: a duration back or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
}

impl TraceFilterArgs {
    /// The flags to parse, with `since` (whose default differs between commands).
    pub fn flags<'a>(&'a self, since: &'a Option<String>) -> crate::trace_query::FilterFlags<'a> {
        crate::trace_query::FilterFlags {
            user: &self.user,
            session: &self.session,
            tags: &self.tags,
            attributes: &self.attributes,
            span_type: &self.span_type,
            name: &self.name,
            since,
            until: &self.until,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct TracesArgs {
    #[command(flatten)]
    pub source: TraceSourceArgs,
    #[command(flatten)]
    pub filters: TraceFilterArgs,
    /// Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// At most this many traces (per poll with --follow)
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub limit: u64,
    /// Keep polling and print new traces as they arrive, until Ctrl-C
    #[arg(short = 'f', long, conflicts_with = "until")]
    pub follow: bool,
    /// Time between polls with --follow, such as 30s [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = duration_arg, requires = "follow")]
    pub interval: Option<Duration>,
}

#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub source: TraceSourceArgs,
    #[command(flatten)]
    pub filters: TraceFilterArgs,
    /// Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time
    #[arg(long, value_name = "WHEN", default_value = "7d")]
    pub since: Option<String>,
    /// One row per group, such as day (with a trend bar) or span-name (figures of spans)
    #[arg(long, value_enum, value_name = "GROUP")]
    pub by: Option<crate::stats::GroupBy>,
    /// Trace store, where its metrics endpoint cannot answer: read at most this many traces, newest first
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub limit: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub source: TraceSourceArgs,
    #[command(flatten)]
    pub filters: TraceFilterArgs,
    /// Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time [default: every trace]
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// The files' format
    #[arg(long, value_enum, default_value_t = crate::export::files::ExportFormat::Jsonl)]
    pub format: crate::export::files::ExportFormat,
    /// The directory of the files and the manifest: new or empty, or an export to resume
    #[arg(long, value_name = "DIR", default_value = "tracecfg-export")]
    pub out: std::path::PathBuf,
    /// Compress each file with gzip (.gz)
    #[arg(long)]
    pub gzip: bool,
    /// Say how many traces and about how many bytes; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Tables: result chunks fetched at the same time (writing the files is the bottleneck: more only hold memory, unless the links are slow)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Tables: how the result travels [default: auto, which for an export means presigned links from the start]
    #[arg(long, value_enum, default_value_t = DispositionChoice::Auto)]
    pub disposition: DispositionChoice,
}

#[derive(Debug, Clone, Args)]
pub struct TraceArgs {
    /// The trace id, as `traces` lists it
    pub trace_id: String,
    #[command(flatten)]
    pub source: TraceSourceArgs,
    /// Show each span's inputs (pretty JSON, truncated; -o json shows all)
    #[arg(long)]
    pub inputs: bool,
    /// Show each span's outputs (pretty JSON, truncated; -o json shows all)
    #[arg(long)]
    pub outputs: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// Also run SELECT 1 on the warehouse
    #[arg(long)]
    pub query: bool,
    /// SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]
    #[arg(short = 'w', long, value_name = "ID")]
    pub warehouse: Option<String>,
}
