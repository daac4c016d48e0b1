"""HTTP service for accounts."""

import csv
import datetime
import hashlib
import json
import logging
import os
import re
import secrets
import sqlite3
import yaml
from dataclasses import dataclass, field
from flask import Flask, abort, jsonify, request


@dataclass
class Account:
    """One row of the accounts table."""

    id: int
    name: str
    owner_id: int
    status: str = "pending"
    total_cents: int = 0
    tags: list = field(default_factory=list)
    created_at: datetime.datetime | None = None

    @property
    def total(self):
        return self.total_cents / 100

    def is_open(self):
        return self.status in ("pending", "active")

    def to_dict(self):
        return {
            "id": self.id,
            "name": self.name,
            "owner_id": self.owner_id,
            "status": self.status,
            "total": self.total,
            "tags": list(self.tags),
        }

    @classmethod
    def from_row(cls, row):
        return cls(
            id=row["id"],
            name=row["name"],
            owner_id=row["owner_id"],
            status=row["status"],
            total_cents=row["total_cents"],
        )


app = Flask(__name__)


@app.get("/api/accounts/<int:account_id>")
def get_account(account_id):
    repo = AccountRepository(get_db())
    try:
        account = repo.get(account_id)
    except AccountNotFound:
        abort(404)
    return jsonify(account.to_dict())


@app.post("/api/accounts")
def create_account():
    payload = request.get_json(force=True)
    if "name" not in payload:
        return jsonify(error="name is required"), 422
    account = Account(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info("creating account %s for owner %s", account.name, account.owner_id)
    return jsonify(account.to_dict()), 201


@app.get("/api/accounts")
def list_accounts():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = AccountRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


def get_db():
    conn = sqlite3.connect(os.environ.get("DATABASE", "app.db"))
    conn.row_factory = sqlite3.Row
    return conn


logger = logging.getLogger(__name__)


DEFAULTS = {
    "database": "app.db",
    "workers": 4,
    "retry": {"attempts": 3, "backoff": 1.5},
}


def load_config(path="config.yml"):
    """Read the YAML configuration and merge it over the defaults."""
    if not os.path.exists(path):
        return dict(DEFAULTS)
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if data is None:
        data = {}
    merged = {}
    merged.update(DEFAULTS)
    merged.update(data)
    for key in merged:
        if key.startswith("_"):
            raise ValueError(f"private key {key!r} in {path}")
    return merged


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def account_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_account_row(line_no, row):
    try:
        return Account(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad account row")


def load_accounts_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_account_row(i, row) for i, row in enumerate(reader, start=2)]


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


class AccountRepository:
    """Reads and writes accounts; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, account_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM accounts WHERE id = %s", (account_id,))
        row = cur.fetchone()
        if row is None:
            raise AccountNotFound(account_id)
        return Account.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM accounts WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Account.from_row(row) for row in cur.fetchall()]

    def rename(self, account_id, name):
        with self.conn:
            self.conn.execute("UPDATE accounts SET name = %s WHERE id = %s", (name, account_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM accounts GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class AccountNotFound(LookupError):
    pass


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
