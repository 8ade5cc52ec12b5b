#!/usr/bin/env python3
"""A local "SQL warehouse": the part of the Databricks REST API that `tracecfg query` uses, served
over one local Apache Spark session (PySpark), so tests run tracecfg's real SQL on a real engine.

    python scripts/spark_warehouse.py --work-dir DIR [--port N] [--port-file PATH]

The HTTP listener binds 127.0.0.1 first (port 0 = a free port; the port is printed on stdout as
`listening on http://127.0.0.1:PORT` and written to --port-file), answers 503 while Spark starts,
and GET /health answers 200 once the Spark session is ready. docs/real-sql-engine.md describes
what is implemented and what differs from Databricks SQL.

Endpoints (all but /health need `Authorization: Bearer <anything>`):
  POST /api/2.0/sql/statements                               run a statement, answer synchronously
  GET  /api/2.0/sql/statements/{id}                          the stored answer
  GET  /api/2.0/sql/statements/{id}/result/chunks/{index}    chunk 0 (the only one)
  POST /api/2.0/sql/statements/{id}/cancel                   200 {} (statements are already done)
  GET  /api/2.1/unity-catalog/catalogs/{catalog}             spark_catalog only
  GET  /api/2.1/unity-catalog/schemas/{catalog}.{schema}
  GET  /api/2.1/unity-catalog/tables/{catalog}.{schema}.{table}
  GET  /api/2.1/unity-catalog/tables/{catalog}.{schema}.{table}/exists
  GET  /health
"""

import argparse
import collections
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# PySpark turns TIMESTAMP values into naive datetimes in the Python process's local time zone:
# pin it to UTC before anything imports pyspark, so collected timestamps are UTC.
os.environ["TZ"] = "UTC"
time.tzset()

CATALOG = "spark_catalog"
STATEMENTS = "/api/2.0/sql/statements"
UC = "/api/2.1/unity-catalog"
MAX_STORED_STATEMENTS = 1000

LOG_LOCK = threading.Lock()


def log(message):
    with LOG_LOCK:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} spark_warehouse: {message}\n")
        sys.stderr.flush()


class ApiError(Exception):
    """A rejected request: an HTTP status and the standard Databricks error body."""

    def __init__(self, status, error_code, message):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


# ---------------------------------------------------------------------------------------------
# Spark


def start_spark(work_dir):
    """One SparkSession (local[2]) with a Hive metastore in Derby and a warehouse under work_dir."""
    from pyspark.sql import SparkSession

    log4j = os.path.join(work_dir, "log4j2.properties")
    with open(log4j, "w", encoding="utf-8") as f:
        # Warnings and errors of Spark itself go to stderr; the per-statement error loggers stay
        # quiet (this server reports each failed statement in its own log line).
        f.write(
            "rootLogger.level = error\n"
            "rootLogger.appenderRef.stderr.ref = console\n"
            "appender.console.type = Console\n"
            "appender.console.name = console\n"
            "appender.console.target = SYSTEM_ERR\n"
            "appender.console.layout.type = PatternLayout\n"
            "appender.console.layout.pattern = %d{HH:mm:ss} spark %p %c{1}: %m%n%ex\n"
            "logger.sqlctx.name = SQLQueryContextLogger\n"
            "logger.sqlctx.level = off\n"
            "logger.dfctx.name = DataFrameQueryContextLogger\n"
            "logger.dfctx.level = off\n"
        )
    derby_home = os.path.join(work_dir, "derby")
    os.makedirs(derby_home, exist_ok=True)
    java_options = f"-Dlog4j2.configurationFile=file:{log4j} -Dderby.system.home={derby_home}"
    metastore = os.path.join(work_dir, "metastore_db")
    builder = (
        SparkSession.builder.appName("tracecfg-local-warehouse")
        .master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.log.structuredLogging.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.warehouse.dir", os.path.join(work_dir, "warehouse"))
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.driver.memory", os.environ.get("SPARK_WAREHOUSE_DRIVER_MEMORY", "1g"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore};create=true",
        )
        .config("spark.local.dir", os.path.join(work_dir, "tmp"))
        .enableHiveSupport()
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # PySpark logs every failed statement (with the JVM stack trace) through these Python
    # loggers; this server reports each failure in one line of its own instead.
    import logging

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True
    warm_up(spark)
    return spark


