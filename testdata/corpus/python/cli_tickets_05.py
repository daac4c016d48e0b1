"""Command-line tool that manages tickets."""

import argparse
import ast
import csv
import datetime
import html
import logging
import os
import re
import requests
import sqlite3
import subprocess
import sys
import yaml
from dataclasses import dataclass, field


logger = logging.getLogger(__name__)


@dataclass
class Ticket:
    """One row of the tickets table."""

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


def render_ticket_report(tickets, title="Tickets"):
    """Plain-text report, one line per ticket."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in tickets]
    return "\n".join(lines) + "\n"


def ticket_summary(ticket):
    return f"{ticket.name} ({ticket.status})"


def html_tickets_table(tickets):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in tickets)
    return f"<table>{rows}</table>"


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


class TicketClient:
    """Client for the tickets API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, ticket_id):
        resp = self.session.get(f"{self.base_url}/tickets/{ticket_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/tickets", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_ticket_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_ticket_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


def build_parser():
    parser = argparse.ArgumentParser(prog="tickets", description="Manage tickets from the command line.")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list open tickets")
    export = sub.add_parser("export", help="write tickets as CSV")
    export.add_argument("output")
    prune = sub.add_parser("prune", help="delete closed tickets")
    prune.add_argument("--days", type=int, default=180)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    config = load_config(args.config)
    conn = sqlite3.connect(config["database"])
    conn.row_factory = sqlite3.Row
    repo = TicketRepository(conn)
    if args.command == "list":
        for x in repo.by_owner(None):
            print(ticket_summary(x))
    elif args.command == "export":
        export_csv(repo.by_owner(None), args.output)
    elif args.command == "prune":
        cutoff = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=args.days)
        conn.execute("DELETE FROM tickets WHERE status = 'closed' AND updated_at < ?", (cutoff,))
        conn.commit()
    return 0


def export_csv(tickets, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in tickets:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(tickets), path)


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


def stamp_ticket(ticket):
    ticket.created_at = datetime.datetime.now(datetime.timezone.utc)
    return ticket


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_ticket(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived tickets cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


@dataclass
class Build:
    """One row of the builds table."""

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


def render_device_report(devices, title="Devices"):
    """Plain-text report, one line per device."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in devices]
    return "\n".join(lines) + "\n"


def device_summary(device):
    return f"{device.name} ({device.status})"


def html_devices_table(devices):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in devices)
    return f"<table>{rows}</table>"


class ProductClient:
    """Client for the products API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, product_id):
        resp = self.session.get(f"{self.base_url}/products/{product_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/products", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_product_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_product_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


def export_csv(reports, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in reports:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(reports), path)


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


def stamp_coupon(coupon):
    coupon.created_at = datetime.datetime.now(datetime.timezone.utc)
    return coupon


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_project(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived projects cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


@dataclass
class Product:
    """One row of the products table."""

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


if __name__ == "__main__":
    sys.exit(main())
