# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tracecfg_global_optspecs
    string join \n p/profile= host= o/output= debug q/quiet http-timeout= retry-timeout= h/help V/version
end

function __fish_tracecfg_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tracecfg_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tracecfg_using_subcommand
    set -l cmd (__fish_tracecfg_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tracecfg -n "__fish_tracecfg_needs_command" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_needs_command" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_needs_command" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_needs_command" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_needs_command" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_needs_command" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -s V -l version -d 'Print version'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "set" -d 'Set the trace destination tags of an experiment'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "apply" -d 'Apply the list of experiments in tracecfg.toml: plan all, then write what differs'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "show" -d 'Show an experiment\'s trace storage configuration'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "unset" -d 'Remove the trace destination tags from an experiment'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "query" -d 'Query an experiment\'s trace spans: on a SQL warehouse, or in MLflow\'s trace store'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "traces" -d 'List traces: one row per trace, newest first (--follow prints new ones as they arrive)'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "trace" -d 'Show one trace\'s spans as a tree with a timing waterfall'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "stats" -d 'Figures of an experiment\'s traces: count, errors, latency percentiles, tokens and cost'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "export" -d 'Export an experiment\'s traces to files: JSON lines or OTLP/JSON, one file per day, resumable'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "doctor" -d 'Check the whole trace setup and say what is wrong'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c tracecfg -n "__fish_tracecfg_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l catalog -d 'Unity Catalog catalog of the destination' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l schema -d 'Unity Catalog schema of the destination' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l table -d 'Table of the destination [default: agent_traces]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l table-prefix -d 'Table prefix of the native location\'s <prefix>_otel_* tables [default: the --table value]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -s w -l warehouse -d 'SQL warehouse the trace-location API uses to create the tables [env: DATABRICKS_WAREHOUSE_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l create -d 'Create the experiment (and its folder) when it does not exist'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l dry-run -d 'Print what would change and write nothing'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l check -d 'Write nothing; exit 5 when any tag differs from the wanted value'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l verify -d 'Check in Unity Catalog, before writing, that the catalog and schema exist'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l native -d 'Also make the destination real: link the experiment to a native Unity Catalog trace location'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -s f -l file -d 'The file to apply [default: tracecfg.toml here or in a parent directory]' -r -F
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -l only -d 'Only these entries: an entry\'s name, experiment path or id; repeatable' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -l dry-run -d 'Print the plan and write nothing'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -l check -d 'Write nothing; exit 5 when anything would change'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -l all-tags -d 'List every tag of the experiment'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -l all -d 'Show every experiment of tracecfg.toml against its wanted state (as apply --dry-run)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -l native -d 'Also unlink the experiment from its native Unity Catalog trace location'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -l dry-run -d 'Print what would be removed and remove nothing'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l table -d 'Query this table instead of the experiment\'s destination' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l user -d 'Only traces of this user (native: the root span\'s user.id or the trace metadata; tags layout: tags[\'user_id\']; trace store: the metadata mlflow.trace.user or the tag user_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l session -d 'Only traces of this session (native: the root span\'s session.id or the trace metadata; tags layout: tags[\'session_id\']; trace store: the metadata mlflow.trace.session or the tag session_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l tag -d 'Only traces with this MLflow trace tag; repeatable, all must match' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l attribute -d 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable, all must match' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l span-type -d 'Only spans of this type, such as LLM or TOOL' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l name -d 'Only spans with this name' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l since -d 'Only spans that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l until -d 'Only spans that started before this: a duration back or an RFC 3339 time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l limit -d 'At most this many rows' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l columns -d 'Columns to return, comma-separated' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l sql -d 'Run this SQL instead of the trace query; :table is bound to the destination' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l file -d 'Run the SQL in this file (\'-\' for stdin)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l param -d 'A named parameter for --sql/--file: NAME=VALUE or NAME:TYPE=VALUE (empty VALUE is NULL); repeatable' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -s w -l warehouse -d 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l timeout -d 'Cancel the statement if it has not finished within this time, such as 5m' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l parallel -d 'Result chunks fetched at the same time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l disposition -d 'How results travel: inline, through presigned links, or inline with a fallback to links' -r -f -a "inline\t'Results inline in the API responses (at most 25 MiB)'
external-links\t'Results through presigned links (for large results)'
auto\t'Links when the statement says the result is large, else inline, and once more through links if the inline limit is hit'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l layout -d 'How to read the table [default: the native location\'s tables when the experiment has one, else the tag destination; for --table, told from its columns]' -r -f -a "tags\t'The table named by the mlflow.tracing.destination.* tags'
otel\t'The OpenTelemetry tables of a native location; V1 or V2 told from the location or columns'
otel-v1\t'OpenTelemetry tables of a schema location (MAP attributes, logs table)'
otel-v2\t'OpenTelemetry tables of a table-prefix location (VARIANT attributes, annotations table)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l source -d 'Where the spans are read: Unity Catalog tables on a SQL warehouse, or MLflow\'s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout/--sql/--file, else the store]' -r -f -a "store\t'MLflow\'s trace store, over the traces REST API (no SQL warehouse)'
tables\t'Unity Catalog tables on a SQL warehouse: the native location\'s, else the tag destination\'s'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l print-sql -d 'Print the statement and its parameters; do not run it'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l local -d 'Show TIMESTAMP columns of the table in the local time zone instead of UTC (json, jsonl and csv keep them exact)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l table -d 'Read this table instead of the experiment\'s trace tables' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l layout -d 'How to read the table [default: as for query]' -r -f -a "tags\t'The table named by the mlflow.tracing.destination.* tags'
otel\t'The OpenTelemetry tables of a native location; V1 or V2 told from the location or columns'
otel-v1\t'OpenTelemetry tables of a schema location (MAP attributes, logs table)'
otel-v2\t'OpenTelemetry tables of a table-prefix location (VARIANT attributes, annotations table)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l source -d 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow\'s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]' -r -f -a "store\t'MLflow\'s trace store, over the traces REST API (no SQL warehouse)'
tables\t'Unity Catalog tables on a SQL warehouse: the native location\'s, else the tag destination\'s'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -s w -l warehouse -d 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l timeout -d 'Cancel a statement that has not finished within this time, such as 5m' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l user -d 'Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l session -d 'Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l tag -d 'Only traces with this MLflow trace tag; repeatable, all must match' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l attribute -d 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l span-type -d 'Only traces with a span of this type, such as LLM or TOOL' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l name -d 'Only traces with a span of this name' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l until -d 'Only traces that started before this: a duration back or an RFC 3339 time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l since -d 'Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l limit -d 'At most this many traces (per poll with --follow)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l interval -d 'Time between polls with --follow, such as 30s [default: 10s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l local -d 'Show times in the local time zone instead of UTC'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l print-sql -d 'Print the statement and its parameters; do not run it'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -s f -l follow -d 'Keep polling and print new traces as they arrive, until Ctrl-C'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand traces" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l table -d 'Read this table instead of the experiment\'s trace tables' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l layout -d 'How to read the table [default: as for query]' -r -f -a "tags\t'The table named by the mlflow.tracing.destination.* tags'
otel\t'The OpenTelemetry tables of a native location; V1 or V2 told from the location or columns'
otel-v1\t'OpenTelemetry tables of a schema location (MAP attributes, logs table)'
otel-v2\t'OpenTelemetry tables of a table-prefix location (VARIANT attributes, annotations table)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l source -d 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow\'s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]' -r -f -a "store\t'MLflow\'s trace store, over the traces REST API (no SQL warehouse)'
tables\t'Unity Catalog tables on a SQL warehouse: the native location\'s, else the tag destination\'s'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -s w -l warehouse -d 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l timeout -d 'Cancel a statement that has not finished within this time, such as 5m' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l local -d 'Show times in the local time zone instead of UTC'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l print-sql -d 'Print the statement and its parameters; do not run it'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l inputs -d 'Show each span\'s inputs (pretty JSON, truncated; -o json shows all)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l outputs -d 'Show each span\'s outputs (pretty JSON, truncated; -o json shows all)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand trace" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l table -d 'Read this table instead of the experiment\'s trace tables' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l layout -d 'How to read the table [default: as for query]' -r -f -a "tags\t'The table named by the mlflow.tracing.destination.* tags'
otel\t'The OpenTelemetry tables of a native location; V1 or V2 told from the location or columns'
otel-v1\t'OpenTelemetry tables of a schema location (MAP attributes, logs table)'
otel-v2\t'OpenTelemetry tables of a table-prefix location (VARIANT attributes, annotations table)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l source -d 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow\'s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]' -r -f -a "store\t'MLflow\'s trace store, over the traces REST API (no SQL warehouse)'
tables\t'Unity Catalog tables on a SQL warehouse: the native location\'s, else the tag destination\'s'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -s w -l warehouse -d 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l timeout -d 'Cancel a statement that has not finished within this time, such as 5m' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l user -d 'Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l session -d 'Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l tag -d 'Only traces with this MLflow trace tag; repeatable, all must match' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l attribute -d 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l span-type -d 'Only traces with a span of this type, such as LLM or TOOL' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l name -d 'Only traces with a span of this name' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l until -d 'Only traces that started before this: a duration back or an RFC 3339 time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l since -d 'Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l by -d 'One row per group, such as day (with a trend bar) or span-name (figures of spans)' -r -f -a "day\t'The UTC day a trace started'
hour\t'The UTC hour a trace started'
user\t'The trace\'s user'
session\t'The trace\'s session'
name\t'The trace\'s name (its root span\'s)'
span-type\t'Spans, by span type (figures of spans, not traces)'
span-name\t'Spans, by span name (figures of spans, not traces)'
model\t'The model of the trace\'s LLM spans'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l limit -d 'Trace store, where its metrics endpoint cannot answer: read at most this many traces, newest first' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l local -d 'Show times in the local time zone instead of UTC'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l print-sql -d 'Print the statement and its parameters; do not run it'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l table -d 'Read this table instead of the experiment\'s trace tables' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l layout -d 'How to read the table [default: as for query]' -r -f -a "tags\t'The table named by the mlflow.tracing.destination.* tags'
otel\t'The OpenTelemetry tables of a native location; V1 or V2 told from the location or columns'
otel-v1\t'OpenTelemetry tables of a schema location (MAP attributes, logs table)'
otel-v2\t'OpenTelemetry tables of a table-prefix location (VARIANT attributes, annotations table)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l source -d 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow\'s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]' -r -f -a "store\t'MLflow\'s trace store, over the traces REST API (no SQL warehouse)'
tables\t'Unity Catalog tables on a SQL warehouse: the native location\'s, else the tag destination\'s'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -s w -l warehouse -d 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l timeout -d 'Cancel a statement that has not finished within this time, such as 5m' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l user -d 'Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l session -d 'Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l tag -d 'Only traces with this MLflow trace tag; repeatable, all must match' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l attribute -d 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l span-type -d 'Only traces with a span of this type, such as LLM or TOOL' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l name -d 'Only traces with a span of this name' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l until -d 'Only traces that started before this: a duration back or an RFC 3339 time' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l since -d 'Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time [default: every trace]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l format -d 'The files\' format' -r -f -a "jsonl\t'One JSON object per trace, as `trace ID -o json` with every field'
otlp\t'OTLP/JSON: one ExportTraceServiceRequest per trace, one per line'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l out -d 'The directory of the files and the manifest: new or empty, or an export to resume' -r -F
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l parallel -d 'Tables: result chunks fetched at the same time (writing the files is the bottleneck: more only hold memory, unless the links are slow)' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l disposition -d 'Tables: how the result travels [default: auto, which for an export means presigned links from the start]' -r -f -a "inline\t'Results inline in the API responses (at most 25 MiB)'
external-links\t'Results through presigned links (for large results)'
auto\t'Links when the statement says the result is large, else inline, and once more through links if the inline limit is hit'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l local -d 'Show times in the local time zone instead of UTC'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l print-sql -d 'Print the statement and its parameters; do not run it'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l gzip -d 'Compress each file with gzip (.gz)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l dry-run -d 'Say how many traces and about how many bytes; write nothing'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -s e -l experiment -d 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -l experiment-id -d 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -s w -l warehouse -d 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -l query -d 'Also run SELECT 1 on the warehouse'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -s p -l profile -d 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -l host -d 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -s o -l output -d 'Output format [default: text; for query, text on a terminal and json otherwise]' -r -f -a "text\t'Human-readable text (a table for query results)'
json\t'One JSON document'
jsonl\t'One JSON object per line (query results)'
csv\t'Comma-separated values with a header row (query results)'"
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -l http-timeout -d 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -l retry-timeout -d 'Total time allowed for retries of one request [default: 5m]' -r
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -l debug -d 'Log each request (method, path, status, time) to stderr; never headers or secrets'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -s q -l quiet -d 'Print only results and errors: no notes, no progress'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "set" -d 'Set the trace destination tags of an experiment'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "apply" -d 'Apply the list of experiments in tracecfg.toml: plan all, then write what differs'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "show" -d 'Show an experiment\'s trace storage configuration'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "unset" -d 'Remove the trace destination tags from an experiment'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "query" -d 'Query an experiment\'s trace spans: on a SQL warehouse, or in MLflow\'s trace store'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "traces" -d 'List traces: one row per trace, newest first (--follow prints new ones as they arrive)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "trace" -d 'Show one trace\'s spans as a tree with a timing waterfall'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "stats" -d 'Figures of an experiment\'s traces: count, errors, latency percentiles, tokens and cost'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "export" -d 'Export an experiment\'s traces to files: JSON lines or OTLP/JSON, one file per day, resumable'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "doctor" -d 'Check the whole trace setup and say what is wrong'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c tracecfg -n "__fish_tracecfg_using_subcommand help; and not __fish_seen_subcommand_from set apply show unset query traces trace stats export doctor completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