def warm_up(spark):
    """The first statements pay for the metastore's schema creation in Derby and the JVM's
    warm-up (20 s and more on 2 cores): pay it before /health says ready, not in a test."""
    spark.sql("CREATE DATABASE IF NOT EXISTS spark_catalog.`_warmup`")
    spark.sql(
        "CREATE TABLE spark_catalog.`_warmup`.t (id STRING, at TIMESTAMP, attributes VARIANT, "
        "tags MAP<STRING, STRING>, date DATE) USING parquet PARTITIONED BY (date)"
    )
    spark.sql(
        "INSERT INTO spark_catalog.`_warmup`.t (id, at, attributes, tags, date) "
        "VALUES ('a', TIMESTAMP'2026-01-01 00:00:00', parse_json('{\"k\": 1}'), map('k', 'v'), "
        "DATE'2026-01-01')"
    )
    df = spark.sql(
        "SELECT * FROM IDENTIFIER(:t) WHERE at >= :since ORDER BY at DESC LIMIT 10",
        args={"t": "spark_catalog.`_warmup`.t", "since": "2025-01-01"},
    )
    encode_result(df, None)
    spark.sql("DROP DATABASE spark_catalog.`_warmup` CASCADE")


class Engine:
    """Runs statements one at a time on the shared SparkSession and keeps their answers."""

    def __init__(self):
        self.spark = None
        self.ready = threading.Event()
        self.lock = threading.Lock()
        self.answers = collections.OrderedDict()
        self.answers_lock = threading.Lock()

    # -- statements -----------------------------------------------------------------------

    def execute(self, body):
        request = validate_execute_request(body)
        statement_id = str(uuid.uuid4())
        with self.lock:
            started = time.monotonic()
            try:
                args = self.bind_parameters(request["parameters"])
                df = self.spark.sql(request["statement"], args=args or None)
                manifest, result = encode_result(df, request["row_limit"])
                answer = {
                    "statement_id": statement_id,
                    "status": {"state": "SUCCEEDED"},
                    "manifest": manifest,
                    "result": result,
                }
                outcome = f"SUCCEEDED, {result['row_count']} rows"
            except StatementFailure as e:
                answer = failed_answer(statement_id, e.error_code, e.message, e.sql_state)
                outcome = f"FAILED: {one_line(e.message)}"
            except Exception as e:  # noqa: BLE001 - every engine error is the statement's failure
                error_code, sql_state = classify(e)
                answer = failed_answer(statement_id, error_code, str(e).strip(), sql_state)
                outcome = f"FAILED ({error_code}, SQLSTATE {sql_state}): {one_line(str(e))}"
            elapsed = time.monotonic() - started
        log(f"statement {statement_id} {outcome} ({elapsed:.2f}s): {one_line(request['statement'])[:200]}")
        self.store(answer)
        return answer

    def bind_parameters(self, parameters):
        """Named parameters as the Statement Execution API binds them: `value` is text (None is
        SQL NULL), `type` defaults to STRING, and typed values are cast with Spark's own CAST;
        the cast values travel to spark.sql as literals."""
        args = {}
        typed = []
        for p in parameters:
            name, value, type_text = p["name"], p["value"], p["type"]
            if type_text in ("STRING", "VARCHAR", "CHAR") or value is None:
                # An untyped NULL: Spark binds None as a NULL literal (type VOID), which
                # coerces to the column it is compared with, as Databricks' typed NULL does.
                args[name] = value
            else:
                typed.append((name, value, type_text))
        if typed:
            select = ", ".join(
                f"CAST(:v{i} AS {type_text})" for i, (_, _, type_text) in enumerate(typed)
            )
            try:
                row = self.spark.sql(
                    f"SELECT {select}", args={f"v{i}": v for i, (_, v, _) in enumerate(typed)}
                ).collect()[0]
            except Exception as e:  # noqa: BLE001
                error_code, sql_state = classify(e)
                names = ", ".join(n for n, _, _ in typed)
                raise StatementFailure(
                    error_code,
                    f"a parameter value does not convert to its type ({names}): {str(e).strip()}",
                    sql_state,
                ) from e
            for i, (name, _, type_text) in enumerate(typed):
                value = row[i]
                if type_text == "TIMESTAMP" and value is not None:
                    # Collected in the process time zone, UTC (see the top of the file).
                    import datetime

                    value = value.replace(tzinfo=datetime.timezone.utc)
                args[name] = value
        return args

    def store(self, answer):
        with self.answers_lock:
            self.answers[answer["statement_id"]] = answer
            while len(self.answers) > MAX_STORED_STATEMENTS:
                self.answers.popitem(last=False)

    def answer(self, statement_id):
        with self.answers_lock:
            found = self.answers.get(statement_id)
        if found is None:
            raise ApiError(
                404,
                "RESOURCE_DOES_NOT_EXIST",
                f"statement {statement_id} does not exist on this local warehouse",
            )
        return found

    # -- Unity Catalog ----------------------------------------------------------------------

    def catalog_info(self, name):
        if name.lower() != CATALOG:
            raise ApiError(
                404,
                "CATALOG_DOES_NOT_EXIST",
                f"Catalog '{name}' does not exist. The local Spark warehouse has only '{CATALOG}'.",
            )
        return {"name": CATALOG, "full_name": CATALOG, "catalog_type": "MANAGED_CATALOG"}

    def schema_info(self, full_name):
        parts = split_name(full_name, 2)
        self.catalog_info(parts[0])
        with self.lock:
            exists = self.spark.catalog.databaseExists(f"{CATALOG}.{quote(parts[1])}")
        if not exists:
            raise ApiError(
                404, "SCHEMA_DOES_NOT_EXIST", f"Schema '{CATALOG}.{parts[1]}' does not exist."
            )
        schema = parts[1].lower()
        return {"name": schema, "catalog_name": CATALOG, "full_name": f"{CATALOG}.{schema}"}

    def table_info(self, full_name):
        catalog, schema, table = split_name(full_name, 3)
        missing = ApiError(
            404, "TABLE_DOES_NOT_EXIST", f"Table '{catalog}.{schema}.{table}' does not exist."
        )
        if catalog.lower() != CATALOG:
            raise missing
        name = f"{CATALOG}.{quote(schema)}.{quote(table)}"
        with self.lock:
            if not self.spark.catalog.tableExists(name):
                raise missing
            meta = self.spark.catalog.getTable(name)
            fields = self.spark.table(name).schema.fields
            listed = {c.name: c for c in self.spark.catalog.listColumns(name)}
            provider = None
            if meta.tableType != "VIEW":
                for row in self.spark.sql(f"DESCRIBE TABLE EXTENDED {name}").collect():
                    if row["col_name"] == "Provider":
                        provider = row["data_type"]
        partitions = [c.name for c in listed.values() if c.isPartition]
        columns = []
        for position, field in enumerate(fields):
            column = {
                "name": field.name,
                "type_name": type_name(field.dataType),
                "type_text": field.dataType.simpleString(),
                "type_json": field.json(),
                "position": position,
                "nullable": field.nullable,
            }
            add_precision(column, field.dataType)
            if field.name in partitions:
                column["partition_index"] = partitions.index(field.name)
            if listed.get(field.name) is not None and listed[field.name].description:
                column["comment"] = listed[field.name].description
            columns.append(column)
        namespace = meta.namespace[-1] if meta.namespace else schema.lower()
        info = {
            "name": meta.name,
            "catalog_name": CATALOG,
            "schema_name": namespace,
            "full_name": f"{CATALOG}.{namespace}.{meta.name}",
            "table_type": {"MANAGED": "MANAGED", "EXTERNAL": "EXTERNAL"}.get(
                meta.tableType, meta.tableType
            ),
            "columns": columns,
        }
        if provider:
            info["data_source_format"] = provider.upper()
        if meta.description:
            info["comment"] = meta.description
        return info


