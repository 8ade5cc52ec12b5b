"""Logs known traces to an MLflow tracking server with the real `mlflow` client, for tracecfg's
end-to-end tests of the trace-store source, and prints what it logged as one JSON document.

    python log_traces.py TRACKING_URI EXPERIMENT_NAME [--bulk N] [--only-bulk]

Traces logged (newest last):
  - "agent_ok": AGENT root with a RETRIEVER child and an LLM grandchild (attributes model and
    tokens), user user123, session s-1, tags env=prod and team=o'brien, a feedback and an
    expectation assessment;
  - "agent_err": AGENT root whose TOOL child raises, so the trace's state is ERROR, user user456,
    session s-2 (as the tag session_id too), tag env=dev;
  - N "bulk" CHAIN traces (--bulk, default 0), user bulk-user, tag batch=bulk.
The JSON printed: {"experiment_id", "traces": [{"trace_id", "name", "state", "user", "session",
"tags", "span_names", "request_time_ms"}]}.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")

import mlflow  # noqa: E402
from mlflow.entities import AssessmentSource, SpanType  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("tracking_uri")
    parser.add_argument("experiment")
    parser.add_argument("--bulk", type=int, default=0)
    parser.add_argument("--only-bulk", action="store_true")
    return parser.parse_args()


@mlflow.trace(name="retrieve", span_type=SpanType.RETRIEVER)
def retrieve(question):
    with mlflow.start_span(name="llm_call", span_type=SpanType.LLM) as span:
        span.set_inputs({"prompt": question})
        span.set_attributes({"model": "gpt-test", "temperature": 0.5})
        span.set_outputs({"text": "forty-two"})
    return ["doc-1", "doc-2"]


@mlflow.trace(name="agent_ok", span_type=SpanType.AGENT)
def agent_ok(question):
    mlflow.update_current_trace(
        tags={"env": "prod", "team": "o'brien"},
        metadata={"mlflow.trace.user": "user123", "mlflow.trace.session": "s-1"},
    )
    docs = retrieve(question)
    return {"answer": "forty-two", "docs": docs}


@mlflow.trace(name="failing_tool", span_type=SpanType.TOOL)
def failing_tool():
    raise RuntimeError("the tool broke")


@mlflow.trace(name="agent_err", span_type=SpanType.AGENT)
def agent_err():
    mlflow.update_current_trace(
        tags={"env": "dev", "session_id": "s-2"},
        metadata={"mlflow.trace.user": "user456", "mlflow.trace.session": "s-2"},
    )
    failing_tool()


@mlflow.trace(name="bulk", span_type=SpanType.CHAIN)
def bulk(i):
    mlflow.update_current_trace(
        tags={"batch": "bulk", "index": str(i)},
        metadata={"mlflow.trace.user": "bulk-user"},
    )
    return i


def last_trace_id():
    trace_id = mlflow.get_last_active_trace_id()
    if trace_id is None:
        sys.exit("mlflow logged no trace")
    return trace_id


def describe(trace_id):
    trace = mlflow.get_trace(trace_id)
    info = trace.info
    return {
        "trace_id": info.trace_id,
        "name": trace.data.spans[0].name if trace.data.spans else None,
        "state": str(info.state.value if hasattr(info.state, "value") else info.state),
        "user": info.trace_metadata.get("mlflow.trace.user"),
        "session": info.trace_metadata.get("mlflow.trace.session"),
        "tags": {k: v for k, v in info.tags.items() if not k.startswith("mlflow.")},
        "span_names": sorted(s.name for s in trace.data.spans),
        "request_time_ms": info.request_time,
    }


def main():
    args = parse_args()
    mlflow.set_tracking_uri(args.tracking_uri)
    experiment = mlflow.set_experiment(args.experiment)
    ids = []
    if not args.only_bulk:
        agent_ok("what is the answer?")
        ok_id = last_trace_id()
        ids.append(ok_id)
        mlflow.log_feedback(
            trace_id=ok_id,
            name="correctness",
            value=True,
            rationale="matches the reference",
            source=AssessmentSource(source_type="HUMAN", source_id="reviewer@example.com"),
        )
        mlflow.log_expectation(
            trace_id=ok_id,
            name="expected_answer",
            value="forty-two",
            source=AssessmentSource(source_type="HUMAN", source_id="reviewer@example.com"),
        )
        try:
            agent_err()
        except RuntimeError:
            pass
        ids.append(last_trace_id())
    for i in range(args.bulk):
        bulk(i)
        ids.append(last_trace_id())
    print(json.dumps({
        "experiment_id": experiment.experiment_id,
        "traces": [describe(t) for t in ids],
    }))


if __name__ == "__main__":
    main()
