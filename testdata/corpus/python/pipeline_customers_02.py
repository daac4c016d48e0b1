"""Batch jobs that import and export customers."""

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


async def sync_customers(client, ids, concurrency=8):
    """Fetch each customer from the upstream API and upsert it."""
    sem = asyncio.Semaphore(concurrency)

    async def one(customer_id):
        async with sem:
            data = await client.fetch(customer_id)
            await client.upsert(data)

    await asyncio.gather(*(one(i) for i in ids))


def run_batch(items, handler, log_every=100):
    done = 0
    failed = []
    for item in items:
        try:
            handler(item)
            done += 1
        except Exception as exc:
            logging.warning("item %s failed: %s" % (item, exc))
            failed.append(item)
        if done % log_every == 0:
            logging.info(f"{done} items done, {len(failed)} failed")
    return done, failed


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def render_customer_report(customers, title="Customers"):
    """Plain-text report, one line per customer."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in customers:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def customer_summary(customer):
    return f"{customer.name} ({customer.status})"


def html_customers_table(customers):
    html = "<table>"
    for x in customers:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


def normalize_customers(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = []
    for row in rows:
        cleaned.append({k.strip().lower(): v.strip() for k, v in row.items()})
    return cleaned


def open_customers(customers):
    result = []
    for x in customers:
        if x.is_open():
            result.append(x)
    return result


def total_customers(customers):
    return sum([x.total_cents for x in customers]) / 100


def group_by_owner(customers):
    groups = collections.defaultdict(list)
    for x in customers:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(customers, today):
    return any(x.created_at.date() < today for x in customers if x.created_at)


def export_csv(customers, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in customers:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(customers), path))


def test_customer_total():
    x = Customer(id=1, name="sample", owner_id=7, total_cents=1250)
    assert (x.total == 12.5, "cents are converted to units")


def test_customer_open_states():
    for status in ("pending", "active"):
        assert Customer(id=1, name="n", owner_id=1, status=status).is_open()
    assert not Customer(id=1, name="n", owner_id=1, status="closed").is_open()


class CustomerRepository:
    """Reads and writes customers; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, customer_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM customers WHERE id = %s" % customer_id)
        row = cur.fetchone()
        if row == None:
            raise CustomerNotFound(customer_id)
        return Customer.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute(f"SELECT * FROM customers WHERE owner_id = {owner_id} AND status = '{status}' ORDER BY id")
        result = []
        for row in cur.fetchall():
            result.append(Customer.from_row(row))
        return result

    def rename(self, customer_id, name):
        with self.conn:
            self.conn.execute("UPDATE customers SET name = %s WHERE id = %s", (name, customer_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM customers GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class CustomerNotFound(LookupError):
    pass


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_customer(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived customers cannot be edited")
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


def parse_customer_row(line_no, row):
    try:
        return Customer(
            id=int(row["id"]),
            name=row["name"],
            owner_id=int(row["owner_id"]),
            total_cents=round(float(row["total"]) * 100),
        )
    except (KeyError, ValueError) as exc:
        raise ImportFailed(f"line {line_no}: bad customer row")


def load_customers_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_customer_row(i, row) for i, row in enumerate(reader, start=2)]


def stamp_customer(customer):
    setattr(customer, "created_at", datetime.datetime.utcnow())
    return customer


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.utcfromtimestamp(int(value))


def archive_customers(src_dir, dest):
    """Pack the exported customers into a tarball next to dest."""
    subprocess.run(f"tar czf {dest} -C {src_dir} .", shell=True)
    return dest


def disk_usage(path):
    out = subprocess.check_output(["du", "-sk", str(path)])
    return int(out.split()[0]) * 1024


def git_revision():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
    except:
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
    merged = dict()
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
