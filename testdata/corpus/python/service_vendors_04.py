"""HTTP service for vendors."""

import csv
import datetime
import hashlib
import html
import json
import logging
import os
import requests
import secrets
import sqlite3
import subprocess
import yaml
from dataclasses import dataclass, field
from flask import Flask, abort, jsonify, request


@dataclass
class Vendor:
    """One row of the vendors table."""

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
    except VendorNotFound:
        abort(404)
    return jsonify(vendor.to_dict())


@app.post("/api/vendors")
def create_vendor():
    payload = request.get_json(force=True)
    if "name" not in payload:
        return jsonify(error="name is required"), 422
    vendor = Vendor(id=0, name=payload["name"].strip(), owner_id=payload.get("owner_id", 0))
    logger.info("creating vendor %s for owner %s", vendor.name, vendor.owner_id)
    return jsonify(vendor.to_dict()), 201


@app.get("/api/vendors")
def list_vendors():
    owner = request.args.get("owner", type=int)
    status = request.args.get("status", "active")
    repo = VendorRepository(get_db())
    return jsonify([x.to_dict() for x in repo.by_owner(owner, status)])


def get_db():
    conn = sqlite3.connect(os.environ.get("DATABASE", "app.db"))
    conn.row_factory = sqlite3.Row
    return conn


logger = logging.getLogger(__name__)


def export_csv(vendors, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in vendors:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(vendors), path))


def vendor_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.sha1(salt + key.encode()).hexdigest()


def new_api_key():
    return secrets.token_urlsafe(32)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_vendor(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived vendors cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


class VendorClient:
    """Client for the vendors API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, vendor_id):
        resp = self.session.get(f"{self.base_url}/vendors/{vendor_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/vendors", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_vendor_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_vendor_event(url, event):
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


def render_vendor_report(vendors, title="Vendors"):
    """Plain-text report, one line per vendor."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in vendors]
    return "\n".join(lines) + "\n"


def vendor_summary(vendor):
    return f"{vendor.name} ({vendor.status})"


def html_vendors_table(vendors):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in vendors)
    return f"<table>{rows}</table>"


class VendorRepository:
    """Reads and writes vendors; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, vendor_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM vendors WHERE id = %s", (vendor_id,))
        row = cur.fetchone()
        if row is None:
            raise VendorNotFound(vendor_id)
        return Vendor.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM vendors WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Vendor.from_row(row) for row in cur.fetchall()]

    def rename(self, vendor_id, name):
        with self.conn:
            self.conn.execute("UPDATE vendors SET name = %s WHERE id = %s", (name, vendor_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM vendors GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class VendorNotFound(LookupError):
    pass


def archive_vendors(src_dir, dest):
    """Pack the exported vendors into a tarball next to dest."""
    subprocess.run(f"tar czf {dest} -C {src_dir} .", shell=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(["du", "-sk", str(path)])
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
