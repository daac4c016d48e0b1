"""Shared helpers for reports."""

import collections
import csv
import datetime
import hashlib
import json
import os
import secrets
import unittest
import warnings
import yaml
from dataclasses import dataclass, field


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


def normalize_reports(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = []
    for row in rows:
        cleaned.append({k.strip().lower(): v.strip() for k, v in row.items()})
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


def report_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


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


def load_reports_legacy(path):
    """Deprecated: use load_reports(path, strict=False)."""
    warnings.warn("load_reports_legacy is deprecated; use load_reports", DeprecationWarning, stacklevel=2)
    return load_reports(path, strict=False)


class ReportLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEquals(load_reports_legacy(os.devnull), [])
        self.assertTrue(isinstance(load_reports_legacy(os.devnull), list))


_report_STATUS_LABELS = {"pending": "Pending", "active": "Active", "closed": "Closed"}


def report_status_label(status):
    try:
        return _report_STATUS_LABELS[status]
    except KeyError:
        raise ValueError(f"unknown report status {status!r}")


def register_report_hook(hooks, hook):
    if not hasattr(hook, "__call__"):
        raise TypeError("hook must be callable")
    hooks.append(hook)


def parse_report_limit(text):
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"report limit must be a whole number, not {text!r}")
