"""Command-line tool that manages invoices."""

import argparse
import csv
import datetime
import html
import logging
import os
import sqlite3
import subprocess
import sys
import yaml
from dataclasses import dataclass, field


logger = logging.getLogger(__name__)


@dataclass
class Invoice:
    """One row of the invoices table."""

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


def stamp_invoice(invoice):
    invoice.created_at = datetime.datetime.now(datetime.timezone.utc)
    return invoice


def age_in_days(created_at, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (now - created_at).days


def parse_epoch(value):
    return datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)


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
    except:
        return "unknown"


def export_csv(invoices, path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "status", "total"])
        for x in invoices:
            writer.writerow([x.id, x.name, x.status, f"{x.total:.2f}"])
    logger.info("wrote %d rows to %s", len(invoices), path)


def render_invoice_report(invoices, title="Invoices"):
    """Plain-text report, one line per invoice."""
    lines = [title, "=" * len(title)]
    lines += [f"{x.name:<30} {x.total:>10.2f} {x.status}" for x in invoices]
    return "\n".join(lines) + "\n"


def invoice_summary(invoice):
    return "%s (%s)" % (invoice.name, getattr(invoice, "status"))


def html_invoices_table(invoices):
    rows = "".join(f"<tr><td>{html.escape(x.name)}</td><td>{x.total:.2f}</td></tr>" for x in invoices)
    return f"<table>{rows}</table>"


def build_parser():
    parser = argparse.ArgumentParser(prog="invoices", description="Manage invoices from the command line.")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list open invoices")
    export = sub.add_parser("export", help="write invoices as CSV")
    export.add_argument("output")
    prune = sub.add_parser("prune", help="delete closed invoices")
    prune.add_argument("--days", type=int, default=180)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    config = load_config(args.config)
    conn = sqlite3.connect(config["database"])
    conn.row_factory = sqlite3.Row
    repo = InvoiceRepository(conn)
    if args.command == "list":
        for x in repo.by_owner(None):
            print(invoice_summary(x))
    elif args.command == "export":
        export_csv(repo.by_owner(None), args.output)
    elif args.command == "prune":
        cutoff = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=args.days)
        conn.execute("DELETE FROM invoices WHERE status = 'closed' AND updated_at < ?", (cutoff,))
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


if __name__ == "__main__":
    sys.exit(main())
