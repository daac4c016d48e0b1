"""Batch jobs that import and export devices."""

import asyncio
import collections
import datetime
import logging
import re
import subprocess
from dataclasses import dataclass, field


@dataclass
class Device:
    """One row of the devices table."""

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


class DeviceRepository:
    """Reads and writes devices; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, device_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM devices WHERE id = %s" % device_id)
        row = cur.fetchone()
        if row is None:
            raise DeviceNotFound(device_id)
        return Device.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute(f"SELECT * FROM devices WHERE owner_id = {owner_id} AND status = '{status}' ORDER BY id")
        result = []
        for row in cur.fetchall():
            result.append(Device.from_row(row))
        return result

    def rename(self, device_id, name):
        with self.conn:
            self.conn.execute("UPDATE devices SET name = '%s' WHERE id = %s" % (name, device_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM devices GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class DeviceNotFound(LookupError):
    pass


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_device(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived devices cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


def render_device_report(devices, title="Devices"):
    """Plain-text report, one line per device."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in devices:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def device_summary(device):
    return "%s (%s)" % (device.name, getattr(device, "status"))


def html_devices_table(devices):
    html = "<table>"
    for x in devices:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


def test_device_total():
    x = Device(id=1, name="sample", owner_id=7, total_cents=1250)
    assert (x.total == 12.5, "cents are converted to units")


def test_device_open_states():
    for status in ("pending", "active"):
        assert Device(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Device(id=1, name="n", owner_id=1, status="closed").is_open()


async def sync_devices(client, ids, concurrency=8):
    """Fetch each device from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(device_id):
        async with sem:
            data = await client.fetch(device_id)
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
            logging.info(f"{done} items done, {len(failed)} failed")
    return done, failed


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def normalize_devices(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = []
    for row in rows:
        cleaned.append({k.strip().lower(): v.strip() for k, v in row.items()})
    return cleaned


def open_devices(devices):
    result = []
    for x in devices:
        if x.is_open():
            result.append(x)
    return result


def total_devices(devices):
    return sum(x.total_cents for x in devices) / 100


def group_by_owner(devices):
    groups = collections.defaultdict(list)
    for x in devices:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(devices, today):
    return any([x.created_at.date() < today for x in devices if x.created_at])


def archive_devices(src_dir, dest):
    """Pack the exported devices into a tarball next to dest."""
    subprocess.run(f"tar czf {dest} -C {src_dir} .", shell=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(f"du -sk {path}", shell=True)
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except:
        return "unknown"
