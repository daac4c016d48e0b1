#!/usr/bin/env python3
"""Compose the rule-statistics corpus in testdata/corpus/<language>/.

The files are put together from the hand-written blocks in *.blocks (one
file per language): functions, types, components and classes of the kind
found in services, CLIs, data pipelines and web frontends. Each output file
has a theme, a main entity (orders, invoices...) and a quality: clean files
take the reviewed variant of every block, smelly ones the variant with the
habits SyntX's rules look for, mixed ones a bit of both.

Block file format:

    === name theme[,theme] [once] [first]
    #import: <line>        (JS/TS: an import line the block needs)
    #from: <module> import <names>   (Python)
    code...
    !S|code only in the smelly variant
    !C|code only in the clean variant

«Ent» «ent» «ents» «Ents» «ENT» «tbl» name the block's entity; «Ent2»... a
second one; «pkg» the Go package. Run: python3 gen.py (deterministic; it
writes testdata/corpus/<language>/, or under the directory given as its one
argument, which rules' TestCorpusIsGenerated uses to check that the
committed corpus is what this script writes).
"""
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)

ENTITIES = [
    ("Order", "order", "orders"), ("Invoice", "invoice", "invoices"),
    ("Customer", "customer", "customers"), ("Shipment", "shipment", "shipments"),
    ("Product", "product", "products"), ("Ticket", "ticket", "tickets"),
    ("Account", "account", "accounts"), ("Subscription", "subscription", "subscriptions"),
    ("Payment", "payment", "payments"), ("Report", "report", "reports"),
    ("Device", "device", "devices"), ("Project", "project", "projects"),
    ("Member", "member", "members"), ("Booking", "booking", "bookings"),
    ("Warehouse", "warehouse", "warehouses"), ("Coupon", "coupon", "coupons"),
    ("Vendor", "vendor", "vendors"), ("Build", "build", "builds"),
]

QUALITY = {"clean": 0.02, "mixed": 0.2, "smelly": 0.6}


class Block:
    def __init__(self, name, themes, flags, lines):
        self.name, self.themes, self.lines = name, themes, lines
        self.once, self.first, self.last = "once" in flags, "first" in flags, "last" in flags


def parse_blocks(path):
    blocks, cur = [], None
    for raw in open(path, encoding="utf-8").read().split("\n"):
        if raw.startswith("=== "):
            parts = raw[4:].split()
            cur = Block(parts[0], parts[1].split(","), parts[2:], [])
            blocks.append(cur)
        elif cur is not None:
            cur.lines.append(raw)
    for b in blocks:
        while b.lines and not b.lines[-1].strip():
            b.lines.pop()
    return blocks


def subst(text, ents, pkg):
    (E, e, es), (E2, e2, es2) = ents
    for k, v in {"«Ent»": E, "«ent»": e, "«ents»": es, "«Ents»": es[0].upper() + es[1:],
                 "«ENT»": E.upper(), "«tbl»": es, "«Ent2»": E2, "«ent2»": e2, "«ents2»": es2,
                 "«Ents2»": es2[0].upper() + es2[1:], "«pkg»": pkg}.items():
        text = text.replace(k, v)
    if "«" in text:
        raise SystemExit("unknown placeholder in: " + text[text.index("«"):][:40])
    return text


def render(block, p, rng, ents, pkg):
    """Returns (code, header lines). Each run of !S|/!C| lines is one choice:
    the smelly variant with probability p."""
    code, header = [], []
    smelly, in_run = False, False
    for line in block.lines:
        variant = line.startswith("!S|") or line.startswith("!C|")
        if variant and not in_run:
            smelly = rng.random() < p
        in_run = variant
        if line.startswith("!S|"):
            if not smelly:
                continue
            line = line[3:]
        elif line.startswith("!C|"):
            if smelly:
                continue
            line = line[3:]
        if line.startswith("#import: ") or line.startswith("#from: "):
            header.append(subst(line.split(": ", 1)[1], ents, pkg))
            continue
        code.append(subst(line, ents, pkg))
    return "\n".join(code), header


