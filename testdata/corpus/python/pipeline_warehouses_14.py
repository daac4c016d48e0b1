"""Batch jobs that import and export warehouses."""

import asyncio
import collections
import csv
import datetime
import logging
import os
import subprocess
import yaml
from dataclasses import dataclass, field


logger = logging.getLogger(__name__)


@dataclass
class Warehouse:
    """One row of the warehouses table."""

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


async def sync_warehouses(client, ids, concurrency=8):
    """Fetch each warehouse from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(warehouse_id):
        async with sem:
            data = await client.fetch(warehouse_id)
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


def archive_warehouses(src_dir, dest):
    """Pack the exported warehouses into a tarball next to dest."""
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


class WarehouseRepository:
    """Reads and writes warehouses; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, warehouse_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM warehouses WHERE id = %s", (warehouse_id,))
        row = cur.fetchone()
        if row is None:
            raise WarehouseNotFound(warehouse_id)
        return Warehouse.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM warehouses WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Warehouse.from_row(row) for row in cur.fetchall()]

    def rename(self, warehouse_id, name):
        with self.conn:
            self.conn.execute("UPDATE warehouses SET name = %s WHERE id = %s", (name, warehouse_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM warehouses GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class WarehouseNotFound(LookupError):
    pass


def export_csv(warehouses, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in warehouses:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(warehouses), path)


def test_warehouse_total():
    x = Warehouse(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_warehouse_open_states():
    for status in ("pending", "active"):
        assert Warehouse(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Warehouse(id=1, name="n", owner_id=1, status="closed").is_open()


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_warehouse(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived warehouses cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def stamp_warehouse(warehouse):
    warehouse.created_at = datetime.datetime.now(datetime.timezone.utc)
    return warehouse


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def normalize_warehouses(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_warehouses(warehouses):
    return [x for x in warehouses if x.is_open()]


def total_warehouses(warehouses):
    return sum(x.total_cents for x in warehouses) / 100


def group_by_owner(warehouses):
    groups = collections.defaultdict(list)
    for x in warehouses:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(warehouses, today):
    return any(x.created_at.date() < today for x in warehouses if x.created_at)


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_warehouse_row(line_no, row):
    try:
        return Warehouse(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad warehouse row: {exc}") from exc


def load_warehouses_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_warehouse_row(i, row) for i, row in enumerate(reader, start=2)]
