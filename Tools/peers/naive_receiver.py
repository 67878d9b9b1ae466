#!/usr/bin/env python3
"""A naive webhook receiver of the kind teams write today, for comparison.

    python3 Tools/peers/naive_receiver.py --port 18500 --db /tmp/naive.sqlite --secret whsec_...

Flask with its built-in threaded server; per request: check the Standard
Webhooks signature (HMAC-SHA256, so it does the ledger's cheapest real work),
parse the JSON, INSERT the delivery into sqlite3 and commit (one commit per
webhook, SQLite's defaults: rollback journal, synchronous FULL), answer 200.
No dedup beyond a UNIQUE delivery id, no job state, no hash chain, no refunds.
"""
import argparse
import base64
import hashlib
import hmac
import json
import logging
import sqlite3

from flask import Flask, g, request

app = Flask(__name__)
settings = {}


def database():
    if "db" not in g:
        g.db = sqlite3.connect(settings["db"], timeout=10)
    return g.db


@app.teardown_appcontext
def close_database(_error):
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


@app.post("/v1/webhooks/replicate")
def receive():
    body = request.get_data()
    delivery = request.headers.get("webhook-id", "")
    timestamp = request.headers.get("webhook-timestamp", "")
    signed = f"{delivery}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(settings["key"], signed, hashlib.sha256).digest()).decode()
    offered = [part.split(",", 1)[-1] for part in request.headers.get("webhook-signature", "").split()]
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        return {"error": "bad signature"}, 401
    payload = json.loads(body)
    connection = database()
    connection.execute("INSERT OR IGNORE INTO webhooks (delivery_id, external_id, status, body) VALUES (?, ?, ?, ?)",
                       (delivery, payload.get("id"), payload.get("status"), body))
    connection.commit()
    return {"status": "ok"}


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--secret", required=True)
    options = parser.parse_args()
    settings["db"] = options.db
    settings["key"] = base64.b64decode(options.secret.removeprefix("whsec_"))
    with sqlite3.connect(options.db) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS webhooks (delivery_id TEXT PRIMARY KEY, external_id TEXT, "
                           "status TEXT, body BLOB, received_at TEXT DEFAULT CURRENT_TIMESTAMP)")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log: the ledger's bench logs at info
    app.run(host="127.0.0.1", port=options.port, threaded=True)


if __name__ == "__main__":
    main()
