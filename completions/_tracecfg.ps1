
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tracecfg' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tracecfg'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tracecfg' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set the trace destination tags of an experiment')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply the list of experiments in tracecfg.toml: plan all, then write what differs')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an experiment''s trace storage configuration')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove the trace destination tags from an experiment')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Query an experiment''s trace spans: on a SQL warehouse, or in MLflow''s trace store')
            [CompletionResult]::new('traces', 'traces', [CompletionResultType]::ParameterValue, 'List traces: one row per trace, newest first (--follow prints new ones as they arrive)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Show one trace''s spans as a tree with a timing waterfall')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Figures of an experiment''s traces: count, errors, latency percentiles, tokens and cost')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export an experiment''s traces to files: JSON lines or OTLP/JSON, one file per day, resumable')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the whole trace setup and say what is wrong')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracecfg;set' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'Unity Catalog catalog of the destination')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Unity Catalog schema of the destination')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Table of the destination [default: agent_traces]')
            [CompletionResult]::new('--table-prefix', '--table-prefix', [CompletionResultType]::ParameterName, 'Table prefix of the native location''s <prefix>_otel_* tables [default: the --table value]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'SQL warehouse the trace-location API uses to create the tables [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--warehouse', '--warehouse', [CompletionResultType]::ParameterName, 'SQL warehouse the trace-location API uses to create the tables [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--create', '--create', [CompletionResultType]::ParameterName, 'Create the experiment (and its folder) when it does not exist')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would change and write nothing')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Write nothing; exit 5 when any tag differs from the wanted value')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check in Unity Catalog, before writing, that the catalog and schema exist')
            [CompletionResult]::new('--native', '--native', [CompletionResultType]::ParameterName, 'Also make the destination real: link the experiment to a native Unity Catalog trace location')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The file to apply [default: tracecfg.toml here or in a parent directory]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The file to apply [default: tracecfg.toml here or in a parent directory]')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only these entries: an entry''s name, experiment path or id; repeatable')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and write nothing')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Write nothing; exit 5 when anything would change')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;show' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--all-tags', '--all-tags', [CompletionResultType]::ParameterName, 'List every tag of the experiment')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Show every experiment of tracecfg.toml against its wanted state (as apply --dry-run)')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;unset' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--native', '--native', [CompletionResultType]::ParameterName, 'Also unlink the experiment from its native Unity Catalog trace location')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be removed and remove nothing')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;query' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Query this table instead of the experiment''s destination')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only traces of this user (native: the root span''s user.id or the trace metadata; tags layout: tags[''user_id'']; trace store: the metadata mlflow.trace.user or the tag user_id)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Only traces of this session (native: the root span''s session.id or the trace metadata; tags layout: tags[''session_id'']; trace store: the metadata mlflow.trace.session or the tag session_id)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only traces with this MLflow trace tag; repeatable, all must match')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable, all must match')
            [CompletionResult]::new('--span-type', '--span-type', [CompletionResultType]::ParameterName, 'Only spans of this type, such as LLM or TOOL')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only spans with this name')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only spans that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only spans that started before this: a duration back or an RFC 3339 time')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many rows')
            [CompletionResult]::new('--columns', '--columns', [CompletionResultType]::ParameterName, 'Columns to return, comma-separated')
            [CompletionResult]::new('--sql', '--sql', [CompletionResultType]::ParameterName, 'Run this SQL instead of the trace query; :table is bound to the destination')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Run the SQL in this file (''-'' for stdin)')
            [CompletionResult]::new('--param', '--param', [CompletionResultType]::ParameterName, 'A named parameter for --sql/--file: NAME=VALUE or NAME:TYPE=VALUE (empty VALUE is NULL); repeatable')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--warehouse', '--warehouse', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Cancel the statement if it has not finished within this time, such as 5m')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Result chunks fetched at the same time')
            [CompletionResult]::new('--disposition', '--disposition', [CompletionResultType]::ParameterName, 'How results travel: inline, through presigned links, or inline with a fallback to links')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How to read the table [default: the native location''s tables when the experiment has one, else the tag destination; for --table, told from its columns]')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the spans are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout/--sql/--file, else the store]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--print-sql', '--print-sql', [CompletionResultType]::ParameterName, 'Print the statement and its parameters; do not run it')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Show TIMESTAMP columns of the table in the local time zone instead of UTC (json, jsonl and csv keep them exact)')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;traces' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Read this table instead of the experiment''s trace tables')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How to read the table [default: as for query]')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--warehouse', '--warehouse', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Cancel a statement that has not finished within this time, such as 5m')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only traces with this MLflow trace tag; repeatable, all must match')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable')
            [CompletionResult]::new('--span-type', '--span-type', [CompletionResultType]::ParameterName, 'Only traces with a span of this type, such as LLM or TOOL')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only traces with a span of this name')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only traces that started before this: a duration back or an RFC 3339 time')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many traces (per poll with --follow)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls with --follow, such as 30s [default: 10s]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Show times in the local time zone instead of UTC')
            [CompletionResult]::new('--print-sql', '--print-sql', [CompletionResultType]::ParameterName, 'Print the statement and its parameters; do not run it')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep polling and print new traces as they arrive, until Ctrl-C')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep polling and print new traces as they arrive, until Ctrl-C')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;trace' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Read this table instead of the experiment''s trace tables')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How to read the table [default: as for query]')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--warehouse', '--warehouse', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Cancel a statement that has not finished within this time, such as 5m')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Show times in the local time zone instead of UTC')
            [CompletionResult]::new('--print-sql', '--print-sql', [CompletionResultType]::ParameterName, 'Print the statement and its parameters; do not run it')
            [CompletionResult]::new('--inputs', '--inputs', [CompletionResultType]::ParameterName, 'Show each span''s inputs (pretty JSON, truncated; -o json shows all)')
            [CompletionResult]::new('--outputs', '--outputs', [CompletionResultType]::ParameterName, 'Show each span''s outputs (pretty JSON, truncated; -o json shows all)')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;stats' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Read this table instead of the experiment''s trace tables')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How to read the table [default: as for query]')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--warehouse', '--warehouse', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Cancel a statement that has not finished within this time, such as 5m')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only traces with this MLflow trace tag; repeatable, all must match')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable')
            [CompletionResult]::new('--span-type', '--span-type', [CompletionResultType]::ParameterName, 'Only traces with a span of this type, such as LLM or TOOL')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only traces with a span of this name')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only traces that started before this: a duration back or an RFC 3339 time')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One row per group, such as day (with a trend bar) or span-name (figures of spans)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Trace store, where its metrics endpoint cannot answer: read at most this many traces, newest first')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Show times in the local time zone instead of UTC')
            [CompletionResult]::new('--print-sql', '--print-sql', [CompletionResultType]::ParameterName, 'Print the statement and its parameters; do not run it')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;export' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('--table', '--table', [CompletionResultType]::ParameterName, 'Read this table instead of the experiment''s trace tables')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'How to read the table [default: as for query]')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where traces are read: Unity Catalog tables on a SQL warehouse, or MLflow''s trace store [default: tables when the experiment has a native Unity Catalog location or with --table/--layout, else the store]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--warehouse', '--warehouse', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Cancel a statement that has not finished within this time, such as 5m')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only traces of this user (tables: as for query; trace store: the metadata mlflow.trace.user or the tag user_id)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Only traces of this session (tables: as for query; trace store: the metadata mlflow.trace.session or the tag session_id)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only traces with this MLflow trace tag; repeatable, all must match')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'Only traces with a span whose attribute KEY is VALUE (OpenTelemetry layouts); repeatable')
            [CompletionResult]::new('--span-type', '--span-type', [CompletionResultType]::ParameterName, 'Only traces with a span of this type, such as LLM or TOOL')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only traces with a span of this name')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only traces that started before this: a duration back or an RFC 3339 time')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only traces that started at or after this: a duration back (30m, 24h, 7d) or an RFC 3339 time [default: every trace]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The files'' format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The directory of the files and the manifest: new or empty, or an export to resume')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Tables: result chunks fetched at the same time (writing the files is the bottleneck: more only hold memory, unless the links are slow)')
            [CompletionResult]::new('--disposition', '--disposition', [CompletionResultType]::ParameterName, 'Tables: how the result travels [default: auto, which for an export means presigned links from the start]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Show times in the local time zone instead of UTC')
            [CompletionResult]::new('--print-sql', '--print-sql', [CompletionResultType]::ParameterName, 'Print the statement and its parameters; do not run it')
            [CompletionResult]::new('--gzip', '--gzip', [CompletionResultType]::ParameterName, 'Compress each file with gzip (.gz)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say how many traces and about how many bytes; write nothing')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;doctor' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment', '--experiment', [CompletionResultType]::ParameterName, 'Workspace path of the experiment, such as /Shared/agent_eval [env: MLFLOW_EXPERIMENT_NAME]')
            [CompletionResult]::new('--experiment-id', '--experiment-id', [CompletionResultType]::ParameterName, 'Id of the experiment [env: MLFLOW_EXPERIMENT_ID]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('--warehouse', '--warehouse', [CompletionResultType]::ParameterName, 'SQL warehouse id [env: DATABRICKS_WAREHOUSE_ID]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Also run SELECT 1 on the warehouse')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;completions' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;man' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of ~/.databrickscfg to use [env: DATABRICKS_CONFIG_PROFILE]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Workspace URL, such as https://dbc-123.cloud.databricks.com [env: DATABRICKS_HOST]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text; for query, text on a terminal and json otherwise]')
            [CompletionResult]::new('--http-timeout', '--http-timeout', [CompletionResultType]::ParameterName, 'Time allowed for one HTTP request, such as 30s or 2m [default: 60s]')
            [CompletionResult]::new('--retry-timeout', '--retry-timeout', [CompletionResultType]::ParameterName, 'Total time allowed for retries of one request [default: 5m]')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log each request (method, path, status, time) to stderr; never headers or secrets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors: no notes, no progress')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracecfg;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set the trace destination tags of an experiment')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply the list of experiments in tracecfg.toml: plan all, then write what differs')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an experiment''s trace storage configuration')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove the trace destination tags from an experiment')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Query an experiment''s trace spans: on a SQL warehouse, or in MLflow''s trace store')
            [CompletionResult]::new('traces', 'traces', [CompletionResultType]::ParameterValue, 'List traces: one row per trace, newest first (--follow prints new ones as they arrive)')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Show one trace''s spans as a tree with a timing waterfall')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Figures of an experiment''s traces: count, errors, latency percentiles, tokens and cost')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export an experiment''s traces to files: JSON lines or OTLP/JSON, one file per day, resumable')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the whole trace setup and say what is wrong')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracecfg;help;set' {
            break
        }
        'tracecfg;help;apply' {
            break
        }
        'tracecfg;help;show' {
            break
        }
        'tracecfg;help;unset' {
            break
        }
        'tracecfg;help;query' {
            break
        }
        'tracecfg;help;traces' {
            break
        }
        'tracecfg;help;trace' {
            break
        }
        'tracecfg;help;stats' {
            break
        }
        'tracecfg;help;export' {
            break
        }
        'tracecfg;help;doctor' {
            break
        }
        'tracecfg;help;completions' {
            break
        }
        'tracecfg;help;man' {
            break
        }
        'tracecfg;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
