"""Batch jobs that import and export accounts."""

import asyncio
import collections
import csv
import datetime
import logging
import os
import re
import subprocess
import yaml
from dataclasses import dataclass, field


logger = logging.getLogger(__name__)


@dataclass
class Account:
    """One row of the accounts table."""

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


class AccountRepository:
    """Reads and writes accounts; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, account_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM accounts WHERE id = %s", (account_id,))
        row = cur.fetchone()
        if row is None:
            raise AccountNotFound(account_id)
        return Account.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM accounts WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Account.from_row(row) for row in cur.fetchall()]

    def rename(self, account_id, name):
        with self.conn:
            self.conn.execute("UPDATE accounts SET name = %s WHERE id = %s", (name, account_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM accounts GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class AccountNotFound(LookupError):
    pass


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


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


def export_csv(accounts, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in accounts:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(accounts), path)


def normalize_accounts(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = []
    for row in rows:
        cleaned.append({k.strip().lower(): v.strip() for k, v in row.items()})
    return cleaned


def open_accounts(accounts):
    return [x for x in accounts if x.is_open()]


def total_accounts(accounts):
    return sum(x.total_cents for x in accounts) / 100


def group_by_owner(accounts):
    groups = collections.defaultdict(list)
    for x in accounts:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(accounts, today):
    return any(x.created_at.date() < today for x in accounts if x.created_at)


def render_account_report(accounts, title="Accounts"):
    """Plain-text report, one line per account."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in accounts]
    return "\n".join(lines) + "\n"


def account_summary(account):
    return f"{account.name} ({account.status})"


def html_accounts_table(accounts):
    html = "<table>"
    for x in accounts:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


def stamp_account(account):
    account.created_at = datetime.datetime.now(datetime.timezone.utc)
    return account


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def test_account_total():
    x = Account(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_account_open_states():
    for status in ("pending", "active"):
        assert Account(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Account(id=1, name="n", owner_id=1, status="closed").is_open()


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_account(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived accounts cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def archive_accounts(src_dir, dest):
    """Pack the exported accounts into a tarball next to dest."""
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
        raise ImportFailed(f"line {line_no}: bad account row: {exc}") from exc


def load_accounts_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_account_row(i, row) for i, row in enumerate(reader, start=2)]


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
            logging.info("%d items done, %d failed", done, len(failed))
    return done, failed


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


class PaymentRepository:
    """Reads and writes payments; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, payment_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM payments WHERE id = %s" % payment_id)
        row = cur.fetchone()
        if row == None:
            raise PaymentNotFound(payment_id)
        return Payment.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM payments WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Payment.from_row(row) for row in cur.fetchall()]

    def rename(self, payment_id, name):
        with self.conn:
            self.conn.execute("UPDATE payments SET name = %s WHERE id = %s", (name, payment_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM payments GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class PaymentNotFound(LookupError):
    pass


def export_csv(reports, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in reports:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(reports), path)


def normalize_payments(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_payments(payments):
    return [x for x in payments if x.is_open()]


def total_payments(payments):
    return sum(x.total_cents for x in payments) / 100


def group_by_owner(payments):
    groups = collections.defaultdict(list)
    for x in payments:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(payments, today):
    return any([x.created_at.date() < today for x in payments if x.created_at])


def render_payment_report(payments, title="Payments"):
    """Plain-text report, one line per payment."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in payments]
    return "\n".join(lines) + "\n"


def payment_summary(payment):
    return f"{payment.name} ({payment.status})"


def html_payments_table(payments):
    html = "<table>"
    for x in payments:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


def stamp_shipment(shipment):
    shipment.created_at = datetime.datetime.now(datetime.timezone.utc)
    return shipment


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


def test_customer_total():
    x = Customer(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_customer_open_states():
    for status in ("pending", "active"):
        assert Customer(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Customer(id=1, name="n", owner_id=1, status="closed").is_open()


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_order(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived orders cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def archive_payments(src_dir, dest):
    """Pack the exported payments into a tarball next to dest."""
    subprocess.run(f"tar czf {dest} -C {src_dir} .", shell=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(["du", "-sk", str(path)])
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_device_row(line_no, row):
    try:
        return Device(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad device row: {exc}") from exc


def load_devices_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_device_row(i, row) for i, row in enumerate(reader, start=2)]


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


class WarehouseRepository:
    """Reads and writes warehouses; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, warehouse_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM warehouses WHERE id = %s", (warehouse_id,))
        row = cur.fetchone()
        if row == None:
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


def export_csv(members, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in members:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(members), path)


def normalize_tickets(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_tickets(tickets):
    return [x for x in tickets if x.is_open()]


def total_tickets(tickets):
    return sum(x.total_cents for x in tickets) / 100


def group_by_owner(tickets):
    groups = collections.defaultdict(list)
    for x in tickets:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(tickets, today):
    return any(x.created_at.date() < today for x in tickets if x.created_at)
