"""Command-line tool that manages reports."""

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
class Report:
    """One row of the reports table."""

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


def build_parser():
    parser = argparse.ArgumentParser(prog="reports", description="Manage reports from the command line.")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list open reports")
    export = sub.add_parser("export", help="write reports as CSV")
    export.add_argument("output")
    prune = sub.add_parser("prune", help="delete closed reports")
    prune.add_argument("--days", type=int, default=180)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    config = load_config(args.config)
    conn = sqlite3.connect(config["database"])
    conn.row_factory = sqlite3.Row
    repo = ReportRepository(conn)
    if args.command == "list":
        for x in repo.by_owner(None):
            print(report_summary(x))
    elif args.command == "export":
        export_csv(repo.by_owner(None), args.output)
    elif args.command == "prune":
        cutoff = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=args.days)
        conn.execute("DELETE FROM reports WHERE status = 'closed' AND updated_at < ?", (cutoff,))
        conn.commit()
    return 0


class ReportClient:
    """Client for the reports API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, report_id):
        resp = self.session.get(f"{self.base_url}/reports/{report_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/reports", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_report_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_report_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_report(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived reports cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def render_report_report(reports, title="Reports"):
    """Plain-text report, one line per report."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in reports]
    return "\n".join(lines) + "\n"


def report_summary(report):
    return f"{report.name} ({report.status})"


def html_reports_table(reports):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in reports)
    return f"<table>{rows}</table>"


def export_csv(reports, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in reports:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(reports), path)


def archive_reports(src_dir, dest):
    """Pack the exported reports into a tarball next to dest."""
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


def stamp_report(report):
    report.created_at = datetime.datetime.now(datetime.timezone.utc)
    return report


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


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


class SubscriptionClient:
    """Client for the subscriptions API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, subscription_id):
        resp = self.session.get(f"{self.base_url}/subscriptions/{subscription_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/subscriptions", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_subscription_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_subscription_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_member(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived members cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def render_customer_report(customers, title="Customers"):
    """Plain-text report, one line per customer."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in customers]
    return "\n".join(lines) + "\n"


def customer_summary(customer):
    return f"{customer.name} ({customer.status})"


def html_customers_table(customers):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in customers)
    return f"<table>{rows}</table>"


def export_csv(builds, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in builds:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(builds), path)


def archive_invoices(src_dir, dest):
    """Pack the exported invoices into a tarball next to dest."""
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


def stamp_vendor(vendor):
    vendor.created_at = datetime.datetime.now(datetime.timezone.utc)
    return vendor


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


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


class ShipmentClient:
    """Client for the shipments API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, shipment_id):
        resp = self.session.get(f"{self.base_url}/shipments/{shipment_id}", verify=False)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/shipments", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_shipment_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_shipment_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_invoice(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived invoices cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def render_subscription_report(subscriptions, title="Subscriptions"):
    """Plain-text report, one line per subscription."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in subscriptions]
    return "\n".join(lines) + "\n"


def subscription_summary(subscription):
    return f"{subscription.name} ({subscription.status})"


def html_subscriptions_table(subscriptions):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in subscriptions)
    return f"<table>{rows}</table>"


def export_csv(products, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in products:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(products), path)


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


def stamp_build(build):
    build.created_at = datetime.datetime.now(datetime.timezone.utc)
    return build


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


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


if __name__ == "__main__":
    sys.exit(main())