class StatementFailure(Exception):
    def __init__(self, error_code, message, sql_state=None):
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.sql_state = sql_state


def classify(exception):
    """error_code and SQLSTATE of an engine error: errors of the statement (parse, analysis,
    runtime) are BAD_REQUEST; internal errors (SQLSTATE class XX, or not from Spark) are
    INTERNAL_ERROR."""
    sql_state = None
    getter = getattr(exception, "getSqlState", None)
    if callable(getter):
        try:
            sql_state = getter()
        except Exception:  # noqa: BLE001
            sql_state = None
    try:
        from pyspark.errors import PySparkException
    except ImportError:  # pragma: no cover
        PySparkException = ()  # noqa: N806
    if isinstance(exception, PySparkException) and not (sql_state or "").startswith("XX"):
        return "BAD_REQUEST", sql_state
    return "INTERNAL_ERROR", sql_state


def failed_answer(statement_id, error_code, message, sql_state):
    status = {"state": "FAILED", "error": {"error_code": error_code, "message": message}}
    if sql_state:
        status["sql_state"] = sql_state
    return {"statement_id": statement_id, "status": status}


def one_line(text):
    return " ".join(str(text).split())


def quote(identifier):
    return "`" + identifier.replace("`", "``") + "`"


def split_name(full_name, count):
    parts = full_name.split(".")
    if len(parts) != count or not all(parts):
        raise ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            f"'{full_name}' is not a full name of {count} dot-separated parts",
        )
    return parts


