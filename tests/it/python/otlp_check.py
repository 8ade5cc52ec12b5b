"""Reads OTLP/JSON files written by `tracecfg export --format otlp` with the official protobuf
definitions (the opentelemetry-proto package) and prints what they hold, as JSON.

Usage: otlp_check.py FILE... (a .gz file is read through gzip)

Each line must parse with google.protobuf.json_format.Parse into an ExportTraceServiceRequest
(unknown fields refused). OTLP/JSON writes trace and span ids in hex where protobuf's JSON
mapping has base64 (the OTLP specification, "JSON Protobuf Encoding"), so the ids are turned
into base64 before parsing, as an OTLP/JSON receiver does. The parsed message is then written
back with MessageToDict (ids back to hex, enums as numbers) and must equal the line as written:
nothing was dropped, renamed or retyped on the way.

Prints {"lines": N, "traces": {trace_id_hex: {"spans": {span_id_hex: {"name", "parent",
"attributes": {key: value}, "events": N, "status": code, "start", "end"}}}}}, where an attribute's
value is the AnyValue as plain JSON (stringValue, intValue as int, ...).
"""
import base64
import gzip
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def convert_ids(value, to_base64):
    """The request with its ids in base64 (to parse) or back in hex (to compare)."""
    if isinstance(value, list):
        return [convert_ids(v, to_base64) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k in ID_FIELDS and isinstance(v, str):
            out[k] = base64.b64encode(bytes.fromhex(v)).decode() if to_base64 else base64.b64decode(v).hex()
        else:
            out[k] = convert_ids(v, to_base64)
    return out


def plain(any_value):
    """An AnyValue message as plain JSON."""
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [plain(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: plain(kv.value) for kv in any_value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(any_value.bytes_value).decode()
    return getattr(any_value, kind)


def main(paths):
    traces = {}
    lines = 0
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                lines += 1
                written = json.loads(text)
                request = ExportTraceServiceRequest()
                json_format.Parse(json.dumps(convert_ids(written, True)), request)
                back = convert_ids(json_format.MessageToDict(request, use_integers_for_enums=True), False)
                if back != written:
                    sys.exit(f"{path}:{number}: the parsed request differs from the line written:\n"
                             f"written {json.dumps(written, sort_keys=True)}\nparsed  {json.dumps(back, sort_keys=True)}")
                for rs in request.resource_spans:
                    for ss in rs.scope_spans:
                        for span in ss.spans:
                            if len(span.trace_id) != 16 or len(span.span_id) != 8:
                                sys.exit(f"{path}:{number}: ids of {len(span.trace_id)} and {len(span.span_id)} bytes")
                            spans = traces.setdefault(span.trace_id.hex(), {"spans": {}})["spans"]
                            spans[span.span_id.hex()] = {
                                "name": span.name,
                                "parent": span.parent_span_id.hex() or None,
                                "attributes": {kv.key: plain(kv.value) for kv in span.attributes},
                                "events": len(span.events),
                                "status": span.status.code,
                                "start": span.start_time_unix_nano,
                                "end": span.end_time_unix_nano,
                            }
    print(json.dumps({"lines": lines, "traces": traces}))


if __name__ == "__main__":
    main(sys.argv[1:])
