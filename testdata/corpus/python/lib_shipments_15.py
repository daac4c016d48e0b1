"""Shared helpers for shipments."""

import ast
import datetime
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


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_shipment(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived shipments cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


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
    for key in merged.keys():
        if key.startswith("_"):
            raise ValueError(f"private key {key!r} in {path}")
    return merged


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


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


def shipment_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(body).hexdigest()[:32]


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


def stamp_shipment(shipment):
    shipment.created_at = datetime.datetime.now(datetime.timezone.utc)
    return shipment


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def load_shipments_legacy(path):
    """Deprecated: use load_shipments(path, strict=False)."""
    warnings.warn("load_shipments_legacy is deprecated; use load_shipments", DeprecationWarning, stacklevel=2)
    return load_shipments(path, strict=False)


class ShipmentLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEquals(load_shipments_legacy(os.devnull), [])
        self.assertTrue(isinstance(load_shipments_legacy(os.devnull), list))


_shipment_STATUS_LABELS = {"pending": "Pending", "active": "Active", "closed": "Closed"}


def shipment_status_label(status):
    try:
        return _shipment_STATUS_LABELS[status]
    except KeyError:
        raise ValueError(f"unknown shipment status {status!r}")


def register_shipment_hook(hooks, hook):
    if not hasattr(hook, "__call__"):
        raise TypeError("hook must be callable")
    hooks.append(hook)


def parse_shipment_limit(text):
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"shipment limit must be a whole number, not {text!r}")
