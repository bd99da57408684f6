#!/usr/bin/env bash
# Audit the locked dependencies for known vulnerabilities: pip-audit --strict over requirements.lock (the
# service) and requirements-dev.lock (tests, fuzzing, benches). Exits non-zero on a known vulnerability, and
# also (--strict) on any package it could not audit, so it can never pass without having checked.
#
# It needs the vulnerability service: PyPI's per-release JSON API (https://pypi.org/pypi/NAME/VERSION/json,
# the default) or OSV (https://api.osv.dev, `-s osv`). Where neither is reachable -- a package mirror that
# serves only the simple index -- every package is "not found on PyPI" and this script fails, as it should:
# run it where the service is reachable. It is not part of .ci/run for that reason (see docs/operations.md, Robustness).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${AUDIT_VENV:-${TMPDIR:-/tmp}/storygraph-audit}"
[ -x "$VENV/bin/pip-audit" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pip-audit; }
status=0
for lock in requirements.lock requirements-dev.lock; do
  echo "== $lock"
  "$VENV/bin/pip-audit" --strict --disable-pip --no-deps -r "$lock" "$@" || status=1
done
exit "$status"
