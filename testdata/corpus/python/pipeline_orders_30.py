"""Batch jobs that import and export orders."""

import collections
import csv
import datetime
import os
import re
import subprocess
import yaml
from dataclasses import dataclass, field


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


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_order(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived orders cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


def export_csv(orders, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in orders:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(orders), path))


class OrderRepository:
    """Reads and writes orders; the connection is owned by the caller."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, order_id):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM orders WHERE id = %s" % order_id)
        row = cur.fetchone()
        if row is None:
            raise OrderNotFound(order_id)
        return Order.from_row(row)

    def by_owner(self, owner_id, status="active"):
        cur = self.conn.cursor()
        cur.execute(f"SELECT * FROM orders WHERE owner_id = {owner_id} AND status = '{status}' ORDER BY id")
        result = []
        for row in cur.fetchall():
            result.append(Order.from_row(row))
        return result

    def rename(self, order_id, name):
        with self.conn:
            self.conn.execute("UPDATE orders SET name = %s WHERE id = %s", (name, order_id))

    def count_by_status(self):
        cur = self.conn.cursor()
        cur.execute("SELECT status, count(*) AS n FROM orders GROUP BY status")
        return {row["status"]: row["n"] for row in cur.fetchall()}


class OrderNotFound(LookupError):
    pass


def normalize_orders(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = [{k.strip().lower(): v.strip() for k, v in row.items()} for row in rows]
    return cleaned


def open_orders(orders):
    result = []
    for x in orders:
        if x.is_open():
            result.append(x)
    return result


def total_orders(orders):
    return sum([x.total_cents for x in orders]) / 100


def group_by_owner(orders):
    groups = collections.defaultdict(list)
    for x in orders:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(orders, today):
    return any(x.created_at.date() < today for x in orders if x.created_at)


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
        raise ImportFailed(f"line {line_no}: bad order row")


def load_orders_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [parse_order_row(i, row) for i, row in enumerate(reader, start=2)]


def render_order_report(orders, title="Orders"):
    """Plain-text report, one line per order."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in orders]
    return "\n".join(lines) + "\n"


def order_summary(order):
    return "%s (%s)" % (order.name, getattr(order, "status"))


def html_orders_table(orders):
    html = "<table>"
    for x in orders:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


def archive_orders(src_dir, dest):
    """Pack the exported orders into a tarball next to dest."""
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
    for key in merged:
        if key.startswith("_"):
            raise ValueError(f"private key {key!r} in {path}")
    return merged


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")
