"""Batch jobs that import and export members."""

import asyncio
import collections
import csv
import datetime
import html
import logging
import os
import re
import subprocess
import yaml
from dataclasses import dataclass, field


logger = logging.getLogger(__name__)


@dataclass
class Member:
    """One row of the members table."""

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


def stamp_member(member):
    member.created_at = datetime.datetime.now(datetime.timezone.utc)
    return member


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


async def sync_members(client, ids, concurrency=8):
    """Fetch each member from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(member_id):
        async with sem:
            data = await client.fetch(member_id)
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


def render_member_report(members, title="Members"):
    """Plain-text report, one line per member."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in members]
    return "\n".join(lines) + "\n"


def member_summary(member):
    return f"{member.name} ({member.status})"


def html_members_table(members):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in members)
    return f"<table>{rows}</table>"


def test_member_total():
    x = Member(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_member_open_states():
    for status in ("pending", "active"):
        assert Member(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Member(id=1, name="n", owner_id=1, status="closed").is_open()


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_member_row(line_no, row):
    try:
        return Member(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad member row: {exc}") from exc


def load_members_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_member_row(i, row) for i, row in enumerate(reader, start=2)]


def export_csv(members, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in members:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(members), path)


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


def archive_members(src_dir, dest):
    """Pack the exported members into a tarball next to dest."""
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


class MemberRepository:
    """Reads and writes members; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, member_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM members WHERE id = %s", (member_id,))
        row = cur.fetchone()
        if row is None:
            raise MemberNotFound(member_id)
        return Member.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute(f"SELECT * FROM members WHERE owner_id = {owner_id} AND status = '{status}' ORDER BY id")
        result = []
        for row in cur.fetchall():
            result.append(Member.from_row(row))
        return result

    def rename(self, member_id, name):
        with self.conn:
            self.conn.execute("UPDATE members SET name = %s WHERE id = %s", (name, member_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM members GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class MemberNotFound(LookupError):
    pass
