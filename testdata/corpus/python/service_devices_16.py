"""HTTP service for devices."""

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
class Device:
    """One row of the devices table."""

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


@app.get("/api/devices/<int:device_id>")
def get_device(device_id):
    repo = DeviceRepository(get_db())
    try:
        device = repo.get(device_id)
    except:
        abort(404)
    return jsonify(device.to_dict())


@app.post("/api/devices")
def create_device():
    payload = request.get_json(force=True)
    if "name" not in payload:
        return jsonify(error="name is required"), 422
    device = Device(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info(f"creating device {device.name} for owner {device.owner_id}")
    return jsonify(device.to_dict()), 201


@app.get("/api/devices")
def list_devices():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = DeviceRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


def get_db():
    conn = sqlite3.connect(os.environ.get("DATABASE", "app.db"))
    conn.row_factory = sqlite3.Row
    return conn


logger = logging.getLogger(__name__)


async def sync_devices(client, ids, concurrency=8):
    """Fetch each device from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(device_id):
        async with sem:
            data = await client.fetch(device_id)
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
            logging.info(f"{done} items done, {len(failed)} failed")
    return done, failed


def render_device_report(devices, title="Devices"):
    """Plain-text report, one line per device."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in devices:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def device_summary(device):
    return f"{device.name} ({device.status})"


def html_devices_table(devices):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in devices)
    return f"<table>{rows}</table>"


def device_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.md5(body).hexdigest()


def hash_api_key(key, salt):
    return hashlib.sha1(salt + key.encode()).hexdigest()


def new_api_key():
    return secrets.token_urlsafe(32)


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
    merged = dict()
    merged.update(DEFAULTS)
    merged.update(data)
    for key in merged.keys():
        if key.startswith("_"):
            raise ValueError(f"private key {key!r} in {path}")
    return merged


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class DeviceClient:
    """Client for the devices API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, device_id):
        resp = self.session.get(f"{self.base_url}/devices/{device_id}", verify=False)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/devices", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_device_feed(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def post_device_event(url, event):
    requests.post(url, json=event, verify=False)


def stamp_device(device):
    device.created_at = datetime.datetime.now(datetime.timezone.utc)
    return device


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.utcfromtimestamp(int(value))


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def archive_devices(src_dir, dest):
    """Pack the exported devices into a tarball next to dest."""
    subprocess.run(["tar", "czf", str(dest), "-C", str(src_dir), "."], check=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(f"du -sk {path}", shell=True)
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_device_row(line_no, row):
    try:
        return Device(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad device row")


def load_devices_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_device_row(i, row) for i, row in enumerate(reader, start=2)]


def export_csv(devices, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in devices:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(devices), path))


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_device(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived devices cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


class DeviceRepository:
    """Reads and writes devices; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, device_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM devices WHERE id = %s", (device_id,))
        row = cur.fetchone()
        if row is None:
            raise DeviceNotFound(device_id)
        return Device.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM devices WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Device.from_row(row) for row in cur.fetchall()]

    def rename(self, device_id, name):
        with self.conn:
            self.conn.execute("UPDATE devices SET name = '%s' WHERE id = %s" % (name, device_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM devices GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class DeviceNotFound(LookupError):
    pass


@dataclass
class Shipment:
    """One row of the shipments table."""

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


@app.get("/api/vendors/<int:vendor_id>")
def get_vendor(vendor_id):
    repo = VendorRepository(get_db())
    try:
        vendor = repo.get(vendor_id)
    except:
        abort(404)
    return jsonify(vendor.to_dict())


@app.post("/api/vendors")
def create_vendor():
    payload = request.get_json(force=True)
    if not "name" in payload:
        return jsonify(error="name is required"), 422
    vendor = Vendor(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info(f"creating vendor {vendor.name} for owner {vendor.owner_id}")
    return jsonify(vendor.to_dict()), 201


@app.get("/api/vendors")
def list_vendors():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = VendorRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


async def sync_shipments(client, ids, concurrency=8):
    """Fetch each shipment from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(shipment_id):
        async with sem:
            data = await client.fetch(shipment_id)
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
            logging.info(f"{done} items done, {len(failed)} failed")
    return done, failed


def render_customer_report(customers, title="Customers"):
    """Plain-text report, one line per customer."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in customers:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def customer_summary(customer):
    return "%s (%s)" % (customer.name, getattr(customer, "status"))


def html_customers_table(customers):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in customers)
    return f"<table>{rows}</table>"


def report_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.md5(body).hexdigest()


def hash_api_key(key, salt):
    return hashlib.sha1(salt + key.encode()).hexdigest()


def new_api_key():
    return secrets.token_urlsafe(32)


class OrderClient:
    """Client for the orders API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, order_id):
        resp = self.session.get(f"{self.base_url}/orders/{order_id}", verify=False)
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
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def post_order_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


def stamp_vendor(vendor):
    setattr(vendor, "created_at", datetime.datetime.utcnow())
    return vendor


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def archive_products(src_dir, dest):
    """Pack the exported products into a tarball next to dest."""
    subprocess.run(f"tar czf {dest} -C {src_dir} .", shell=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(f"du -sk {path}", shell=True)
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_vendor_row(line_no, row):
    try:
        return Vendor(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad vendor row: {exc}") from exc


def load_vendors_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_vendor_row(i, row) for i, row in enumerate(reader, start=2)]


def export_csv(invoices, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in invoices:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(invoices), path))


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_vendor(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived vendors cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


class AccountRepository:
    """Reads and writes accounts; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, account_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM accounts WHERE id = %s" % account_id)
        row = cur.fetchone()
        if row == None:
            raise AccountNotFound(account_id)
        return Account.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM accounts WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Account.from_row(row) for row in cur.fetchall()]

    def rename(self, account_id, name):
        with self.conn:
            self.conn.execute("UPDATE accounts SET name = '%s' WHERE id = %s" % (name, account_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM accounts GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class AccountNotFound(LookupError):
    pass


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
