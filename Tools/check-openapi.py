#!/usr/bin/env python3
"""Holds the server to Schemas/openapi.yaml.

Usage: check-openapi.py OPENAPI.yaml EXCHANGES.json

EXCHANGES.json is written by the Swift test OpenAPIConformanceTests:
  {"routes": [["GET", "/v1/jobs/{job_id}"], ...],       # every route the router serves
   "exchanges": [{"method", "route", "status", "content_type", "body"}, ...]}

Checks: the served routes and the documented operations are the same set; each
recorded response's status and content type are documented for its operation,
and its body validates against the documented schema (JSON Schema 2020-12, refs
into #/components resolved). Prints every failure; exits 1 if any.
"""
import json
import sys

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def main(spec_path, exchanges_path):
    spec = yaml.safe_load(open(spec_path))
    recorded = json.load(open(exchanges_path))
    failures = []

    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in METHODS}
    served = {(method, path) for method, path in recorded["routes"]}
    for method, path in sorted(served - documented):
        failures.append(f"served but not documented: {method} {path}")
    for method, path in sorted(documented - served):
        failures.append(f"documented but not served: {method} {path}")

    # The whole document is one resource, so "#/components/schemas/X" resolves.
    root = "urn:completion-ledger:openapi"
    registry = Registry().with_resource(root, Resource.from_contents(spec, default_specification=DRAFT202012))
    checked = 0
    for exchange in recorded["exchanges"]:
        name = f'{exchange["method"]} {exchange["route"]} -> {exchange["status"]}'
        operation = spec["paths"].get(exchange["route"], {}).get(exchange["method"].lower())
        if operation is None:
            failures.append(f"{name}: no such operation")
            continue
        response = operation.get("responses", {}).get(str(exchange["status"]))
        if response is None:
            failures.append(f"{name}: status not documented")
            continue
        # Media types compare without parameters (charset, version).
        media_type = exchange["content_type"].split(";")[0].strip()
        content = {key.split(";")[0].strip(): value for key, value in response.get("content", {}).items()}
        if media_type not in content:
            failures.append(f"{name}: content type {media_type} not documented (documented: {sorted(content)})")
            continue
        schema = content[media_type].get("schema")
        if schema is None:
            continue
        body = exchange["body"]
        instance = json.loads(body) if media_type.endswith("json") else body
        validator = Draft202012Validator(_anchored(schema, root), registry=registry)
        for error in validator.iter_errors(instance):
            location = "/".join(str(part) for part in error.absolute_path)
            failures.append(f"{name}: at /{location}: {error.message[:300]}")
        checked += 1

    for failure in failures:
        print(failure)
    print(f"openapi: {len(served)} routes served, {len(documented)} documented, {checked} responses validated, "
          f"{len(failures)} failures")
    return 1 if failures else 0


def _anchored(schema, root):
    """The operation's schema with its local refs pointing into the document."""
    if isinstance(schema, dict):
        return {key: (root + value if key == "$ref" and value.startswith("#") else _anchored(value, root))
                for key, value in schema.items()}
    if isinstance(schema, list):
        return [_anchored(item, root) for item in schema]
    return schema


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
