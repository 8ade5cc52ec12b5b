"""Logs traces with token usage, cost, errors and chosen times to an MLflow tracking server with the
real `mlflow` client, for tracecfg's `stats` tests, then prints what the server says about them as
one JSON document, computed here independently of tracecfg.

    python log_usage_traces.py TRACKING_URI EXPERIMENT_NAME [--days 3]

Each trace is an AGENT root "chat" or "summarize" with an LLM child carrying the attributes
`mlflow.chat.tokenUsage`, `mlflow.llm.model` and `mlflow.llm.cost`; start times are spread over the
last --days UTC days (whole hours back from now) and durations are chosen, so latency percentiles
are known. Every fifth trace ends in ERROR.

The JSON printed:
  {"experiment_id", "since_ms", "until_ms",
   "search": {"overall": FIGURES, "by_day": {DAY: FIGURES}, "by_name": {NAME: FIGURES},
              "by_user": {USER: FIGURES}},
   "metrics": {"overall": FIGURES, "by_day": {DAY: FIGURES}}}
where FIGURES = {"count", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms", "input_tokens",
"output_tokens", "total_tokens", "cost_usd"}: "search" is computed from `mlflow.search_traces`
(percentiles linearly interpolated between ranks, as PERCENTILE_CONT) and "metrics" is what the
server's `POST /api/3.0/mlflow/traces/metrics` answers through the client's store.
"""

import argparse
import json
import os
import time
from collections import defaultdict
from datetime import datetime, timezone

os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")

import mlflow  # noqa: E402
from mlflow.entities import SpanType  # noqa: E402
from mlflow.entities.trace_metrics import (  # noqa: E402
    AggregationType,
    MetricAggregation,
    MetricViewType,
)
from mlflow.tracing.constant import SpanAttributeKey, TraceMetadataKey  # noqa: E402
from mlflow.tracking._tracking_service.utils import _get_store  # noqa: E402

HOUR_NS = 3600 * 10**9
MS_NS = 10**6


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("tracking_uri")
    parser.add_argument("experiment")
    parser.add_argument("--days", type=int, default=3)
    return parser.parse_args()


def log_trace(i, start_ns, duration_ms):
    name = "chat" if i % 3 else "summarize"
    failed = i % 5 == 4
    root = mlflow.start_span_no_context(
        name=name,
        span_type=SpanType.AGENT,
        inputs={"question": f"q{i}"},
        metadata={"mlflow.trace.user": f"user-{i % 3}"},
        start_time_ns=start_ns,
    )
    llm = mlflow.start_span_no_context(
        name="llm_call",
        span_type=SpanType.LLM,
        parent_span=root,
        start_time_ns=start_ns + MS_NS,
        attributes={
            SpanAttributeKey.CHAT_USAGE: {
                "input_tokens": 100 + i,
                "output_tokens": 10 + 2 * i,
                "total_tokens": 110 + 3 * i,
            },
            SpanAttributeKey.MODEL: "gpt-a" if i % 2 else "gpt-b",
            SpanAttributeKey.LLM_COST: {
                "input_cost": 0.001 * (i + 1),
                "output_cost": 0.0005 * (i + 1),
                "total_cost": 0.0015 * (i + 1),
            },
        },
    )
    llm.end(outputs={"text": "ok"}, end_time_ns=start_ns + (duration_ms - 1) * MS_NS)
    status = "ERROR" if failed else "OK"
    root.end(outputs={"answer": "ok"}, status=status, end_time_ns=start_ns + duration_ms * MS_NS)


def percentile(values, p):
    """PERCENTILE_CONT: linear interpolation between the ranks around p/100 * (n - 1)."""
    values = sorted(values)
    if not values:
        return None
    index = p / 100 * (len(values) - 1)
    low = int(index)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (index - low)


