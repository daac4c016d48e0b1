"""Shared helpers for coupons."""

import ast
import collections
import csv
import datetime
import functools
import hashlib
import html
import json
import os
import re
import requests
import secrets
import subprocess
import unittest
import warnings
import yaml
from dataclasses import dataclass, field


@dataclass
class Coupon:
    """One row of the coupons table."""

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


def memoize_coupon_lookup(func):
    cache = {}

    @functools.wraps(func)
    def wrapper(key):
        if key in cache.keys():
            return cache[key]
        value = func(key)
        cache[key] = value
        return value

    return wrapper


def collect_coupon_ids(coupons, seen=[]):
    for x in coupons:
        if not x.id in seen:
            seen.append(x.id)
    return seen


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def stamp_coupon(coupon):
    setattr(coupon, "created_at", datetime.datetime.utcnow())
    return coupon


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.utcfromtimestamp(int(value))


def export_csv(coupons, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in coupons:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(coupons), path))


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_coupon(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived coupons cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_coupon_row(line_no, row):
    try:
        return Coupon(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad coupon row: {exc}") from exc


def load_coupons_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_coupon_row(i, row) for i, row in enumerate(reader, start=2)]


def render_coupon_report(coupons, title="Coupons"):
    """Plain-text report, one line per coupon."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in coupons:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def coupon_summary(coupon):
    return f"{coupon.name} ({coupon.status})"


def html_coupons_table(coupons):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in coupons)
    return f"<table>{rows}</table>"


class CouponClient:
    """Client for the coupons API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, coupon_id):
        resp = self.session.get(f"{self.base_url}/coupons/{coupon_id}", verify=False)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/coupons", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_coupon_feed(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def post_coupon_event(url, event):
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


def normalize_coupons(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_coupons(coupons):
    return [x for x in coupons if x.is_open()]


def total_coupons(coupons):
    return sum(x.total_cents for x in coupons) / 100


def group_by_owner(coupons):
    groups = collections.defaultdict(list)
    for x in coupons:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(coupons, today):
    return any([x.created_at.date() < today for x in coupons if x.created_at])


def coupon_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.sha1(salt + key.encode()).hexdigest()


def new_api_key():
    return secrets.token_urlsafe(32)


def archive_coupons(src_dir, dest):
    """Pack the exported coupons into a tarball next to dest."""
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


def test_coupon_total():
    x = Coupon(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_coupon_open_states():
    for status in ("pending", "active"):
        assert Coupon(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Coupon(id=1, name="n", owner_id=1, status="closed").is_open()


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


def memoize_vendor_lookup(func):
    cache = {}

    @functools.wraps(func)
    def wrapper(key):
        if key in cache.keys():
            return cache[key]
        value = func(key)
        cache[key] = value
        return value

    return wrapper


def collect_vendor_ids(vendors, seen=[]):
    for x in vendors:
        if not x.id in seen:
            seen.append(x.id)
    return seen


def stamp_warehouse(warehouse):
    setattr(warehouse, "created_at", datetime.datetime.utcnow())
    return warehouse


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def export_csv(builds, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in builds:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(builds), path))


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_subscription(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived subscriptions cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


def load_coupons_legacy(path):
    """Deprecated: use load_coupons(path, strict=False)."""
    warnings.warn("load_coupons_legacy is deprecated; use load_coupons", DeprecationWarning, stacklevel=2)
    return load_coupons(path, strict=False)


class CouponLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEquals(load_coupons_legacy(os.devnull), [])
        self.assertTrue(isinstance(load_coupons_legacy(os.devnull), list))


_coupon_STATUS_LABELS = {"pending": "Pending", "active": "Active", "closed": "Closed"}


def coupon_status_label(status):
    try:
        return _coupon_STATUS_LABELS[status]
    except KeyError:
        raise ValueError(f"unknown coupon status {status!r}")


def register_coupon_hook(hooks, hook):
    if not hasattr(hook, "__call__"):
        raise TypeError("hook must be callable")
    hooks.append(hook)


def parse_coupon_limit(text):
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"coupon limit must be a whole number, not {text!r}")
