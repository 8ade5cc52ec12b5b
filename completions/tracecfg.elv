
use builtin;
use str;

set edit:completion:arg-completer[tracecfg] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tracecfg'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tracecfg'= {
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Set the trace destination tags of an experiment'
            cand apply 'Apply the list of experiments in tracecfg.toml: plan all, then write what differs'
            cand show 'Show an experiment''s trace storage configuration'
            cand unset 'Remove the trace destination tags from an experiment'
            cand query 'Query an experiment''s trace spans: on a SQL warehouse, or in MLflow''s trace store'
            cand traces 'List traces: one row per trace, newest first (--follow prints new ones as they arrive)'
            cand trace 'Show one trace''s spans as a tree with a timing waterfall'
            cand doctor 'Check the whole trace setup and say what is wrong'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracecfg;set'= {
            cand -e 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment-id 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]'
            cand --catalog 'Unity Catalog catalog of the destination'
            cand --schema 'Unity Catalog schema of the destination'
            cand --table 'Table of the destination [default: agent_traces]'
            cand --table-prefix 'Table prefix of the native location''s <prefix>_otel_* tables [default: the --table value]'
            cand -w 'SQL warehouse the trace-location API uses to create the tables [env: DATABRICKS_WAREHOUSE_ID]'
            cand --warehouse 'SQL warehouse the trace-location API uses to create the tables [env: DATABRICKS_WAREHOUSE_ID]'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --create 'Create the experiment (and its folder) when it does not exist'
            cand --dry-run 'Print what would change and write nothing'
            cand --check 'Write nothing; exit 5 when any tag differs from the wanted value'
            cand --verify 'Check in Unity Catalog, before writing, that the catalog and schema exist'
            cand --native 'Also make the destination real: link the experiment to a native Unity Catalog trace location'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;apply'= {
            cand -f 'The file to apply [default: tracecfg.toml here or in a parent directory]'
            cand --file 'The file to apply [default: tracecfg.toml here or in a parent directory]'
            cand --only 'Only these entries: an entry''s name, experiment path or id; repeatable'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --dry-run 'Print the plan and write nothing'
            cand --check 'Write nothing; exit 5 when anything would change'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;show'= {
            cand -e 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment-id 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --all-tags 'List every tag of the experiment'
            cand --all 'Show every experiment of tracecfg.toml against its wanted state (as apply --dry-run)'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;unset'= {
            cand -e 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment-id 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --native 'Also unlink the experiment from its native Unity Catalog trace location'
            cand --dry-run 'Print what would be removed and remove nothing'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;query'= {
            cand -e 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment-id 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]'
            cand --table 'Query this table instead of the experiment''s destination'
            cand --user 'Only traces of this user (native: the root span''s user.id or the trace metadata; tags layout: tags[''user_id'']; trace store: the metadata mlflow.trace.user or the tag user_id)'
            cand --session 'Only traces of this session (native: the root span''s session.id or the trace metadata; tags layout: tags[''session_id'']; trace store: the metadata mlflow.trace.session or the tag session_id)'
            cand --tag 'Only traces with this MLflow trace tag; repeatable, all must match'
            cand --attribute 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable, all must match'
            cand --span-type 'Only spans of this type, such as LLM or TOOL'
            cand --name 'Only spans with this name'
            cand --since 'Only spans that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time'
            cand --until 'Only spans that started before this: a duration back or an RFC 3339 time'
            cand --limit 'At most this many rows'
            cand --columns 'Columns to return, comma-separated'
            cand --sql 'Run this SQL instead of the trace query; :table is bound to the destination'
            cand --file 'Run the SQL in this file (''-'' for stdin)'
            cand --param 'A named parameter for --sql/--file: NAME=VALUE or NAME:TYPE=VALUE (empty VALUE is NULL); repeatable'
            cand -w 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand --warehouse 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand --timeout 'Cancel the statement if it has not finished within this time, such as 5m'
            cand --parallel 'Result chunks fetched at the same time'
            cand --disposition 'How results travel: inline, through presigned links, or inline with a fallback to links'
            cand --layout 'How to read the table [default: the native location''s tables when the experiment has one, else the tag destination; for --table, told from its columns]'
            cand --source 'Where the spans are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout/--sql/--file, else the store]'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --print-sql 'Print the statement and its parameters; do not run it'
            cand --local 'Show TIMESTAMP columns of the table in the local time zone instead of UTC (json, jsonl and csv keep them exact)'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;traces'= {
            cand -e 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment-id 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]'
            cand --table 'Read this table instead of the experiment''s trace tables'
            cand --layout 'How to read the table [default: as for query]'
            cand --source 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]'
            cand -w 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand --warehouse 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand --timeout 'Cancel a statement that has not finished within this time, such as 5m'
            cand --user 'Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)'
            cand --session 'Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)'
            cand --tag 'Only traces with this MLflow trace tag; repeatable, all must match'
            cand --attribute 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable'
            cand --span-type 'Only traces with a span of this type, such as LLM or TOOL'
            cand --name 'Only traces with a span of this name'
            cand --since 'Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time'
            cand --until 'Only traces that started before this: a duration back or an RFC 3339 time'
            cand --limit 'At most this many traces (per poll with --follow)'
            cand --interval 'Time between polls with --follow, such as 30s [default: 10s]'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --local 'Show times in the local time zone instead of UTC'
            cand --print-sql 'Print the statement and its parameters; do not run it'
            cand -f 'Keep polling and print new traces as they arrive, until Ctrl-C'
            cand --follow 'Keep polling and print new traces as they arrive, until Ctrl-C'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;trace'= {
            cand -e 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment-id 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]'
            cand --table 'Read this table instead of the experiment''s trace tables'
            cand --layout 'How to read the table [default: as for query]'
            cand --source 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]'
            cand -w 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand --warehouse 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand --timeout 'Cancel a statement that has not finished within this time, such as 5m'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --local 'Show times in the local time zone instead of UTC'
            cand --print-sql 'Print the statement and its parameters; do not run it'
            cand --inputs 'Show each span''s inputs (pretty JSON, truncated; -o json shows all)'
            cand --outputs 'Show each span''s outputs (pretty JSON, truncated; -o json shows all)'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;doctor'= {
            cand -e 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]'
            cand --experiment-id 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]'
            cand -w 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand --warehouse 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]'
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --query 'Also run SELECT 1 on the warehouse'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;completions'= {
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;man'= {
            cand -p 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --profile 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]'
            cand --host 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]'
            cand -o 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --output 'Output format [default: text; for query, text on a terminal and json otherwise]'
            cand --http-timeout 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]'
            cand --retry-timeout 'Total time allowed for retries of one request [default: 5m]'
            cand --debug 'Log each request (method, path, status, time) to stderr; never headers or secrets'
            cand -q 'Print only results and errors: no notes, no progress'
            cand --quiet 'Print only results and errors: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracecfg;help'= {
            cand set 'Set the trace destination tags of an experiment'
            cand apply 'Apply the list of experiments in tracecfg.toml: plan all, then write what differs'
            cand show 'Show an experiment''s trace storage configuration'
            cand unset 'Remove the trace destination tags from an experiment'
            cand query 'Query an experiment''s trace spans: on a SQL warehouse, or in MLflow''s trace store'
            cand traces 'List traces: one row per trace, newest first (--follow prints new ones as they arrive)'
            cand trace 'Show one trace''s spans as a tree with a timing waterfall'
            cand doctor 'Check the whole trace setup and say what is wrong'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracecfg;help;set'= {
        }
        &'tracecfg;help;apply'= {
        }
        &'tracecfg;help;show'= {
        }
        &'tracecfg;help;unset'= {
        }
        &'tracecfg;help;query'= {
        }
        &'tracecfg;help;traces'= {
        }
        &'tracecfg;help;trace'= {
        }
        &'tracecfg;help;doctor'= {
        }
        &'tracecfg;help;completions'= {
        }
        &'tracecfg;help;man'= {
        }
        &'tracecfg;help;help'= {
        }
    ]
    $completions[$command]
}