def figures(traces):
    latencies = [t.info.execution_duration for t in traces]
    usage = [json.loads(t.info.trace_metadata.get(TraceMetadataKey.TOKEN_USAGE, "{}")) for t in traces]
    costs = [json.loads(t.info.trace_metadata.get(TraceMetadataKey.COST, "null") or "null") for t in traces]
    costs = [c["total_cost"] for c in costs if c]
    return {
        "count": len(traces),
        "errors": sum(1 for t in traces if str(t.info.state) in ("ERROR", "TraceState.ERROR")),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "input_tokens": sum(u.get("input_tokens", 0) for u in usage),
        "output_tokens": sum(u.get("output_tokens", 0) for u in usage),
        "total_tokens": sum(u.get("total_tokens", 0) for u in usage),
        "cost_usd": sum(costs) if costs else None,
    }


def day_of(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def from_search(experiment_id):
    traces = mlflow.search_traces(
        locations=[experiment_id], return_type="list", include_spans=False, max_results=10_000
    )
    grouped = lambda key: {  # noqa: E731
        k: figures(v)
        for k, v in _group(traces, key).items()
    }
    return {
        "overall": figures(traces),
        "by_day": grouped(lambda t: day_of(t.info.request_time)),
        "by_name": grouped(lambda t: t.info.tags.get("mlflow.traceName")),
        "by_user": grouped(lambda t: t.info.trace_metadata.get("mlflow.trace.user")),
    }


def _group(traces, key):
    groups = defaultdict(list)
    for t in traces:
        groups[key(t)].append(t)
    return groups


def from_metrics(experiment_id, since_ms, until_ms):
    store = _get_store()

    def query(view, metric, aggs, interval=None, dimensions=None):
        points = store.query_trace_metrics(
            experiment_ids=[experiment_id],
            view_type=view,
            metric_name=metric,
            aggregations=aggs,
            dimensions=dimensions,
            time_interval_seconds=interval,
            start_time_ms=since_ms,
            end_time_ms=until_ms,
        )
        return [(p.dimensions, p.values) for p in points]

    def one(interval):
        out = defaultdict(dict)
        key = lambda dims: dims.get("time_bucket", "")[:10]  # noqa: E731
        for dims, values in query(MetricViewType.TRACES, "trace_count",
                                  [MetricAggregation(AggregationType.COUNT)], interval,
                                  ["trace_status"]):
            row = out[key(dims)]
            row["count"] = row.get("count", 0) + values["COUNT"]
            failed = values["COUNT"] if dims["trace_status"] == "ERROR" else 0
            row["errors"] = row.get("errors", 0) + failed
        pcts = [MetricAggregation(AggregationType.PERCENTILE, p) for p in (50, 95, 99)]
        for dims, values in query(MetricViewType.TRACES, "latency",
                                  pcts + [MetricAggregation(AggregationType.MAX)], interval):
            for p in (50, 95, 99):
                out[key(dims)][f"p{p}_ms"] = values[f"P{float(p)}"]
            out[key(dims)]["max_ms"] = values["MAX"]
        for metric in ("input_tokens", "output_tokens", "total_tokens"):
            for dims, values in query(MetricViewType.TRACES, metric,
                                      [MetricAggregation(AggregationType.SUM)], interval):
                out[key(dims)][metric] = values["SUM"]
        for dims, values in query(MetricViewType.SPANS, "total_cost",
                                  [MetricAggregation(AggregationType.SUM)], interval):
            out[key(dims)]["cost_usd"] = values["SUM"]
        return out

    return {"overall": one(None).get("", {}), "by_day": dict(one(86400))}


def main():
    args = parse_args()
    mlflow.set_tracking_uri(args.tracking_uri)
    experiment = mlflow.set_experiment(args.experiment)
    now_ns = time.time_ns()
    # Whole hours back from now, over the last --days days; durations 40 ms apart and distinct.
    starts = [now_ns - ((i * 7) % (24 * args.days - 1) + 1) * HOUR_NS for i in range(15)]
    for i, start in enumerate(starts):
        log_trace(i, start, 50 + 40 * i + (i * i) % 7)
    since_ms = (now_ns - 24 * args.days * HOUR_NS) // MS_NS
    until_ms = now_ns // MS_NS
    print(json.dumps({
        "experiment_id": experiment.experiment_id,
        "since_ms": since_ms,
        "until_ms": until_ms,
        "search": from_search(experiment.experiment_id),
        "metrics": from_metrics(experiment.experiment_id, since_ms, until_ms),
    }))


if __name__ == "__main__":
    main()
