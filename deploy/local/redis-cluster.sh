#!/usr/bin/env bash
# Local 3-master Redis Cluster for the engine's cluster tests: redis-cluster.sh up|down|status
# Ports: BR_REDIS_CLUSTER_PORTS (default "7001 7002 7003"), loopback only.
# Data:  ${BR_STACK_DIR:-<repo>/.stack}/redis-cluster/<port>/
# Idempotent: "up" on a running cluster only re-checks its state; "down" on a stopped one does nothing.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${BR_STACK_DIR:-$REPO_DIR/.stack}"
DATA_DIR="$STACK_DIR/redis-cluster"
read -r -a PORTS <<< "${BR_REDIS_CLUSTER_PORTS:-7001 7002 7003}"
HOST=127.0.0.1

cli() { redis-cli -h "$HOST" -p "$1" "${@:2}"; }
alive() { cli "$1" ping >/dev/null 2>&1; }
cluster_state() { cli "${PORTS[0]}" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }

start_node() {
  local port=$1 dir="$DATA_DIR/$1"
  mkdir -p "$dir"
  if alive "$port"; then return; fi
  # No AOF/RDB: this cluster holds only test data, and a restart must not resurrect stale slots.
  redis-server --port "$port" --bind "$HOST" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 5000 --dir "$dir" --appendonly no --save "" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 50); do alive "$port" && return; sleep 0.1; done
  echo "redis-cluster: node $port did not start (see $dir/redis.log)" >&2
  exit 1
}

up() {
  command -v redis-server >/dev/null || { echo "redis-cluster: redis-server not installed (apt-get install redis-server)" >&2; exit 1; }
  for port in "${PORTS[@]}"; do start_node "$port"; done
  # Slots are assigned only once; a node that already knows its peers must not be re-created.
  if [ "$(cli "${PORTS[0]}" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" != "${#PORTS[@]}" ]; then
    local addrs=()
    for port in "${PORTS[@]}"; do addrs+=("$HOST:$port"); done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$DATA_DIR/create.log" 2>&1 || {
      cat "$DATA_DIR/create.log" >&2
      exit 1
    }
  fi
  for _ in $(seq 100); do
    if [ "$(cluster_state)" = "ok" ]; then
      echo "redis-cluster: up (ports ${PORTS[*]}, cluster_state:ok)"
      return
    fi
    sleep 0.1
  done
  echo "redis-cluster: cluster_state is '$(cluster_state)', not ok" >&2
  exit 1
}

down() {
  for port in "${PORTS[@]}"; do
    if alive "$port"; then cli "$port" shutdown nosave >/dev/null 2>&1 || true; fi
  done
  # nodes.conf would make the next "up" rejoin a half-forgotten cluster; start clean instead.
  rm -rf "$DATA_DIR"
  echo "redis-cluster: down"
}

status() {
  local rc=0
  for port in "${PORTS[@]}"; do
    if alive "$port"; then echo "node $port: up"; else echo "node $port: down"; rc=1; fi
  done
  echo "cluster_state: $(cluster_state || true)"
  [ "$(cluster_state)" = "ok" ] || rc=1
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
