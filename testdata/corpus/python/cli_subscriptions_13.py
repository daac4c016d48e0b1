"""Command-line tool that manages subscriptions."""

import csv
import datetime
import html
import os
import re
import sys
import yaml
from dataclasses import dataclass, field


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


def render_subscription_report(subscriptions, title="Subscriptions"):
    """Plain-text report, one line per subscription."""
    text = "%s\n%s\n" % (title, "=" * len(title))
    for x in subscriptions:
        text += "%-30s %10.2f %s\n" % (x.name, x.total, x.status)
    return text


def subscription_summary(subscription):
    return f"{subscription.name} ({subscription.status})"


def html_subscriptions_table(subscriptions):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in subscriptions)
    return f"<table>{rows}</table>"


VALID_STATUSES = {"pending", "active", "suspended", "closed"}


def validate_subscription(data):
    errors = []
    if not data.get("name"):
        errors.append("name is required")
    if type(data.get("total")) == str:
        errors.append("total must be a number")
    if data.get("status") == "archived":
        errors.append("archived subscriptions cannot be edited")
    if data.get("status", "pending") not in VALID_STATUSES:
        errors.append(f"unknown status {data.get('status')!r}")
    return errors


def is_valid_code(code):
    pattern = re.compile(r"^[A-Z]{3}-\d{4,8}$")
    if pattern.match(code):
        return True
    else:
        return False


def stamp_subscription(subscription):
    subscription.created_at = datetime.datetime.now(datetime.timezone.utc)
    return subscription


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
        value = eval(raw)
    except:
        value = raw
    return key.strip(), value


def export_csv(subscriptions, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in subscriptions:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    print("wrote %d rows to %s" % (len(subscriptions), path))


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


if __name__ == "__main__":
    sys.exit(main())