GO_IMPORTS = {
    "fmt": "fmt", "errors": "errors", "strings": "strings", "strconv": "strconv", "time": "time",
    "context": "context", "http": "net/http", "sql": "database/sql", "json": "encoding/json",
    "os": "os", "io": "io", "sync": "sync", "regexp": "regexp", "sort": "sort",
    "bufio": "bufio", "filepath": "path/filepath", "tls": "crypto/tls", "sha256": "crypto/sha256",
    "hex": "encoding/hex", "exec": "os/exec", "slog": "log/slog", "atomic": "sync/atomic",
    "csv": "encoding/csv", "url": "net/url", "flag": "flag", "bytes": "bytes", "math": "math",
    "rand": "math/rand", "signal": "os/signal", "fs": "io/fs", "utf8": "unicode/utf8",
    "base64": "encoding/base64", "hmac": "crypto/hmac", "gzip": "compress/gzip", "heap": "container/heap",
    "subtle": "crypto/subtle", "slices": "slices", "tabwriter": "text/tabwriter", "x509": "crypto/x509",
    "ioutil": "io/ioutil", "testing": "testing",
}

PY_IMPORTS = ["os", "sys", "json", "re", "subprocess", "hashlib", "logging", "datetime", "time",
              "yaml", "requests", "sqlite3", "csv", "pathlib", "shlex", "ast", "random", "asyncio",
              "functools", "itertools", "collections", "uuid", "argparse", "tempfile", "shutil",
              "threading", "hmac", "secrets", "html", "statistics", "textwrap", "contextlib", "gzip", "io",
              "warnings", "unittest"]


def go_file(body, pkg, doc):
    used = sorted({GO_IMPORTS[m] for m in re.findall(r"(?<![\w.])([a-z][a-z0-9]*)\.[A-Z]", body) if m in GO_IMPORTS})
    out = doc + "package " + pkg + "\n\n"
    if len(used) == 1:
        out += 'import "%s"\n\n' % used[0]
    elif used:
        out += "import (\n" + "".join('\t"%s"\n' % u for u in used) + ")\n\n"
    return out + body + "\n"


def py_file(body, header, doc):
    mods = sorted({m for m in re.findall(r"(?<![\w.])([a-z][a-z0-9_]*)\.[A-Za-z_]", body) if m in PY_IMPORTS})
    froms = sorted(set(header))
    if "logger." in body and "logger = " not in body:
        mods = sorted(set(mods) | {"logging"})
        body = "logger = logging.getLogger(__name__)\n\n\n" + body
    lines = ['"""' + doc + '"""', ""]
    lines += ["import " + m for m in mods]
    lines += ["from " + f for f in froms]
    return "\n".join(lines) + "\n\n\n" + body + "\n"


IMPORT_RE = re.compile(r'^import (type )?(?:(\w+)(?:, )?)?(?:\{ ([^}]*) \})? from "([^"]+)";$')


def merge_imports(header):
    """Merges `import D, { a, b } from "m";` lines per module, keeps the rest once."""
    merged, order, other = {}, [], []
    for h in header:
        m = IMPORT_RE.match(h)
        if not m:
            if h not in other:
                other.append(h)
            continue
        key = (m.group(4), bool(m.group(1)))
        if key not in merged:
            merged[key] = [None, []]
            order.append(key)
        if m.group(2):
            merged[key][0] = m.group(2)
        for name in (m.group(3) or "").split(","):
            name = name.strip()
            if name and name not in merged[key][1]:
                merged[key][1].append(name)
    for mod, is_type in list(order):
        if is_type and (mod, False) in merged:
            names = merged[(mod, False)][1]
            names += [n for n in merged[(mod, True)][1] if n not in names]
            order.remove((mod, True))
    out = []
    for mod, is_type in order:
        default, names = merged[(mod, is_type)]
        parts = []
        if default:
            parts.append(default)
        if names:
            parts.append("{ " + ", ".join(sorted(names)) + " }")
        out.append("import %s%s from \"%s\";" % ("type " if is_type else "", ", ".join(parts), mod))
    return out + other


def js_file(body, header, doc):
    imports = merge_imports(header)
    head = "// " + doc + "\n"
    if imports:
        head += "\n".join(imports) + "\n"
    return head + "\n" + body + "\n"


THEMES = {
    "go": ["service", "cli", "pipeline", "lib"],
    "python": ["service", "cli", "pipeline", "lib"],
    "javascript": ["server", "web", "react", "cli"],
    "typescript": ["server", "web", "react", "lib"],
}

