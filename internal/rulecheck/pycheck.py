# pycheck: the Python checker of `make check-rules-real` (package rulecheck).
#
# One process checks many texts: each is compiled as `python3 -m py_compile`
# compiles a file (compile(source_bytes, path, "exec", dont_inherit=True),
# the warnings it emits included) and then checked by pyflakes (Debian's
# python3-pyflakes), as `pyflakes3 FILE` checks it. Nothing is written to
# disk and nothing is executed.
#
# Protocol: one JSON object per line on stdin, {"path": P, "text": BASE64},
# one answer per line on stdout, {"diags": [{"line", "msg", "source"}]}.
import ast
import base64
import json
import sys
import warnings

from pyflakes import checker as pyflakes_checker
import pyflakes


def check(path, source):
    diags = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(source, path, "exec", dont_inherit=True)
        except SyntaxError as e:
            diags.append({"line": e.lineno or 0, "msg": "%s: %s" % (type(e).__name__, e.msg), "source": "py_compile"})
        except (ValueError, UnicodeDecodeError) as e:
            diags.append({"line": 0, "msg": "%s: %s" % (type(e).__name__, e), "source": "py_compile"})
    for w in caught:
        diags.append({"line": w.lineno or 0, "msg": "%s: %s" % (w.category.__name__, w.message), "source": "py_compile"})
    if any(d["source"] == "py_compile" and not d["msg"].endswith("Warning") and "Warning:" not in d["msg"] for d in diags):
        return diags
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return diags
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = pyflakes_checker.Checker(tree, filename=path)
    for m in sorted(w.messages, key=lambda m: (m.lineno, m.col)):
        diags.append({"line": m.lineno, "msg": m.message % m.message_args, "source": "pyflakes"})
    return diags


def main():
    sys.stdout.write(json.dumps({"pyflakes": pyflakes.__version__, "python": sys.version.split()[0]}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        try:
            req = json.loads(line)
            res = {"diags": check(req["path"], base64.b64decode(req["text"]))}
        except Exception as e:  # a bad request is answered, never fatal
            res = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
