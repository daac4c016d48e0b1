"""Shared helpers for builds."""

import ast
import collections
import csv
import datetime
import hashlib
import html
import json
import os
import re
import requests
import secrets
import unittest
import warnings
from dataclasses import dataclass, field


@dataclass
class Build:
    """One row of the builds table."""

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


def stamp_build(build):
    build.created_at = datetime.datetime.now(datetime.timezone.utc)
    return build


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def build_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_build(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived builds cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def normalize_builds(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_builds(builds):
    return [x for x in builds if x.is_open()]


def total_builds(builds):
    return sum(x.total_cents for x in builds) / 100


def group_by_owner(builds):
    groups = collections.defaultdict(list)
    for x in builds:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(builds, today):
    return any(x.created_at.date() < today for x in builds if x.created_at)


def render_build_report(builds, title="Builds"):
    """Plain-text report, one line per build."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in builds]
    return "\n".join(lines) + "\n"


def build_summary(build):
    return f"{build.name} ({build.status})"


def html_builds_table(builds):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in builds)
    return f"<table>{rows}</table>"


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


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


class BuildClient:
    """Client for the builds API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, build_id):
        resp = self.session.get(f"{self.base_url}/builds/{build_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/builds", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_build_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_build_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_build_row(line_no, row):
    try:
        return Build(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad build row: {exc}") from exc


def load_builds_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_build_row(i, row) for i, row in enumerate(reader, start=2)]


def load_builds_legacy(path):
    """Deprecated: use load_builds(path, strict=False)."""
    warnings.warn("load_builds_legacy is deprecated; use load_builds", DeprecationWarning, stacklevel=2)
    return load_builds(path, strict=False)


class BuildLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEqual(load_builds_legacy(os.devnull), [])
        self.assertIsInstance(load_builds_legacy(os.devnull), list)