# ---------------------------------------------------------------------------------------------
# Requests and results

WAIT_TIMEOUT = re.compile(r"^(\d+)s$")
# A SQL type for a parameter: a name, optionally with (p) or (p,s), or an INTERVAL qualifier.
PARAM_TYPE = re.compile(r"^[A-Z_]+( [A-Z_]+)*(\(\s*\d+\s*(,\s*\d+\s*)?\))?$")


def validate_execute_request(body):
    if not isinstance(body, dict):
        raise ApiError(400, "MALFORMED_REQUEST", "the request body is not a JSON object")

    def bad(message):
        return ApiError(400, "INVALID_PARAMETER_VALUE", message)

    statement = body.get("statement")
    if not isinstance(statement, str) or not statement.strip():
        raise bad("statement is required")
    warehouse_id = body.get("warehouse_id")
    if not isinstance(warehouse_id, str) or not warehouse_id:
        raise bad("warehouse_id is required")
    disposition = body.get("disposition") or "INLINE"
    if disposition == "EXTERNAL_LINKS":
        raise ApiError(
            400,
            "NOT_IMPLEMENTED",
            "disposition EXTERNAL_LINKS is not offered by the local Spark warehouse: only INLINE results",
        )
    if disposition != "INLINE":
        raise bad(f"disposition {disposition!r} is not INLINE or EXTERNAL_LINKS")
    result_format = body.get("format") or "JSON_ARRAY"
    if result_format != "JSON_ARRAY":
        raise bad(f"format {result_format} works only with EXTERNAL_LINKS; INLINE needs JSON_ARRAY")
    wait_timeout = body.get("wait_timeout", "10s")
    match = WAIT_TIMEOUT.match(wait_timeout) if isinstance(wait_timeout, str) else None
    if not match or not (int(match.group(1)) == 0 or 5 <= int(match.group(1)) <= 50):
        raise bad(f"wait_timeout {wait_timeout!r} must be '0s' or between '5s' and '50s'")
    on_wait_timeout = body.get("on_wait_timeout", "CONTINUE")
    if on_wait_timeout not in ("CONTINUE", "CANCEL"):
        raise bad(f"on_wait_timeout {on_wait_timeout!r} must be CONTINUE or CANCEL")
    for unsupported in ("catalog", "schema", "byte_limit"):
        if body.get(unsupported) is not None:
            raise ApiError(
                400,
                "NOT_IMPLEMENTED",
                f"{unsupported} is not supported by the local Spark warehouse; qualify names fully",
            )
    row_limit = body.get("row_limit")
    if row_limit is not None and (not isinstance(row_limit, int) or row_limit < 0):
        raise bad("row_limit must be a non-negative integer")
    parameters = []
    for p in body.get("parameters") or []:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str) or not p["name"]:
            raise bad("every parameter needs a name")
        value = p.get("value")
        if value is not None and not isinstance(value, str):
            raise bad(f"parameter {p['name']}: value must be a string or null")
        type_text = p.get("type") or "STRING"
        if not isinstance(type_text, str) or not PARAM_TYPE.match(type_text.upper().strip()):
            raise bad(f"parameter {p['name']}: type {type_text!r} is not a SQL type")
        type_text = type_text.upper().strip()
        if type_text.split("(")[0].split()[0] in ("ARRAY", "MAP", "STRUCT"):
            raise bad(f"parameter {p['name']}: type {type_text} is not supported for parameters")
        if any(q["name"] == p["name"] for q in parameters):
            raise bad(f"parameter {p['name']} is given twice")
        parameters.append({"name": p["name"], "value": value, "type": type_text})
    return {"statement": statement, "parameters": parameters, "row_limit": row_limit}


