"""HTTP service for orders."""

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
class Order:
    """One row of the orders table."""

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


@app.get("/api/orders/<int:order_id>")
def get_order(order_id):
    repo = OrderRepository(get_db())
    try:
        order = repo.get(order_id)
    except OrderNotFound:
        abort(404)
    return jsonify(order.to_dict())


@app.post("/api/orders")
def create_order():
    payload = request.get_json(force=True)
    if "name" not in payload:
        return jsonify(error="name is required"), 422
    order = Order(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info("creating order %s for owner %s", order.name, order.owner_id)
    return jsonify(order.to_dict()), 201


@app.get("/api/orders")
def list_orders():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = OrderRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


def get_db():
    conn = sqlite3.connect(os.environ.get("DATABASE", "app.db"))
    conn.row_factory = sqlite3.Row
    return conn


logger = logging.getLogger(__name__)


class OrderClient:
    """Client for the orders API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, order_id):
        resp = self.session.get(f"{self.base_url}/orders/{order_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/orders", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_order_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_order_event(url, event):
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


def stamp_order(order):
    order.created_at = datetime.datetime.now(datetime.timezone.utc)
    return order


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def order_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_order(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived orders cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_order_row(line_no, row):
    try:
        return Order(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad order row: {exc}") from exc


def load_orders_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_order_row(i, row) for i, row in enumerate(reader, start=2)]


def render_order_report(orders, title="Orders"):
    """Plain-text report, one line per order."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in orders]
    return "\n".join(lines) + "\n"


def order_summary(order):
    return f"{order.name} ({order.status})"


def html_orders_table(orders):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in orders)
    return f"<table>{rows}</table>"


async def sync_orders(client, ids, concurrency=8):
    """Fetch each order from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(order_id):
        async with sem:
            data = await client.fetch(order_id)
            await client.upsert(data)

    await asyncio.gather(*(one(i) for i in ids))


def run_batch(items, handler, log_every=100):
    done = 0
    failed = []
    for item in items:
        try:
            handler(item)
            done += 1
        except Exception as exc:  # one bad item must not stop the batch
            logging.warning("item %s failed: %s", item, exc)
            failed.append(item)
        if done % log_every == 0:
            logging.info("%d items done, %d failed", done, len(failed))
    return done, failed


class OrderRepository:
    """Reads and writes orders; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, order_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM orders WHERE id = %s", (order_id,))
        row = cur.fetchone()
        if row is None:
            raise OrderNotFound(order_id)
        return Order.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM orders WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Order.from_row(row) for row in cur.fetchall()]

    def rename(self, order_id, name):
        with self.conn:
            self.conn.execute("UPDATE orders SET name = %s WHERE id = %s", (name, order_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM orders GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class OrderNotFound(LookupError):
    pass


def archive_orders(src_dir, dest):
    """Pack the exported orders into a tarball next to dest."""
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


def export_csv(orders, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in orders:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(orders), path)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
