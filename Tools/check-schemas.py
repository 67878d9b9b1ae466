#!/usr/bin/env python3
"""Check the event schemas in Schemas/events against themselves and the code.

For every `<type>.v<N>.schema.json`:
  - it is a valid JSON Schema (draft 2020-12), with `title` = the type and an
    `$id` ending in its file name, `type: object`, `additionalProperties: false`
    and every `required` field among its `properties`;
  - its golden example `<type>.v<N>.example.json` exists and validates.
Every `*.example.json` must have a schema. The set of types must equal the
stored type strings in Sources/LedgerCore/Events/EventType.swift, each type
must have versions 1..N with no gap, and N must equal its
`currentSchemaVersion` there: a new type, or a version bump, without a schema
fails.

Prints one line per file (and per type-level problem), then `N passed, M failed`.
Exits 1 on any failure. Run from anywhere: `python3 Tools/check-schemas.py`.
"""

import json
import re
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "Schemas" / "events"
EVENT_TYPE_SWIFT = ROOT / "Sources" / "LedgerCore" / "Events" / "EventType.swift"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
FILE_NAME = re.compile(r"^(?P<type>[a-z_]+(?:\.[a-z_]+)+)\.v(?P<version>[1-9][0-9]*)\.(?P<kind>schema|example)\.json$")


def swift_event_types():
    """{swift case name: stored type string} and {stored type: current version}."""
    text = EVENT_TYPE_SWIFT.read_text(encoding="utf-8")
    cases = dict(re.findall(r'^\s*case\s+(\w+)\s*=\s*"([^"]+)"', text, re.MULTILINE))
    current = {}
    body = re.search(r"var\s+currentSchemaVersion\s*:\s*Int\s*\{(.*?)\n    \}", text, re.DOTALL)
    if body:
        for names, version in re.findall(r"case\s+((?:\.\w+\s*,\s*)*\.\w+)\s*:\s*(\d+)", body.group(1)):
            for name in re.findall(r"\.(\w+)", names):
                if name in cases:
                    current[cases[name]] = int(version)
    return cases, current


def load_json(path):
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def check_schema_file(path, event_type):
    """Problems with one schema file, as a list of strings (empty = fine), and the schema."""
    try:
        schema = load_json(path)
    except (OSError, ValueError) as error:
        return [f"not JSON: {error}"], None
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return [f"invalid schema: {error.message}"], None
    problems = []
    if schema.get("$schema") != DRAFT:
        problems.append(f"$schema is {schema.get('$schema')!r}, expected {DRAFT!r}")
    if not str(schema.get("$id", "")).endswith("/" + path.name):
        problems.append(f"$id {schema.get('$id')!r} does not end in /{path.name}")
    if schema.get("title") != event_type:
        problems.append(f"title {schema.get('title')!r} is not the type {event_type!r}")
    if not schema.get("description"):
        problems.append("no description")
    if schema.get("type") != "object":
        problems.append("type is not object")
    if schema.get("additionalProperties") is not False:
        problems.append("additionalProperties is not false")
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in properties:
            problems.append(f"required field {name!r} is not in properties")
    for name, spec in properties.items():
        if not isinstance(spec, dict) or not spec.get("description"):
            problems.append(f"property {name!r} has no description")
    return problems, schema


def main():
    passed, failed = 0, 0

    def report(ok, label, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok    {label}")
        else:
            failed += 1
            print(f"FAIL  {label}: {detail}")

    cases, current = swift_event_types()
    expected_types = set(cases.values())
    if len(cases) == 0:
        report(False, EVENT_TYPE_SWIFT.relative_to(ROOT).as_posix(), "found no `case x = \"type\"` lines")

    schemas, examples = {}, {}
    for path in sorted(SCHEMAS.glob("*.json")):
        match = FILE_NAME.match(path.name)
        if not match:
            report(False, path.name, "name is not <type>.v<N>.schema.json or <type>.v<N>.example.json")
            continue
        key = (match["type"], int(match["version"]))
        (schemas if match["kind"] == "schema" else examples)[key] = path

    for key, path in sorted(schemas.items()):
        event_type, _ = key
        problems, schema = check_schema_file(path, event_type)
        if event_type not in expected_types:
            problems.append(f"{event_type} is not a type in EventType.swift")
        if key not in examples:
            problems.append(f"no golden example {path.name.replace('.schema.json', '.example.json')}")
        report(not problems, path.name, "; ".join(problems))

    for key, path in sorted(examples.items()):
        if key not in schemas:
            report(False, path.name, "no schema for this example")
            continue
        try:
            example = load_json(path)
        except (OSError, ValueError) as error:
            report(False, path.name, f"not JSON: {error}")
            continue
        try:
            schema = load_json(schemas[key])
            errors = sorted(Draft202012Validator(schema).iter_errors(example), key=lambda e: list(e.path))
        except Exception as error:  # a broken schema is reported above; say why this file cannot be checked
            report(False, path.name, f"cannot validate: {error}")
            continue
        detail = "; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors)
        report(not errors, path.name, detail)

    versions = {}
    for event_type, version in schemas:
        versions.setdefault(event_type, set()).add(version)
    for event_type in sorted(expected_types):
        have = versions.get(event_type, set())
        want = current.get(event_type)
        if not have:
            report(False, f"type {event_type}", f"no schema: add {event_type}.v1.schema.json")
        elif have != set(range(1, max(have) + 1)):
            report(False, f"type {event_type}", f"schema versions {sorted(have)} have a gap")
        elif want is None:
            report(False, f"type {event_type}", "no currentSchemaVersion found in EventType.swift")
        elif max(have) != want:
            report(False, f"type {event_type}",
                   f"currentSchemaVersion is {want} but the newest schema is v{max(have)}")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