def type_name(data_type):
    """The Databricks ColumnInfoTypeName of a Spark type (the same names Unity Catalog uses)."""
    from pyspark.sql import types as T

    simple = [
        (T.BooleanType, "BOOLEAN"),
        (T.ByteType, "BYTE"),
        (T.ShortType, "SHORT"),
        (T.IntegerType, "INT"),
        (T.LongType, "LONG"),
        (T.FloatType, "FLOAT"),
        (T.DoubleType, "DOUBLE"),
        (T.DecimalType, "DECIMAL"),
        (T.CharType, "CHAR"),
        (T.VarcharType, "STRING"),
        (T.StringType, "STRING"),
        (T.BinaryType, "BINARY"),
        (T.DateType, "DATE"),
        (T.TimestampNTZType, "TIMESTAMP_NTZ"),
        (T.TimestampType, "TIMESTAMP"),
        (T.DayTimeIntervalType, "INTERVAL"),
        (T.YearMonthIntervalType, "INTERVAL"),
        (T.ArrayType, "ARRAY"),
        (T.MapType, "MAP"),
        (T.StructType, "STRUCT"),
        (T.NullType, "NULL"),
        (T.VariantType, "VARIANT"),
    ]
    for cls, name in simple:
        if isinstance(data_type, cls):
            return name
    return "USER_DEFINED_TYPE"


def add_precision(column, data_type):
    from pyspark.sql import types as T

    if isinstance(data_type, T.DecimalType):
        column["type_precision"] = data_type.precision
        column["type_scale"] = data_type.scale


TIMESTAMP_TRAILING_MICROS = re.compile(r"\.(\d{3})000(?=Z?$)")


