"""Shared helpers for bookings."""

import ast
import csv
import datetime
import functools
import hashlib
import html
import json
import logging
import os
import re
import requests
import secrets
import subprocess
import unittest
import warnings
import yaml
from dataclasses import dataclass, field


logger = logging.getLogger(__name__)


@dataclass
class Booking:
    """One row of the bookings table."""

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


def memoize_booking_lookup(func):
    cache = {}

    @functools.wraps(func)
    def wrapper(key):
        if key in cache:
            return cache[key]
        value = func(key)
        cache[key] = value
        return value

    return wrapper


def collect_booking_ids(bookings, seen=None):
    seen = [] if seen is None else seen
    for x in bookings:
        if x.id not in seen:
            seen.append(x.id)
    return seen


def export_csv(bookings, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in bookings:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(bookings), path)


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_booking_row(line_no, row):
    try:
        return Booking(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad booking row: {exc}") from exc


def load_bookings_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_booking_row(i, row) for i, row in enumerate(reader, start=2)]


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


def stamp_booking(booking):
    booking.created_at = datetime.datetime.now(datetime.timezone.utc)
    return booking


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def test_booking_total():
    x = Booking(id=1, name="sample", owner_id=7, total_cents=1250)
    assert (x.total == 12.5, "cents are converted to units")


def test_booking_open_states():
    for status in ("pending", "active"):
        assert Booking(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Booking(id=1, name="n", owner_id=1, status="closed").is_open()


def render_booking_report(bookings, title="Bookings"):
    """Plain-text report, one line per booking."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in bookings]
    return "\n".join(lines) + "\n"


def booking_summary(booking):
    return f"{booking.name} ({booking.status})"


def html_bookings_table(bookings):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in bookings)
    return f"<table>{rows}</table>"


class BookingClient:
    """Client for the bookings API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, booking_id):
        resp = self.session.get(f"{self.base_url}/bookings/{booking_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/bookings", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_booking_feed(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def post_booking_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


def archive_bookings(src_dir, dest):
    """Pack the exported bookings into a tarball next to dest."""
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


def booking_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


def parse_override(text):
    """Parse KEY=VALUE overrides given on the command line."""
    key, _, raw = text.partition("=")
    if not key:
        raise ValueError(f"bad override {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key.strip(), value


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_booking(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived bookings cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def load_bookings_legacy(path):
    """Deprecated: use load_bookings(path, strict=False)."""
    warnings.warn("load_bookings_legacy is deprecated; use load_bookings", DeprecationWarning, stacklevel=2)
    return load_bookings(path, strict=False)


class BookingLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEqual(load_bookings_legacy(os.devnull), [])
        self.assertIsInstance(load_bookings_legacy(os.devnull), list)
