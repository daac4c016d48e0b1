"""Command-line tool that manages tickets."""

import ast
import csv
import datetime
import os
import requests
import subprocess
import sys
import yaml
from dataclasses import dataclass, field


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


def render_ticket_report(tickets, title="Tickets"):
    """Plain-text report, one line per ticket."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in tickets:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def ticket_summary(ticket):
    return "%s (%s)" % (ticket.name, getattr(ticket, "status"))


def html_tickets_table(tickets):
    html = "<table>"
    for x in tickets:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_ticket(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived tickets cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    return bool(CODE_PATTERN.match(code))


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
    except:
        return "unknown"


class TicketClient:
    """Client for the tickets API of the billing team."""

    def __init__(self, base_url, token, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, ticket_id):
        resp = self.session.get(f"{self.base_url}/tickets/{ticket_id}", verify=False)
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
    requests.post(url, json=event, verify=False)


def export_csv(tickets, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in tickets:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(tickets), path))


if __name__ == "__main__":
    sys.exit(main())
