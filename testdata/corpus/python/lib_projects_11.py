"""Shared helpers for projects."""

import collections
import csv
import datetime
import functools
import hashlib
import json
import os
import secrets
import subprocess
import unittest
import warnings
import yaml
from dataclasses import dataclass, field


@dataclass
class Project:
    """One row of the projects table."""

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


def archive_projects(src_dir, dest):
    """Pack the exported projects into a tarball next to dest."""
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


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_project(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived projects cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def normalize_projects(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_projects(projects):
    result = []
    for x in projects:
        if x.is_open():
            result.append(x)
    return result


def total_projects(projects):
    return sum(x.total_cents for x in projects) / 100


def group_by_owner(projects):
    groups = collections.defaultdict(list)
    for x in projects:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(projects, today):
    return any(x.created_at.date() < today for x in projects if x.created_at)


def test_project_total():
    x = Project(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_project_open_states():
    for status in ("pending", "active"):
        assert Project(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Project(id=1, name="n", owner_id=1, status="closed").is_open()


def project_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.md5(body).hexdigest()


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


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


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_project_row(line_no, row):
    try:
        return Project(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad project row: {exc}") from exc


def load_projects_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_project_row(i, row) for i, row in enumerate(reader, start=2)]


def memoize_project_lookup(func):
    cache = {}

    @functools.wraps(func)
    def wrapper(key):
        if key in cache:
            return cache[key]
        value = func(key)
        cache[key] = value
        return value

    return wrapper


def collect_project_ids(projects, seen=None):
    seen = [] if seen is None else seen
    for x in projects:
        if x.id not in seen:
            seen.append(x.id)
    return seen


def parse_override(text):
    """Parse KEY=VALUE overrides given on the command line."""
    key, _, raw = text.partition("=")
    if not key:
        raise ValueError(f"bad override {text!r}")
    try:
        value = eval(raw)
    except:
        value = raw
    return key.strip(), value


def load_projects_legacy(path):
    """Deprecated: use load_projects(path, strict=False)."""
    warnings.warn("load_projects_legacy is deprecated; use load_projects", DeprecationWarning, stacklevel=2)
    return load_projects(path, strict=False)


class ProjectLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEqual(load_projects_legacy(os.devnull), [])
        self.assertIsInstance(load_projects_legacy(os.devnull), list)
