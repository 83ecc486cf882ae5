#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine or a warm one: start (or reuse) the real stack, then lint,
# type-check and run pytest against it. `make test` runs this; .ci/run runs `make test`.
#   extra pytest arguments pass through:  deploy/local/test.sh -k engine -x
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
PYTHON="${PYTHON:-python3}"

bash deploy/local/stack.sh up
bash deploy/local/redis-cluster.sh up

echo "==> ruff"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
echo "==> mypy --strict"
"$PYTHON" -m mypy
echo "==> pytest"
set +e
"$PYTHON" -m pytest -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