def encode_result(df, row_limit):
    """The manifest and the single inline chunk of a result, every cell rendered as Databricks
    renders JSON_ARRAY cells: text or null. Rendering happens in Spark (CAST, date_format,
    to_json), so the text is Spark's own."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    fields = df.schema.fields
    jfields = df._jdf.schema().fields()
    columns = []
    for position, field in enumerate(fields):
        column = {
            "name": field.name,
            "type_name": type_name(field.dataType),
            # Spark's SQL spelling of the type, such as MAP<STRING, STRING> or DECIMAL(10,2).
            "type_text": jfields[position].dataType().sql(),
            "position": position,
        }
        add_precision(column, field.dataType)
        columns.append(column)
    rows = []
    if fields:
        positional = df.toDF(*[f"c{i}" for i in range(len(fields))])
        rendered = []
        for i, field in enumerate(fields):
            c = F.col(f"c{i}")
            dt = field.dataType
            if isinstance(dt, T.TimestampNTZType):
                c = F.date_format(c, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
            elif isinstance(dt, T.TimestampType):
                c = F.date_format(c, "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
            elif isinstance(dt, (T.MapType, T.StructType, T.ArrayType, T.VariantType)):
                c = F.to_json(c)
            elif isinstance(dt, T.BinaryType):
                c = F.base64(c)
            else:
                c = c.cast("string")
            rendered.append(c.alias(f"c{i}"))
        selected = positional.select(*rendered)
        if row_limit is not None:
            # One more than the limit tells whether the result was truncated.
            selected = selected.limit(row_limit + 1)
        timestamp_columns = [
            i for i, f in enumerate(fields) if type_name(f.dataType).startswith("TIMESTAMP")
        ]
        for row in selected.collect():
            cells = list(row)
            for i in timestamp_columns:
                if cells[i] is not None:
                    # Milliseconds always; microseconds only when there are any.
                    cells[i] = TIMESTAMP_TRAILING_MICROS.sub(r".\1", cells[i])
            rows.append(cells)
    truncated = row_limit is not None and len(rows) > row_limit
    if truncated:
        rows = rows[:row_limit]
    manifest = {
        "format": "JSON_ARRAY",
        "schema": {"column_count": len(columns), "columns": columns},
        "total_chunk_count": 1,
        "chunks": [{"chunk_index": 0, "row_offset": 0, "row_count": len(rows)}],
        "total_row_count": len(rows),
        "truncated": truncated,
    }
    result = {"chunk_index": 0, "row_offset": 0, "row_count": len(rows), "data_array": rows}
    return manifest, result


# ---------------------------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    server_version = "tracecfg-spark-warehouse/1"
    protocol_version = "HTTP/1.1"
    engine = None  # set in main

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # one line per request is written by `respond` instead

    def do_GET(self):  # noqa: N802
        self.dispatch("GET")

    def do_POST(self):  # noqa: N802
        self.dispatch("POST")

    def do_PUT(self):  # noqa: N802
        self.dispatch("PUT")

    def do_PATCH(self):  # noqa: N802
        self.dispatch("PATCH")

    def do_DELETE(self):  # noqa: N802
        self.dispatch("DELETE")

    def dispatch(self, method):
        started = time.monotonic()
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = self.read_body()
            status, answer = self.route(method, path, body)
        except ApiError as e:
            status, answer = e.status, {"error_code": e.error_code, "message": e.message}
        except Exception as e:  # noqa: BLE001
            log(f"internal error on {method} {path}: {e!r}")
            status, answer = 500, {"error_code": "INTERNAL_ERROR", "message": str(e)}
        self.respond(status, answer)
        # Never the headers (Authorization): the method, the path, the status and the time.
        log(f"{method} {path} -> {status} ({time.monotonic() - started:.2f}s)")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0:
            return None
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError as e:
            raise ApiError(400, "MALFORMED_REQUEST", f"the request body is not JSON: {e}") from e

    def route(self, method, path, body):
        engine = self.engine
        if path == "/health" and method == "GET":
            if not engine.ready.is_set():
                raise ApiError(503, "TEMPORARILY_UNAVAILABLE", "the Spark session is starting")
            return 200, {"status": "ok"}
        authorization = self.headers.get("Authorization") or ""
        if not authorization.startswith("Bearer ") or not authorization[len("Bearer ") :].strip():
            raise ApiError(
                401, "UNAUTHENTICATED", "an Authorization: Bearer <token> header is required"
            )
        if not engine.ready.is_set():
            raise ApiError(503, "TEMPORARILY_UNAVAILABLE", "the Spark session is starting")
        segments = [urllib.parse.unquote(s) for s in path.split("/")[1:]]
        if path == STATEMENTS:
            self.require(method, "POST")
            return 200, engine.execute(body)
        if path.startswith(STATEMENTS + "/"):
            rest = segments[4:]
            if len(rest) == 1:
                self.require(method, "GET")
                return 200, engine.answer(rest[0])
            if len(rest) == 2 and rest[1] == "cancel":
                self.require(method, "POST")
                engine.answer(rest[0])
                return 200, {}
            if len(rest) == 4 and rest[1:3] == ["result", "chunks"]:
                self.require(method, "GET")
                answer = engine.answer(rest[0])
                if rest[3] != "0" or "result" not in answer:
                    raise ApiError(
                        404,
                        "RESOURCE_DOES_NOT_EXIST",
                        f"statement {rest[0]} has no result chunk {rest[3]}",
                    )
                return 200, answer["result"]
        if path.startswith(UC + "/"):
            rest = segments[3:]
            self.require(method, "GET")
            if len(rest) == 2 and rest[0] == "catalogs":
                return 200, engine.catalog_info(rest[1])
            if len(rest) == 2 and rest[0] == "schemas":
                return 200, engine.schema_info(rest[1])
            if len(rest) == 2 and rest[0] == "tables":
                return 200, engine.table_info(rest[1])
            if len(rest) == 3 and rest[0] == "tables" and rest[2] == "exists":
                try:
                    engine.table_info(rest[1])
                    return 200, {"table_exists": True}
                except ApiError as e:
                    if e.status == 404:
                        return 200, {"table_exists": False}
                    raise
        raise ApiError(
            404,
            "ENDPOINT_NOT_FOUND",
            f"{method} {path} is not implemented by the local Spark warehouse",
        )

    @staticmethod
    def require(method, expected):
        if method != expected:
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"use {expected}")

    def respond(self, status, answer):
        data = json.dumps(answer).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hung up (a health probe, an interrupted test) is worth one line, not a
        # traceback.
        log(f"connection from {client_address[0]}:{client_address[1]} failed: {sys.exc_info()[1]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", required=True, help="metastore, warehouse and temp files")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--port-file", help="write the port here once listening")
    options = parser.parse_args()
    work_dir = os.path.abspath(options.work_dir)
    os.makedirs(work_dir, exist_ok=True)

    engine = Engine()
    Handler.engine = engine
    server = Server(("127.0.0.1", options.port), Handler)
    port = server.server_address[1]
    if options.port_file:
        tmp = options.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(tmp, options.port_file)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    log(f"starting Spark (work dir {work_dir}); /health answers 503 until it is ready")
    try:
        engine.spark = start_spark(work_dir)
    except Exception as e:  # noqa: BLE001
        log(f"error: Spark did not start: {e}")
        server.shutdown()
        return 1
    engine.ready.set()
    log(
        f"Spark {engine.spark.version} ready after {time.monotonic() - started:.1f}s; "
        f"serving on http://127.0.0.1:{port}"
    )
    while not stop.wait(1):
        pass
    log("stopping")
    server.shutdown()
    try:
        engine.spark.stop()
    except Exception:  # noqa: BLE001
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
