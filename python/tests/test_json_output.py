"""JsonLineWriter: with --log-format json, every line written to stdout is one JSON object."""

from __future__ import annotations

import io
import json

from drover_worker.json_output import JsonLineWriter


def test_plain_lines_become_objects_and_json_lines_pass(monkeypatch) -> None:
    monkeypatch.setenv("DROVER_POOL", "web")
    monkeypatch.setenv("DROVER_WORKER_INDEX", "3")
    out = io.StringIO()
    writer = JsonLineWriter(out)
    print("hello", file=writer)
    writer.write('{"already": "json"}\npart')
    assert out.getvalue().count("\n") == 2  # "part" waits for its newline
    writer.write("ial\n")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["message"] == "hello" and lines[0]["pool"] == "web" and lines[0]["slot"] == 3
    assert lines[0]["stream"] == "stdout" and lines[0]["logger"] == "worker"
    assert lines[1] == {"already": "json"}
    assert lines[2]["message"] == "partial"
