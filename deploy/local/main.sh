#!/usr/bin/env bash
# The main job: the real stack, every service / relay / consumer / worker as its own process, and a demo sale.
#   deploy/local/main.sh up       (what `make up` runs)
#   deploy/local/main.sh down     stop the application processes, then the stack
#   deploy/local/main.sh status
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
PYTHON="${PYTHON:-python3}"
STACK_DIR="${BR_STACK_DIR:-$REPO/.stack}"

case "${1:-}" in
  up)
    bash deploy/local/stack.sh up
    "$PYTHON" -m deploy.jwt_keys --out "$STACK_DIR/keys"
    echo "==> starting the application processes"
    "$PYTHON" -m deploy.processes up
    echo "==> creating the demo sale"
    BR_JWT_PRIVATE_KEY_FILE="$STACK_DIR/keys/jwt_private.pem" BR_JWT_PUBLIC_KEY_FILE="$STACK_DIR/keys/jwt_public.pem" \
      "$PYTHON" -m deploy.demo
    echo
    "$PYTHON" -m deploy.processes status
    cat <<EOT

Everything is up. The API gateway is http://127.0.0.1:8080/api/v1/ (OpenAPI: /openapi/{auth,ticket,booking,payment}.json).
Logs: $STACK_DIR/logs/<process>.log     Stop: make down
Load test the demo sale (headless, 60 s; it sells out) and audit it; the report lands in loadtest/reports/<run id>/:
    python -m loadtest run --users 1000 --spawn-rate 250 --duration 60
EOT
    ;;
  down)
    "$PYTHON" -m deploy.processes down || true
    bash deploy/local/stack.sh down
    ;;
  status)
    bash deploy/local/stack.sh status || true
    "$PYTHON" -m deploy.processes status
    ;;
  *) echo "usage: $0 up|down|status"; exit 64 ;;
esac
