#!/usr/bin/env bash
# Runs tests/clients/pymesos_framework.py (pymesos from PyPI, in a venv under target/) against the
# master HOST:PORT. Exits 77 with a "SKIP:" line when pymesos cannot be installed (PyPI
# unreachable), 0 when the framework got its 3 tasks to TASK_FINISHED.
#
# pymesos needs http-parser, whose C extension no longer builds on Python >= 3.11; the package
# has a pure-Python parser that it falls back to, so when the build fails only its Python
# modules are installed.
set -euo pipefail
master=${1:?usage: pymesos.sh HOST:PORT}
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/target/clients/pymesos-venv"
py="$venv/bin/python"

skip() { echo "SKIP: $*"; exit 77; }

if ! "$py" -c 'import pymesos' 2>/dev/null; then
  "$root/scripts/ensure-test-deps" python || skip "python3 with venv is not available"
  rm -rf "$venv"
  python3 -m venv "$venv" || skip "python3 -m venv failed"
  pip=("$venv/bin/pip" install -q --disable-pip-version-check)
  "${pip[@]}" six addict kazoo || skip "pip install from PyPI failed (PyPI unreachable?)"
  "${pip[@]}" --no-deps pymesos || skip "pip install pymesos failed (PyPI unreachable?)"
  if ! "${pip[@]}" http-parser 2>/dev/null; then
    tmp=$(mktemp -d)
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
      -d "$tmp" http-parser || skip "pip download http-parser failed (PyPI unreachable?)"
    "$py" - "$tmp" <<'PY'
import glob, os, shutil, sys, sysconfig, tarfile
tmp = sys.argv[1]
tarfile.open(glob.glob(os.path.join(tmp, "http-parser-*.tar.gz"))[0]).extractall(tmp)
src = glob.glob(os.path.join(tmp, "http-parser-*", "http_parser"))[0]
dst = os.path.join(sysconfig.get_paths()["purelib"], "http_parser")
shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.c", "*.h", "*.pyx", "*.pxd"))
PY
    rm -rf "$tmp"
  fi
  "$py" -c 'import pymesos; from http_parser.http import HttpParser' \
    || skip "pymesos installed but does not import"
fi
exec "$py" "$root/tests/clients/pymesos_framework.py" "$master"
