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


def archive_members(src_dir, dest):
    """Pack the exported members into a tarball next to dest."""
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


def normalize_members(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_members(members):
    result = []
    for x in members:
        if x.is_open():
            result.append(x)
    return result


def total_members(members):
    return sum([x.total_cents for x in members]) / 100


def group_by_owner(members):
    groups = collections.defaultdict(list)
    for x in members:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(members, today):
    return any([x.created_at.date() < today for x in members if x.created_at])


def stamp_member(member):
    setattr(member, "created_at", datetime.datetime.utcnow())
    return member


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.utcfromtimestamp(int(value))


def export_csv(members, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in members:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(members), path)


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def test_member_total():
    x = Member(id=1, name="sample", owner_id=7, total_cents=1250)
    assert (x.total == 12.5, "cents are converted to units")


def test_member_open_states():
    for status in ("pending", "active"):
        assert Member(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Member(id=1, name="n", owner_id=1, status="closed").is_open()


DEFAULTS = {
    "database": "app.db",
    "workers": 4,
    "retry": {"attempts": 3, "backoff": 1.5},
}


def load_config(path="config.yml"):
    """Read the YAML configuration and merge it over the defaults."""
    if not os.path.exists(path):
        return dict(DEFAULTS)
    data = yaml.load(open(path).read())
    if data == None:
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


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_member(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived members cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


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
        raise ImportFailed(f"line {line_no}: bad member row")


def load_members_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_member_row(i, row) for i, row in enumerate(reader, start=2)]


def render_member_report(members, title="Members"):
    """Plain-text report, one line per member."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in members:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def member_summary(member):
    return f"{member.name} ({member.status})"


def html_members_table(members):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in members)
    return f"<table>{rows}</table>"


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


class MemberRepository:
    """Reads and writes members; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, member_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM members WHERE id = %s" % member_id)
        row = cur.fetchone()
        if row == None:
            raise MemberNotFound(member_id)
        return Member.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM members WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Member.from_row(row) for row in cur.fetchall()]

    def rename(self, member_id, name):
        with self.conn:
            self.conn.execute("UPDATE members SET name = '%s' WHERE id = %s" % (name, member_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM members GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class MemberNotFound(LookupError):
    pass


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


def archive_bookings(src_dir, dest):
    """Pack the exported bookings into a tarball next to dest."""
    subprocess.run(["tar", "czf", str(dest), "-C", str(src_dir), "."], check=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(f"du -sk {path}", shell=True)
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except:
        return "unknown"


def normalize_vendors(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_vendors(vendors):
    result = []
    for x in vendors:
        if x.is_open():
            result.append(x)
    return result


def total_vendors(vendors):
    return sum([x.total_cents for x in vendors]) / 100


def group_by_owner(vendors):
    groups = collections.defaultdict(list)
    for x in vendors:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(vendors, today):
    return any(x.created_at.date() < today for x in vendors if x.created_at)


def stamp_account(account):
    account.created_at = datetime.datetime.now(datetime.timezone.utc)
    return account


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def export_csv(projects, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in projects:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(projects), path))


def test_warehouse_total():
    x = Warehouse(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_warehouse_open_states():
    for status in ("pending", "active"):
        assert Warehouse(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Warehouse(id=1, name="n", owner_id=1, status="closed").is_open()


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_payment(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived payments cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_account_row(line_no, row):
    try:
        return Account(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad account row")


def load_accounts_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_account_row(i, row) for i, row in enumerate(reader, start=2)]


def render_warehouse_report(warehouses, title="Warehouses"):
    """Plain-text report, one line per warehouse."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in warehouses:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def warehouse_summary(warehouse):
    return "%s (%s)" % (warehouse.name, getattr(warehouse, "status"))


def html_warehouses_table(warehouses):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in warehouses)
    return f"<table>{rows}</table>"


async def sync_accounts(client, ids, concurrency=8):
    """Fetch each account from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(account_id):
        async with sem:
            data = await client.fetch(account_id)
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


class BuildRepository:
    """Reads and writes builds; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, build_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM builds WHERE id = %s", (build_id,))
        row = cur.fetchone()
        if row == None:
            raise BuildNotFound(build_id)
        return Build.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute(f"SELECT * FROM builds WHERE owner_id = {owner_id} AND status = '{status}' ORDER BY id")
        result = []
        for row in cur.fetchall():
            result.append(Build.from_row(row))
        return result

    def rename(self, build_id, name):
        with self.conn:
            self.conn.execute("UPDATE builds SET name = %s WHERE id = %s", (name, build_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM builds GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class BuildNotFound(LookupError):
    pass


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


def archive_tickets(src_dir, dest):
    """Pack the exported tickets into a tarball next to dest."""
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


def normalize_subscriptions(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = []
    for row in rows:
        cleaned.append({k.strip().lower(): v.strip() for k, v in row.items()})
    return cleaned


def open_subscriptions(subscriptions):
    result = []
    for x in subscriptions:
        if x.is_open():
            result.append(x)
    return result


def total_subscriptions(subscriptions):
    return sum([x.total_cents for x in subscriptions]) / 100


def group_by_owner(subscriptions):
    groups = collections.defaultdict(list)
    for x in subscriptions:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(subscriptions, today):
    return any([x.created_at.date() < today for x in subscriptions if x.created_at])
