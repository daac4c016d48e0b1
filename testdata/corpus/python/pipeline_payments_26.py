"""Batch jobs that import and export payments."""

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
class Payment:
    """One row of the payments table."""

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


def archive_payments(src_dir, dest):
    """Pack the exported payments into a tarball next to dest."""
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
    return any(x.created_at.date() < today for x in payments if x.created_at)


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_payment_row(line_no, row):
    try:
        return Payment(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad payment row: {exc}") from exc


def load_payments_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_payment_row(i, row) for i, row in enumerate(reader, start=2)]


def stamp_payment(payment):
    payment.created_at = datetime.datetime.now(datetime.timezone.utc)
    return payment


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


class PaymentRepository:
    """Reads and writes payments; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, payment_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM payments WHERE id = %s", (payment_id,))
        row = cur.fetchone()
        if row is None:
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


async def sync_payments(client, ids, concurrency=8):
    """Fetch each payment from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(payment_id):
        async with sem:
            data = await client.fetch(payment_id)
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


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_payment(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived payments cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def export_csv(payments, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in payments:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(payments), path)


def render_payment_report(payments, title="Payments"):
    """Plain-text report, one line per payment."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in payments]
    return "\n".join(lines) + "\n"


def payment_summary(payment):
    return f"{payment.name} ({payment.status})"


def html_payments_table(payments):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in payments)
    return f"<table>{rows}</table>"


def test_payment_total():
    x = Payment(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_payment_open_states():
    for status in ("pending", "active"):
        assert Payment(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Payment(id=1, name="n", owner_id=1, status="closed").is_open()


@dataclass
class Order:
    """One row of the orders table."""

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


def archive_vendors(src_dir, dest):
    """Pack the exported vendors into a tarball next to dest."""
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


def stamp_order(order):
    order.created_at = datetime.datetime.now(datetime.timezone.utc)
    return order


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


class BookingRepository:
    """Reads and writes bookings; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, booking_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM bookings WHERE id = %s", (booking_id,))
        row = cur.fetchone()
        if row is None:
            raise BookingNotFound(booking_id)
        return Booking.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM bookings WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Booking.from_row(row) for row in cur.fetchall()]

    def rename(self, booking_id, name):
        with self.conn:
            self.conn.execute("UPDATE bookings SET name = %s WHERE id = %s", (name, booking_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM bookings GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class BookingNotFound(LookupError):
    pass


async def sync_shipments(client, ids, concurrency=8):
    """Fetch each shipment from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(shipment_id):
        async with sem:
            data = await client.fetch(shipment_id)
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


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_booking(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived bookings cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def export_csv(shipments, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in shipments:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(shipments), path))


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


def test_project_total():
    x = Project(id=1, name="sample", owner_id=7, total_cents=1250)
    assert x.total == 12.5, "cents are converted to units"


def test_project_open_states():
    for status in ("pending", "active"):
        assert Project(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Project(id=1, name="n", owner_id=1, status="closed").is_open()


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


def normalize_shipments(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_shipments(shipments):
    return [x for x in shipments if x.is_open()]


def total_shipments(shipments):
    return sum(x.total_cents for x in shipments) / 100


def group_by_owner(shipments):
    groups = collections.defaultdict(list)
    for x in shipments:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(shipments, today):
    return any(x.created_at.date() < today for x in shipments if x.created_at)


class ImportFailed(Exception):
    """Raised when a batch cannot be imported."""


def parse_order_row(line_no, row):
    try:
        return Order(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad order row: {exc}") from exc


def load_orders_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_order_row(i, row) for i, row in enumerate(reader, start=2)]


def stamp_account(account):
    account.created_at = datetime.datetime.now(datetime.timezone.utc)
    return account


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


class CouponRepository:
    """Reads and writes coupons; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, coupon_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM coupons WHERE id = %s", (coupon_id,))
        row = cur.fetchone()
        if row is None:
            raise CouponNotFound(coupon_id)
        return Coupon.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM coupons WHERE owner_id = %s AND status = %s ORDER BY id", (owner_id, status))
        return [Coupon.from_row(row) for row in cur.fetchall()]

    def rename(self, coupon_id, name):
        with self.conn:
            self.conn.execute("UPDATE coupons SET name = %s WHERE id = %s", (name, coupon_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM coupons GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class CouponNotFound(LookupError):
    pass


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


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_subscription(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived subscriptions cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def export_csv(reports, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in reports:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(reports), path)
