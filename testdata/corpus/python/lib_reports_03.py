"""Shared helpers for reports."""

import ast
import collections
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
class Report:
    """One row of the reports table."""

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


def report_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


def export_csv(reports, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in reports:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(reports), path)


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


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def normalize_reports(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_reports(reports):
    return [x for x in reports if x.is_open()]


def total_reports(reports):
    return sum(x.total_cents for x in reports) / 100


def group_by_owner(reports):
    groups = collections.defaultdict(list)
    for x in reports:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(reports, today):
    return any(x.created_at.date() < today for x in reports if x.created_at)


def archive_reports(src_dir, dest):
    """Pack the exported reports into a tarball next to dest."""
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


def test_report_total():
    x = Report(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_report_open_states():
    for status in ("pending", "active"):
        assert Report(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Report(id=1, name="n", owner_id=1, status="closed").is_open()


def memoize_report_lookup(func):
    cache = {}

    @functools.wraps(func)
    def wrapper(key):
        if key in cache:
            return cache[key]
        value = func(key)
        cache[key] = value
        return value

    return wrapper


def collect_report_ids(reports, seen=None):
    seen = [] if seen is None else seen
    for x in reports:
        if x.id not in seen:
            seen.append(x.id)
    return seen


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_report_row(line_no, row):
    try:
        return Report(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad report row: {exc}") from exc


def load_reports_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_report_row(i, row) for i, row in enumerate(reader, start=2)]


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


def render_report_report(reports, title="Reports"):
    """Plain-text report, one line per report."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in reports]
    return "\n".join(lines) + "\n"


def report_summary(report):
    return f"{report.name} ({report.status})"


def html_reports_table(reports):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in reports)
    return f"<table>{rows}</table>"


def stamp_report(report):
    report.created_at = datetime.datetime.now(datetime.timezone.utc)
    return report


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


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


def ticket_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


def export_csv(members, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in members:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(members), path)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_customer(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived customers cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def normalize_members(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_members(members):
    return [x for x in members if x.is_open()]


def total_members(members):
    return sum(x.total_cents for x in members) / 100


def group_by_owner(members):
    groups = collections.defaultdict(list)
    for x in members:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(members, today):
    return any(x.created_at.date() < today for x in members if x.created_at)


def archive_shipments(src_dir, dest):
    """Pack the exported shipments into a tarball next to dest."""
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


def test_payment_total():
    x = Payment(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_payment_open_states():
    for status in ("pending", "active"):
        assert Payment(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Payment(id=1, name="n", owner_id=1, status="closed").is_open()


def memoize_coupon_lookup(func):
    cache = {}

    @functools.wraps(func)
    def wrapper(key):
        if key in cache:
            return cache[key]
        value = func(key)
        cache[key] = value
        return value

    return wrapper


def collect_coupon_ids(coupons, seen=None):
    seen = [] if seen is None else seen
    for x in coupons:
        if x.id not in seen:
            seen.append(x.id)
    return seen


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_subscription_row(line_no, row):
    try:
        return Subscription(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad subscription row: {exc}") from exc


def load_subscriptions_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_subscription_row(i, row) for i, row in enumerate(reader, start=2)]


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
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_warehouse_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


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


def render_coupon_report(coupons, title="Coupons"):
    """Plain-text report, one line per coupon."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in coupons]
    return "\n".join(lines) + "\n"


def coupon_summary(coupon):
    return f"{coupon.name} ({coupon.status})"


def html_coupons_table(coupons):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in coupons)
    return f"<table>{rows}</table>"


def stamp_order(order):
    order.created_at = datetime.datetime.now(datetime.timezone.utc)
    return order


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


@dataclass
class Customer:
    """One row of the customers table."""

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


def vendor_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


def export_csv(warehouses, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in warehouses:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(warehouses), path)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_shipment(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived shipments cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def normalize_orders(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_orders(orders):
    return [x for x in orders if x.is_open()]


def total_orders(orders):
    return sum(x.total_cents for x in orders) / 100


def group_by_owner(orders):
    groups = collections.defaultdict(list)
    for x in orders:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(orders, today):
    return any(x.created_at.date() < today for x in orders if x.created_at)


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


def load_reports_legacy(path):
    """Deprecated: use load_reports(path, strict=False)."""
    warnings.warn("load_reports_legacy is deprecated; use load_reports", DeprecationWarning, stacklevel=2)
    return load_reports(path, strict=False)


class ReportLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEqual(load_reports_legacy(os.devnull), [])
        self.assertIsInstance(load_reports_legacy(os.devnull), list)
