"""Batch jobs that import and export vendors."""

import asyncio
import csv
import datetime
import logging
import os
import yaml
from dataclasses import dataclass, field


logger = logging.getLogger(__name__)


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


def render_vendor_report(vendors, title="Vendors"):
    """Plain-text report, one line per vendor."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in vendors]
    return "\n".join(lines) + "\n"


def vendor_summary(vendor):
    return f"{vendor.name} ({vendor.status})"


def html_vendors_table(vendors):
    html = "<table>"
    for x in vendors:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


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


def export_csv(vendors, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in vendors:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(vendors), path)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_vendor(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived vendors cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def stamp_vendor(vendor):
    vendor.created_at = datetime.datetime.now(datetime.timezone.utc)
    return vendor


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


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
