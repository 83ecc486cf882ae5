#!/usr/bin/env bash
# Booking Rush local stack: Redis 7 (AOF), PostgreSQL (four service databases), Apache Kafka 4 (KRaft) and the
# nginx API gateway, installed from Debian packages / Maven Central and started on loopback.
#
#   deploy/local/stack.sh up        install what is missing, start everything, apply migrations, create topics
#   deploy/local/stack.sh down      stop everything this script started (data is kept)
#   deploy/local/stack.sh status    what is running and where
#   deploy/local/stack.sh install   only install packages / jars / Python dependencies
#
# Idempotent: running `up` twice starts nothing twice. Must run as root on Debian (apt-get, pg_ctlcluster).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${BR_STACK_DIR:-$REPO/.stack}"  # this checkout's configs, pids and logs
# The data of Redis and Kafka lives with the machine, like PostgreSQL's (/var/lib/postgresql): every checkout
# (a developer's, CI's fresh clone) talks to the same durable state, so an outbox row PostgreSQL says was
# published is always in the Kafka log next to it. The Maven-resolved jars are cached per machine too.
DATA_DIR="${BR_DATA_DIR:-/var/lib/booking-rush}"
CACHE_DIR="${BR_CACHE_DIR:-/var/cache/booking-rush}"
LOG_DIR="$STACK_DIR/logs"
REDIS_PORT="${BR_REDIS_PORT:-6379}"
PG_PORT=5432
KAFKA_PORT="${BR_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${BR_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_PARTITIONS="${BR_KAFKA_PARTITIONS:-6}"
KAFKA_HEAP="${BR_KAFKA_HEAP:-768m}"
GATEWAY_PORT="${BR_GATEWAY_PORT:-8080}"
PG_ADMIN_PW="${BR_PG_ADMIN_PASSWORD:-br_admin_pw}"
PYTHON="${PYTHON:-python3}"

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
die() { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for <what> <seconds> <command...>
  local what="$1" limit="$2"; shift 2
  local waited=0
  until "$@" >/dev/null 2>&1; do
    sleep 1; waited=$((waited + 1))
    if (( waited % 10 == 0 )); then say "    still waiting for $what (${waited}s)"; fi
    if (( waited >= limit )); then die "$what did not come up within ${limit}s (logs: $LOG_DIR)"; fi
  done
  return 0  # an until loop returns its body's last status, which set -e would take for a failure
}

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1; }

