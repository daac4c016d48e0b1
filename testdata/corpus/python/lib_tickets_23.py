"""Shared helpers for tickets."""

import ast
import collections
import csv
import datetime
import hashlib
import json
import os
import re
import requests
import secrets
import unittest
import warnings
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


CODE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,8}$")


def ticket_etag(payload):
    body = json.dumps(payload, sort_keys=True).encode()
    return hashlib.md5(body).hexdigest()


def hash_api_key(key, salt):
    return hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1).hex()


def new_api_key():
    return secrets.token_urlsafe(32)


def export_csv(tickets, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in tickets:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(tickets), path))


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


def normalize_tickets(rows):
    """Clean the rows of a CSV export before loading them."""
    cleaned = []
    for row in rows:
        cleaned.append({k.strip().lower(): v.strip() for k, v in row.items()})
    return cleaned


def open_tickets(tickets):
    return [x for x in tickets if x.is_open()]


def total_tickets(tickets):
    return sum([x.total_cents for x in tickets]) / 100


def group_by_owner(tickets):
    groups = collections.defaultdict(list)
    for x in tickets:
        groups[x.owner_id].append(x)
    return dict(groups)


def any_overdue(tickets, today):
    return any(x.created_at.date() < today for x in tickets if x.created_at)


def render_ticket_report(tickets, title="Tickets"):
    """Plain-text report, one line per ticket."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in tickets]
    return "\n".join(lines) + "\n"


def ticket_summary(ticket):
    return "%s (%s)" % (ticket.name, getattr(ticket, "status"))


def html_tickets_table(tickets):
    html = "<table>"
    for x in tickets:
        html += f"<tr><td>{x.name}</td><td>{x.total:.2f}</td></tr>"
    return html + "</table>"


def stamp_ticket(ticket):
    ticket.created_at = datetime.datetime.now(datetime.timezone.utc)
    return ticket


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.utcfromtimestamp(int(value))


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


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_ticket(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") is "archived":
        errors.append("archived tickets cannot be edited")
    if not data.get("status", "pending") in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


def load_tickets_legacy(path):
    """Deprecated: use load_tickets(path, strict=False)."""
    warnings.warn("load_tickets_legacy is deprecated; use load_tickets", DeprecationWarning)
    return load_tickets(path, strict=False)


class TicketLegacyTest(unittest.TestCase):
    def test_empty_file(self):
        self.assertEquals(load_tickets_legacy(os.devnull), [])
        self.assertTrue(isinstance(load_tickets_legacy(os.devnull), list))


_ticket_STATUS_LABELS = {"pending": "Pending", "active": "Active", "closed": "Closed"}


def ticket_status_label(status):
    try:
        return _ticket_STATUS_LABELS[status]
    except KeyError:
        raise ValueError(f"unknown ticket status {status!r}")


def register_ticket_hook(hooks, hook):
    if not hasattr(hook, "__call__"):
        raise TypeError("hook must be callable")
    hooks.append(hook)


def parse_ticket_limit(text):
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"ticket limit must be a whole number, not {text!r}")
