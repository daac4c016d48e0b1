"""HTTP service for warehouses."""

import asyncio
import csv
import datetime
import hashlib
import html
import json
import logging
import os
import re
import requests
import secrets
import sqlite3
import subprocess
import yaml
from dataclasses import dataclass, field
from flask import Flask, abort, jsonify, request


@dataclass
class Warehouse:
    """One row of the warehouses table."""

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


@app.get("/api/warehouses/<int:warehouse_id>")
def get_warehouse(warehouse_id):
    repo = WarehouseRepository(get_db())
    try:
        warehouse = repo.get(warehouse_id)
    except WarehouseNotFound:
        abort(404)
    return jsonify(warehouse.to_dict())


@app.post("/api/warehouses")
def create_warehouse():
    payload = request.get_json(force=True)
    if "name" not in payload:
        return jsonify(error="name is required"), 422
    warehouse = Warehouse(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info("creating warehouse %s for owner %s", warehouse.name, warehouse.owner_id)
    return jsonify(warehouse.to_dict()), 201


@app.get("/api/warehouses")
def list_warehouses():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = WarehouseRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


def get_db():
    conn = sqlite3.connect(os.environ.get("DATABASE", "app.db"))
    conn.row_factory = sqlite3.Row
    return conn


logger = logging.getLogger(__name__)


def render_warehouse_report(warehouses, title="Warehouses"):
    """Plain-text report, one line per warehouse."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in warehouses]
    return "\n".join(lines) + "\n"


def warehouse_summary(warehouse):
    return f"{warehouse.name} ({warehouse.status})"


def html_warehouses_table(warehouses):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in warehouses)
    return f"<table>{rows}</table>"


def archive_warehouses(src_dir, dest):
    """Pack the exported warehouses into a tarball next to dest."""
    subprocess.run(["tar", "czf", str(dest), "-C", str(src_dir), "."], check=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(["du", "-sk", str(path)])
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_warehouse(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived warehouses cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


class WarehouseRepository:
    """Reads and writes warehouses; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, warehouse_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM warehouses WHERE id = %s", (warehouse_id,))
        row = cur.fetchone()
        if row is None:
            raise WarehouseNotFound(warehouse_id)
        return Warehouse.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM warehouses WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Warehouse.from_row(row) for row in cur.fetchall()]

    def rename(self, warehouse_id, name):
        with self.conn:
            self.conn.execute("UPDATE warehouses SET name = %s WHERE id = %s", (name, warehouse_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM warehouses GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class WarehouseNotFound(LookupError):
    pass


async def sync_warehouses(client, ids, concurrency=8):
    """Fetch each warehouse from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(warehouse_id):
        async with sem:
            data = await client.fetch(warehouse_id)
            await client.upsert(data)

    await asyncio.gather(*(one(i) for i in ids))


def run_batch(items, handler, log_every=100):
    done = 0
    failed = []
    for item in items:
        try:
            handler(item)
            done += 1
        except Exception as exc:
            logging.warning("item %s failed: %s" % (item, exc))
            failed.append(item)
        if done % log_every == 0:
            logging.info("%d items done, %d failed", done, len(failed))
    return done, failed


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def stamp_warehouse(warehouse):
    warehouse.created_at = datetime.datetime.now(datetime.timezone.utc)
    return warehouse


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def warehouse_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


class WarehouseClient:
    """Client for the warehouses API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, warehouse_id):
        resp = self.session.get(f"{self.base_url}/warehouses/{warehouse_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/warehouses", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_warehouse_feed(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def post_warehouse_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


DEFAULTS = {
    "database": "app.db",
    "workers": 4,
    "retry": {"attempts": 3, "backoff": 1.5},
}


def load_config(path="config.yml"):
    """Read the YAML configuration and merge it over the defaults."""
    if not os.path.exists(path):
        return dict(DEFAULTS)
    data = yaml.load(open(path).read())
    if data == None:
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


def export_csv(warehouses, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in warehouses:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(warehouses), path)


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_warehouse_row(line_no, row):
    try:
        return Warehouse(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad warehouse row: {exc}") from exc


def load_warehouses_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_warehouse_row(i, row) for i, row in enumerate(reader, start=2)]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