# ---------------------------------------------------------------- install
install_packages() {
  local need=()
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v redis-benchmark >/dev/null || need+=(redis-tools)
  [ -n "$(pg_version)" ] && command -v pg_ctlcluster >/dev/null || need+=(postgresql)
  command -v nginx >/dev/null || need+=(nginx-light)
  command -v wrk >/dev/null || need+=(wrk)
  command -v jq >/dev/null || need+=(jq)  # the README's curl walk-through
  command -v docker-compose >/dev/null || need+=(docker-compose)  # validates deploy/docker-compose.yml in the tests
  command -v java >/dev/null || need+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || need+=(maven)
  if ((${#need[@]})); then
    step "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >"$LOG_DIR/apt.log" 2>&1 \
      || die "apt-get install failed, see $LOG_DIR/apt.log"
  fi
  redis-server --version | grep -q 'v=7\.' || die "Redis 7 is required, found: $(redis-server --version)"
}

install_python() {
  if ! "$PYTHON" -c 'import starlette, asyncpg, aiokafka, redis, pytest, hypothesis, locust' 2>/dev/null \
     || ! "$PYTHON" -m pip show booking-rush >/dev/null 2>&1; then
    step "pip install (requirements.lock + the project, editable)"
    "$PYTHON" -m pip install -q --disable-pip-version-check -r "$REPO/requirements.lock" >"$LOG_DIR/pip.log" 2>&1 \
      || die "pip install failed, see $LOG_DIR/pip.log"
    "$PYTHON" -m pip install -q --disable-pip-version-check --no-deps -e "$REPO" >>"$LOG_DIR/pip.log" 2>&1 \
      || die "pip install -e failed, see $LOG_DIR/pip.log"
  fi
}

install_kafka() {
  local libs="$CACHE_DIR/kafka-libs" pom_hash
  pom_hash="$(sha256sum "$REPO/deploy/kafka/pom.xml" | cut -d' ' -f1)"
  if [ "$(cat "$libs/.complete" 2>/dev/null)" != "$pom_hash" ]; then
    step "resolving Apache Kafka jars from Maven Central (deploy/kafka/pom.xml)"
    rm -rf "$libs"; mkdir -p "$libs"
    mvn -q -B -f "$REPO/deploy/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs" >"$LOG_DIR/maven.log" 2>&1 \
      || die "maven could not resolve Kafka, see $LOG_DIR/maven.log"
    echo "$pom_hash" >"$libs/.complete"
  fi
}

cmd_install() {
  mkdir -p "$LOG_DIR"
  install_packages
  install_python
  install_kafka
}

# ---------------------------------------------------------------- redis
redis_up() {
  local dir="$STACK_DIR/redis"
  mkdir -p "$dir" "$DATA_DIR/redis"
  sed -e "s#@DIR@#$dir#g" -e "s#@DATA_DIR@#$DATA_DIR/redis#g" -e "s#@REDIS_PORT@#$REDIS_PORT#g" \
    "$REPO/deploy/local/redis.conf.template" >"$dir/redis.conf"
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    # Already running (maybe started by hand): make sure durability matches what we promise.
    redis-cli -p "$REDIS_PORT" config set appendonly yes >/dev/null
    redis-cli -p "$REDIS_PORT" config set appendfsync everysec >/dev/null
  else
    step "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server "$dir/redis.conf"
    wait_for "Redis" 30 bash -c "redis-cli -p $REDIS_PORT ping | grep -q PONG"
  fi
}

# ---------------------------------------------------------------- postgres
postgres_up() {
  local ver; ver="$(pg_version)"
  [ -n "$ver" ] || die "PostgreSQL is not installed"
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$ver main$"; then
    step "creating PostgreSQL $ver cluster 'main'"
    pg_createcluster "$ver" main >/dev/null
  fi
  local conf="/etc/postgresql/$ver/main/conf.d/booking-rush.conf"
  local restart=0
  if ! cmp -s "$REPO/deploy/local/postgres.conf" "$conf"; then
    mkdir -p "$(dirname "$conf")"; cp "$REPO/deploy/local/postgres.conf" "$conf"; restart=1
  fi
  if pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
    if ((restart)); then step "restarting PostgreSQL (settings changed)"; pg_ctlcluster "$ver" main restart; fi
  else
    step "starting PostgreSQL $ver on 127.0.0.1:$PG_PORT"
    pg_ctlcluster "$ver" main start
  fi
  wait_for "PostgreSQL" 60 pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  (cd / && runuser -u postgres -- psql -q -X -p "$PG_PORT" -v admin_pw="$PG_ADMIN_PW" \
      -f "$REPO/deploy/local/postgres-setup.sql") >"$LOG_DIR/postgres-setup.log" 2>&1 \
    || die "database setup failed, see $LOG_DIR/postgres-setup.log"
}

# ---------------------------------------------------------------- kafka
kafka_classpath() { echo "$CACHE_DIR/kafka-libs/*"; }

kafka_java() { # kafka_java <main class> <args...>  (the same main classes kafka-*.sh call)
  java -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$REPO/deploy/kafka/log4j2.properties" \
    -cp "$(kafka_classpath)" "$@"
}

kafka_up() {
  local dir="$STACK_DIR/kafka" data="$DATA_DIR/kafka"
  mkdir -p "$dir" "$data"
  sed -e "s#@DATA_DIR@#$data#g" -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@KAFKA_CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
      -e "s#@KAFKA_PARTITIONS@#$KAFKA_PARTITIONS#g" "$REPO/deploy/kafka/server.properties.template" >"$dir/server.properties"
  if [ ! -f "$data/meta.properties" ]; then
    step "formatting Kafka storage (once)"
    local cluster_id; cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$LOG_DIR/kafka-format.log" 2>&1 \
      || die "kafka storage format failed, see $LOG_DIR/kafka-format.log"
  fi
  if [ -f "$dir/kafka.pid" ] && kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
    :
  elif port_open "$KAFKA_PORT"; then
    say "    port $KAFKA_PORT is already taken by another process; assuming it is a Kafka broker"
  else
    step "starting Apache Kafka (KRaft) on 127.0.0.1:$KAFKA_PORT"
    setsid nohup bash -c "$(declare -f kafka_java kafka_classpath); CACHE_DIR='$CACHE_DIR' REPO='$REPO' \
      KAFKA_HEAP='$KAFKA_HEAP' kafka_java kafka.Kafka '$dir/server.properties'" >"$LOG_DIR/kafka.log" 2>&1 &
    echo $! >"$dir/kafka.pid"
  fi
  "$PYTHON" -m deploy.kafka_topics --bootstrap "127.0.0.1:$KAFKA_PORT" --partitions "$KAFKA_PARTITIONS" --wait 120 \
    || die "Kafka did not come up, see $LOG_DIR/kafka.log"
}

kafka_down() {
  local pidfile="$STACK_DIR/kafka/kafka.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    step "stopping Kafka"
    kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null || kill -TERM "$(cat "$pidfile")"
    for _ in $(seq 1 60); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 1; done
  fi
  rm -f "$pidfile"
}

# ---------------------------------------------------------------- nginx gateway
gateway_up() {
  local dir="$STACK_DIR/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"
  sed -e "s#@DIR@#$dir#g" -e "s#@LISTEN@#127.0.0.1:$GATEWAY_PORT#g" \
      -e "s#@AUTH_UPSTREAM@#127.0.0.1:${BR_AUTH_PORT:-8001}#g" -e "s#@TICKET_UPSTREAM@#127.0.0.1:${BR_TICKET_PORT:-8002}#g" \
      -e "s#@BOOKING_UPSTREAM@#127.0.0.1:${BR_BOOKING_PORT:-8003}#g" \
      -e "s#@PAYMENT_UPSTREAM@#127.0.0.1:${BR_PAYMENT_PORT:-8004}#g" \
      "$REPO/deploy/nginx/gateway.conf.template" >"$dir/nginx.conf"
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" 2>"$LOG_DIR/nginx-test.log" || die "nginx config invalid: $LOG_DIR/nginx-test.log"
  if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
    nginx -p "$dir" -c "$dir/nginx.conf" -s reload
  else
    step "starting the nginx API gateway on 127.0.0.1:$GATEWAY_PORT"
    nginx -p "$dir" -c "$dir/nginx.conf"
  fi
  wait_for "nginx" 15 port_open "$GATEWAY_PORT"
}

gateway_down() {
  local dir="$STACK_DIR/nginx"
  if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
    step "stopping nginx"; nginx -p "$dir" -c "$dir/nginx.conf" -s quit || true
  fi
}

# ---------------------------------------------------------------- commands
cmd_up() {
  mkdir -p "$LOG_DIR"
  cmd_install
  redis_up
  postgres_up
  kafka_up
  gateway_up
  step "applying migrations"
  "$PYTHON" -m deploy.migrate
  cmd_status
}

cmd_down() {
  gateway_down
  kafka_down
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    step "stopping Redis (AOF is flushed on shutdown)"; redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  fi
  local ver; ver="$(pg_version)"
  if [ -n "$ver" ] && pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
    step "stopping PostgreSQL"; pg_ctlcluster "$ver" main stop
  fi
}

cmd_status() {
  local ok=0
  check() { # check <name> <where> <command...>
    local name="$1" where="$2"; shift 2
    if "$@" >/dev/null 2>&1; then printf '  %-12s up    %s\n' "$name" "$where"; else printf '  %-12s DOWN  %s\n' "$name" "$where"; ok=1; fi
  }
  say "Booking Rush stack (Redis/Kafka data under $DATA_DIR, logs under $LOG_DIR):"
  check redis "redis://127.0.0.1:$REDIS_PORT (AOF everysec)" bash -c "redis-cli -p $REDIS_PORT ping | grep -q PONG"
  check postgres "postgresql://127.0.0.1:$PG_PORT  auth_db ticket_db booking_db payment_db" pg_isready -q -h 127.0.0.1 -p $PG_PORT
  check kafka "127.0.0.1:$KAFKA_PORT (KRaft, controller :$KAFKA_CONTROLLER_PORT)" port_open "$KAFKA_PORT"
  check gateway "http://127.0.0.1:$GATEWAY_PORT/api/v1/ (nginx)" port_open "$GATEWAY_PORT"
  return $ok
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  install) cmd_install ;;
  *) say "usage: $0 up|down|status|install"; exit 64 ;;
esac
