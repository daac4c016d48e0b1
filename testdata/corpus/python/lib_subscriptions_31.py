"""Shared helpers for subscriptions."""

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
class Subscription:
    """One row of the subscriptions table."""

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


def stamp_subscription(subscription):
    subscription.created_at = datetime.datetime.now(datetime.timezone.utc)
    return subscription


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def archive_subscriptions(src_dir, dest):
    """Pack the exported subscriptions into a tarball next to dest."""
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


def export_csv(subscriptions, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in subscriptions:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(subscriptions), path)


class SubscriptionClient:
    """Client for the subscriptions API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, subscription_id):
        resp = self.session.get(f"{self.base_url}/subscriptions/{subscription_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/subscriptions", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_subscription_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_subscription_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def subscription_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


def normalize_subscriptions(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_subscriptions(subscriptions):
    return [x for x in subscriptions if x.is_open()]


def total_subscriptions(subscriptions):
    return sum(x.total_cents for x in subscriptions) / 100


def group_by_owner(subscriptions):
    groups = collections.defaultdict(list)
    for x in subscriptions:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(subscriptions, today):
    return any(x.created_at.date() < today for x in subscriptions if x.created_at)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_subscription(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived subscriptions cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


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


def test_subscription_total():
    x = Subscription(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_subscription_open_states():
    for status in ("pending", "active"):
        assert Subscription(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Subscription(id=1, name="n", owner_id=1, status="closed").is_open()


def memoize_subscription_lookup(func):
    cache = {}

    @functools.wraps(func)
    def wrapper(key):
        if key in cache:
            return cache[key]
        value = func(key)
        cache[key] = value
        return value

    return wrapper


def collect_subscription_ids(subscriptions, seen=None):
    seen = [] if seen is None else seen
    for x in subscriptions:
        if x.id not in seen:
            seen.append(x.id)
    return seen


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


def render_subscription_report(subscriptions, title="Subscriptions"):
    """Plain-text report, one line per subscription."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in subscriptions]
    return "\n".join(lines) + "\n"


def subscription_summary(subscription):
    return f"{subscription.name} ({subscription.status})"


def html_subscriptions_table(subscriptions):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in subscriptions)
    return f"<table>{rows}</table>"


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


def stamp_account(account):
    account.created_at = datetime.datetime.now(datetime.timezone.utc)
    return account


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def archive_devices(src_dir, dest):
    """Pack the exported devices into a tarball next to dest."""
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


def export_csv(customers, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in customers:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(customers), path)


class MemberClient:
    """Client for the members API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, member_id):
        resp = self.session.get(f"{self.base_url}/members/{member_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/members", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_member_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_member_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


def warehouse_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


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


def load_subscriptions_legacy(path):
    """Deprecated: use load_subscriptions(path, strict=False)."""
    warnings.warn("load_subscriptions_legacy is deprecated; use load_subscriptions", DeprecationWarning, stacklevel=2)
    return load_subscriptions(path, strict=False)


class SubscriptionLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEqual(load_subscriptions_legacy(os.devnull), [])
        self.assertIsInstance(load_subscriptions_legacy(os.devnull), list)
