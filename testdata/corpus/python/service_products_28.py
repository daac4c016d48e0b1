"""HTTP service for products."""

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
class Product:
    """One row of the products table."""

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


@app.get("/api/products/<int:product_id>")
def get_product(product_id):
    repo = ProductRepository(get_db())
    try:
        product = repo.get(product_id)
    except ProductNotFound:
        abort(404)
    return jsonify(product.to_dict())


@app.post("/api/products")
def create_product():
    payload = request.get_json(force=True)
    if "name" not in payload:
        return jsonify(error="name is required"), 422
    product = Product(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info("creating product %s for owner %s", product.name, product.owner_id)
    return jsonify(product.to_dict()), 201


@app.get("/api/products")
def list_products():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = ProductRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


def get_db():
    conn = sqlite3.connect(os.environ.get("DATABASE", "app.db"))
    conn.row_factory = sqlite3.Row
    return conn


logger = logging.getLogger(__name__)


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def render_product_report(products, title="Products"):
    """Plain-text report, one line per product."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in products]
    return "\n".join(lines) + "\n"


def product_summary(product):
    return f"{product.name} ({product.status})"


def html_products_table(products):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in products)
    return f"<table>{rows}</table>"


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_product(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived products cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def stamp_product(product):
    product.created_at = datetime.datetime.now(datetime.timezone.utc)
    return product


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def export_csv(products, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in products:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(products), path)


async def sync_products(client, ids, concurrency=8):
    """Fetch each product from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(product_id):
        async with sem:
            data = await client.fetch(product_id)
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


class ProductClient:
    """Client for the products API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, product_id):
        resp = self.session.get(f"{self.base_url}/products/{product_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/products", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_product_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_product_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


def archive_products(src_dir, dest):
    """Pack the exported products into a tarball next to dest."""
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


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_product_row(line_no, row):
    try:
        return Product(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad product row: {exc}") from exc


def load_products_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_product_row(i, row) for i, row in enumerate(reader, start=2)]


class ProductRepository:
    """Reads and writes products; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, product_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM products WHERE id = %s", (product_id,))
        row = cur.fetchone()
        if row is None:
            raise ProductNotFound(product_id)
        return Product.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM products WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Product.from_row(row) for row in cur.fetchall()]

    def rename(self, product_id, name):
        with self.conn:
            self.conn.execute("UPDATE products SET name = %s WHERE id = %s", (name, product_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM products GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class ProductNotFound(LookupError):
    pass


def product_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


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


@app.get("/api/builds/<int:build_id>")
def get_build(build_id):
    repo = BuildRepository(get_db())
    try:
        build = repo.get(build_id)
    except BuildNotFound:
        abort(404)
    return jsonify(build.to_dict())


@app.post("/api/builds")
def create_build():
    payload = request.get_json(force=True)
    if not "name" in payload:
        return jsonify(error="name is required"), 422
    build = Build(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info("creating build %s for owner %s", build.name, build.owner_id)
    return jsonify(build.to_dict()), 201


@app.get("/api/builds")
def list_builds():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = BuildRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


def render_account_report(accounts, title="Accounts"):
    """Plain-text report, one line per account."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in accounts]
    return "\n".join(lines) + "\n"


def account_summary(account):
    return f"{account.name} ({account.status})"


def html_accounts_table(accounts):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in accounts)
    return f"<table>{rows}</table>"


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_report(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived reports cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def stamp_ticket(ticket):
    ticket.created_at = datetime.datetime.now(datetime.timezone.utc)
    return ticket


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def export_csv(tickets, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in tickets:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(tickets), path)


async def sync_vendors(client, ids, concurrency=8):
    """Fetch each vendor from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(vendor_id):
        async with sem:
            data = await client.fetch(vendor_id)
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


class ReportClient:
    """Client for the reports API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, report_id):
        resp = self.session.get(f"{self.base_url}/reports/{report_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/reports", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_report_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_report_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


def archive_customers(src_dir, dest):
    """Pack the exported customers into a tarball next to dest."""
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
        raise ImportFailed(f"line {line_no}: bad account row: {exc}") from exc


def load_accounts_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_account_row(i, row) for i, row in enumerate(reader, start=2)]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
