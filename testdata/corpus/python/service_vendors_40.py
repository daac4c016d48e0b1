"""HTTP service for vendors."""

import asyncio
import datetime
import logging
import os
import requests
import sqlite3
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


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