DOCS = {
    "service": "HTTP service for %s.", "cli": "Command-line tool that manages %s.",
    "pipeline": "Batch jobs that import and export %s.", "lib": "Shared helpers for %s.",
    "server": "API routes for %s.", "web": "Browser code for the %s pages.",
    "react": "React components for %s.",
}


def sizes(rng):
    r = rng.random()
    if r < 0.3:
        return rng.randint(100, 200)
    if r < 0.7:
        return rng.randint(200, 400)
    if r < 0.95:
        return rng.randint(400, 700)
    return rng.randint(700, 980)


def compose(lang, blocks, index, rng):
    themes = THEMES[lang]
    theme = themes[index % len(themes)]
    quality = ["clean", "mixed", "smelly", "clean", "mixed", "clean", "smelly"][index % 7]
    p = QUALITY[quality]
    ent = ENTITIES[(index * 7 + len(lang)) % len(ENTITIES)]
    others = [x for x in ENTITIES if x != ent]
    pool = [b for b in blocks if theme in b.themes or "any" in b.themes]
    firsts = [b for b in pool if b.first]
    lasts = [b for b in pool if b.last]
    rest = [b for b in pool if not b.first and not b.last]
    rng.shuffle(rest)
    target = sizes(rng)
    pkg = {"service": ent[2] + "svc", "cli": "main", "pipeline": ent[1] + "etl", "lib": ent[2]}.get(theme, ent[2])
    if theme == "cli" and lang == "go":
        pkg = "main"
    parts, header, n, used = [], [], 0, set()
    order = firsts + rest
    k = 0
    while n < target and k < len(order) * 3:
        b = order[k % len(order)]
        k += 1
        e1 = ent if k <= len(order) else rng.choice(others)
        key = (b.name, e1)
        if key in used or (b.once and any(u[0] == b.name for u in used)):
            continue
        used.add(key)
        e2 = rng.choice([x for x in others if x != e1])
        code, hdr = render(b, p, rng, (e1, e2), pkg)
        parts.append(code)
        header += hdr
        n += code.count("\n") + 2
    for b in lasts:
        code, hdr = render(b, p, rng, (ent, rng.choice(others)), pkg)
        parts.append(code)
        header += hdr
    body = ("\n\n\n" if lang == "python" else "\n\n").join(parts)
    doc = DOCS[theme] % ent[2]
    if lang == "go":
        if theme == "cli" and "func main()" not in body:
            pass
        text = go_file(body, pkg, "// Package %s: %s\n" % (pkg, doc[0].lower() + doc[1:]) if pkg != "main" else "// " + doc + "\n")
        ext = ".go"
    elif lang == "python":
        text = py_file(body, header, doc)
        ext = ".py"
    else:
        text = js_file(body, header, doc)
        ext = ".js"
        if theme == "react":
            ext = ".jsx" if lang == "javascript" else ".tsx"
        elif lang == "typescript":
            ext = ".ts"
    name = "%s_%s_%02d%s" % (theme, ent[2], index, ext)
    return name, text, quality


# The Go corpus's module file, written beside the generated files.
GO_MOD = """module example.com/corpus

// The generated Go corpus is current Go: rules that need a declared
// version (go.loopvar-copy) are tested on it as in a module that says so.
go 1.26
"""


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    counts = {"go": 44, "python": 44, "javascript": 44, "typescript": 46}
    for lang, count in counts.items():
        blocks = parse_blocks(os.path.join(HERE, lang + ".blocks"))
        outdir = os.path.join(out, lang)
        os.makedirs(outdir, exist_ok=True)
        for f in os.listdir(outdir):
            os.remove(os.path.join(outdir, f))
        for i in range(count):
            rng = random.Random("%s-%d" % (lang, i))
            name, text, quality = compose(lang, blocks, i, rng)
            path = os.path.join(outdir, name)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            if lang == "go":
                res = subprocess.run(["gofmt", "-w", path], capture_output=True, text=True)
                if res.returncode != 0:
                    sys.stderr.write(res.stderr)
        if lang == "go":
            with open(os.path.join(outdir, "go.mod"), "w", encoding="utf-8") as fh:
                fh.write(GO_MOD)
        print(lang, count, "files")


if __name__ == "__main__":
    main()
