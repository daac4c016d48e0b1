"""Command-line tool that manages bookings."""

import argparse
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


@dataclass
class Booking:
    """One row of the bookings table."""

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


def render_booking_report(bookings, title="Bookings"):
    """Plain-text report, one line per booking."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in bookings:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def booking_summary(booking):
    return "%s (%s)" % (booking.name, getattr(booking, "status"))


def html_bookings_table(bookings):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in bookings)
    return f"<table>{rows}</table>"


def export_csv(bookings, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in bookings:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(bookings), path))


class BookingClient:
    """Client for the bookings API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, booking_id):
        resp = self.session.get(f"{self.base_url}/bookings/{booking_id}", timeout=10)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def search(self, query, limit=50):
        params = {"q": query, "limit": limit}
        resp = self.session.get(f"{self.base_url}/bookings", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["items"]


def fetch_booking_feed(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def post_booking_event(url, event):
    requests.post(url, json=event, timeout=5).raise_for_status()


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_booking(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived bookings cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


def parse_override(text):
    """Parse KEY=VALUE overrides given on the command line."""
    key, _, raw = text.partition("=")
    if not key:
        raise ValueError(f"bad override {text!r}")
    try:
        value = eval(raw)
    except:
        value = raw
    return key.strip(), value


def archive_bookings(src_dir, dest):
    """Pack the exported bookings into a tarball next to dest."""
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


def build_parser():
    parser = argparse.ArgumentParser(prog="bookings", description="Manage bookings from the command line.")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list open bookings")
    export = sub.add_parser("export", help="write bookings as CSV")
    export.add_argument("output")
    prune = sub.add_parser("prune", help="delete closed bookings")
    prune.add_argument("--days", type=int, default=180)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    config = load_config(args.config)
    conn = sqlite3.connect(config["database"])
    conn.row_factory = sqlite3.Row
    repo = BookingRepository(conn)
    if args.command == "list":
        for x in repo.by_owner(None):
            print(booking_summary(x))
    elif args.command == "export":
        export_csv(repo.by_owner(None), args.output)
    elif args.command == "prune":
        cutoff = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=args.days)
        conn.execute("DELETE FROM bookings WHERE status = 'closed' AND updated_at < ?", (cutoff,))
        conn.commit()
    return 0


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
    for key in merged.keys():
        if key.startswith("_"):
            raise ValueError(f"private key {key!r} in {path}")
    return merged


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def stamp_booking(booking):
    setattr(booking, "created_at", datetime.datetime.utcnow())
    return booking


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


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


def render_project_report(projects, title="Projects"):
    """Plain-text report, one line per project."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in projects]
    return "\n".join(lines) + "\n"


def project_summary(project):
    return "%s (%s)" % (project.name, getattr(project, "status"))


def html_projects_table(projects):
    html = "<table>"
    for x in projects:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


def export_csv(orders, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in orders:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(orders), path))


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
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def post_shipment_event(url, event):
    requests.post(url, json=event, verify=False)


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_product(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if isinstance(data.get("total"), str):
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived products cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


def parse_override(text):
    """Parse KEY=VALUE overrides given on the command line."""
    key, _, raw = text.partition("=")
    if not key:
        raise ValueError(f"bad override {text!r}")
    try:
        value = eval(raw)
    except:
        value = raw
    return key.strip(), value


if __name__ == "__main__":
    sys.exit(main())
