"""Logs traces for tracecfg's `export` tests to an MLflow tracking server with the real `mlflow`
client, then prints them as the client reads them back (`mlflow.get_trace`), as one JSON document.

    python log_export_traces.py TRACKING_URI EXPERIMENT_NAME [--count 12]

Trace i starts i * 6 hours + 1 hour back from now (so the traces span several UTC days); its
AGENT root has inputs and outputs, an LLM child carries attributes of every JSON type, and a TOOL
child records an exception event and fails in every third trace. Each trace gets the tag
`env=test-<i % 2>`, and every other trace a feedback assessment.

Prints {"experiment_id", "traces": [{"trace_id", "otel_trace_id", "request_time_ms", "tags",
"assessments", "spans": [{"span_id", "parent_id", "name", "attributes", "events", "status"}]}]},
traces oldest first; span ids in hex, attributes as the client decodes them.
"""

import argparse
import json
import os
import time

os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")

import mlflow  # noqa: E402
from mlflow.entities import AssessmentSource, SpanType  # noqa: E402

HOUR_NS = 3600 * 10**9
MS_NS = 10**6


def log_trace(i, start_ns):
    root = mlflow.start_span_no_context(
        name="agent",
        span_type=SpanType.AGENT,
        inputs={"question": f"q{i}", "n": i},
        metadata={"mlflow.trace.user": f"user-{i % 3}"},
        start_time_ns=start_ns,
    )
    llm = mlflow.start_span_no_context(
        name="llm",
        span_type=SpanType.LLM,
        parent_span=root,
        start_time_ns=start_ns + MS_NS,
        attributes={
            "count": i,
            "ratio": i / 8,
            "flag": i % 2 == 0,
            "items": ["a", "b", i],
            "config": {"temperature": 0.5, "stop": ["\n"]},
            "text": f"plain text {i}",
        },
    )
    llm.end(outputs={"text": "ok"}, end_time_ns=start_ns + 30 * MS_NS)
    tool = mlflow.start_span_no_context(
        name="tool", span_type=SpanType.TOOL, parent_span=root, start_time_ns=start_ns + 31 * MS_NS
    )
    failed = i % 3 == 2
    if failed:
        tool.record_exception(ValueError(f"tool failed {i}"))
    tool.end(outputs=None if failed else {"rows": i}, status="ERROR" if failed else "OK",
             end_time_ns=start_ns + 40 * MS_NS)
    root.end(outputs={"answer": f"a{i}"}, status="ERROR" if failed else "OK",
             end_time_ns=start_ns + 50 * MS_NS)
    trace_id = root.trace_id
    mlflow.MlflowClient().set_trace_tag(trace_id, "env", f"test-{i % 2}")
    if i % 2 == 0:
        mlflow.log_feedback(trace_id=trace_id, name="quality", value=i / 10,
                            source=AssessmentSource(source_type="HUMAN", source_id="reviewer"))
    return trace_id


def describe(trace_id):
    trace = mlflow.get_trace(trace_id)
    spans = []
    for s in trace.data.spans:
        spans.append({
            "span_id": s.span_id,
            "parent_id": s.parent_id,
            "name": s.name,
            "attributes": s.attributes,
            "events": len(s.events),
            "status": str(s.status.status_code.value if hasattr(s.status.status_code, "value") else s.status.status_code),
        })
    return {
        "trace_id": trace_id,
        "otel_trace_id": trace_id.removeprefix("tr-"),
        "request_time_ms": trace.info.request_time,
        "tags": {k: v for k, v in trace.info.tags.items() if not k.startswith("mlflow.")},
        "assessments": len(trace.info.assessments or []),
        "spans": spans,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tracking_uri")
    parser.add_argument("experiment")
    parser.add_argument("--count", type=int, default=12)
    args = parser.parse_args()
    mlflow.set_tracking_uri(args.tracking_uri)
    experiment = mlflow.set_experiment(args.experiment)
    now_ns = time.time_ns()
    ids = [log_trace(i, now_ns - (i * 6 + 1) * HOUR_NS) for i in range(args.count)]
    traces = [describe(t) for t in reversed(ids)]
    print(json.dumps({"experiment_id": experiment.experiment_id, "traces": traces}, default=str))


if __name__ == "__main__":
    main()
