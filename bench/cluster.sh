#!/usr/bin/env bash
# The production topology of dutyflow, on one machine (127.0.0.1 only):
#   PostgreSQL           the dutyflow store (database dutyflow_cluster) and Prefect's own database
#                        (prefect_cluster); both created when missing. PostgreSQL itself is the
#                        machine's cluster (15/main); it is started when down and never stopped here.
#   Prefect server       `prefect server start` on PostgreSQL (asyncpg), port CLUSTER_PREFECT_PORT
#   work pool + workers  pool "dutyflow" (type process), CLUSTER_WORKERS workers (default 2), each
#                        running one flow run at a time; deployments registered from this repository
#   SMTP sink            dutyflow's MailSink on port CLUSTER_SMTP_PORT, one short log line per message
#
# Usage:
#   bash bench/cluster.sh up                 start everything (idempotent)
#   bash bench/cluster.sh run [--communes N] load a national plan, run the chase across the workers, print figures
#   bash bench/cluster.sh faults [SCENARIO]  the fault tests (python -m bench.cluster.faults --help)
#   bash bench/cluster.sh status             what is running
#   bash bench/cluster.sh down               stop everything this script started, and check nothing is left
#
# Every background process is started with setsid (its own session and process group), with a pid
# file under $DUTYFLOW_CLUSTER_DIR/run and a log under $DUTYFLOW_CLUSTER_DIR/log, and is stopped with
# SIGTERM to its process group, then SIGKILL after CLUSTER_STOP_TIMEOUT seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
PREFECT="$ROOT/.venv/bin/prefect"

# ---------------------------------------------------------------------------- settings
# The same names and defaults as bench/cluster/config.py.
export DUTYFLOW_CLUSTER_DIR="${DUTYFLOW_CLUSTER_DIR:-/tmp/dutyflow-cluster}"
export CLUSTER_PG_HOST="${CLUSTER_PG_HOST:-127.0.0.1}"
export CLUSTER_PG_PORT="${CLUSTER_PG_PORT:-5432}"
export CLUSTER_PG_USER="${CLUSTER_PG_USER:-postgres}"
export CLUSTER_STORE_DB="${CLUSTER_STORE_DB:-dutyflow_cluster}"
export CLUSTER_PREFECT_DB="${CLUSTER_PREFECT_DB:-prefect_cluster}"
export CLUSTER_PREFECT_PORT="${CLUSTER_PREFECT_PORT:-4250}"
export CLUSTER_SMTP_PORT="${CLUSTER_SMTP_PORT:-8125}"
export CLUSTER_WORKERS="${CLUSTER_WORKERS:-2}"
export CLUSTER_POOL="${CLUSTER_POOL:-dutyflow}"
STOP_TIMEOUT="${CLUSTER_STOP_TIMEOUT:-20}"
PG_CLUSTER="${CLUSTER_PG_CLUSTER:-15 main}"  # for pg_ctlcluster when PostgreSQL is down

STATE="$DUTYFLOW_CLUSTER_DIR"
RUN_DIR="$STATE/run"
LOG_DIR="$STATE/log"
PG_BASE="postgresql+psycopg://$CLUSTER_PG_USER@$CLUSTER_PG_HOST:$CLUSTER_PG_PORT"

# Prefect: client and server side. Offline: no analytics, no telemetry.
export PREFECT_HOME="$STATE/prefect-home"
export PREFECT_API_URL="http://127.0.0.1:$CLUSTER_PREFECT_PORT/api"
PREFECT_DB_URL="postgresql+asyncpg://$CLUSTER_PG_USER@$CLUSTER_PG_HOST:$CLUSTER_PG_PORT/$CLUSTER_PREFECT_DB"
export PREFECT_SERVER_DATABASE_CONNECTION_URL="$PREFECT_DB_URL"
export PREFECT_API_DATABASE_CONNECTION_URL="$PREFECT_DB_URL"  # the older name of the same setting
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export DO_NOT_TRACK=1
export PREFECT_SERVER_API_HOST=127.0.0.1
export PREFECT_SERVER_API_PORT="$CLUSTER_PREFECT_PORT"

# ---------------------------------------------------------------------------- supervision

log() { printf '[cluster] %s\n' "$*"; }

# Whether $1 is a live process started by this cluster (guards against a recycled pid):
# every process started here carries DUTYFLOW_CLUSTER_TAG=$STATE in its environment.
is_ours() {
  local pid="$1"
  { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF "DUTYFLOW_CLUSTER_TAG=$STATE"
}

pid_of() {
  local file="$RUN_DIR/$1.pid"
  [[ -f "$file" ]] && cat "$file"
}

running() {
  local pid
  pid="$(pid_of "$1")" || return 1
  is_ours "$pid"
}

# start_bg NAME COMMAND...: COMMAND in its own session (setsid), its output appended to
# $LOG_DIR/NAME.log, its pid in $RUN_DIR/NAME.pid. `trap - INT QUIT` undoes what bash does to a
# background command without job control (SIGINT and SIGQUIT ignored): Prefect's worker turns
# SIGTERM into SIGINT, so with SIGINT ignored it would ignore SIGTERM too.
# Without job control the subshell is not a process-group leader, so setsid does not fork and
# $! is the very pid of COMMAND (checked below: its session id must equal its pid).
start_bg() {
  local name="$1"
  shift
  if running "$name"; then
    log "$name already running (pid $(pid_of "$name"))"
    return 0
  fi
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  printf '\n=== %s start: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$LOG_DIR/$name.log"
  (
    trap - INT QUIT
    exec env DUTYFLOW_CLUSTER_TAG="$STATE" setsid "$@"
  ) >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$RUN_DIR/$name.pid"
  sleep 0.2
  local sid
  sid="$(awk '{print $6}' "/proc/$pid/stat" 2>/dev/null || echo '?')"
  if [[ "$sid" != "$pid" ]]; then
    log "$name (pid $pid) exited at once or is not a session leader (sid $sid); see $LOG_DIR/$name.log"
    tail -n 20 "$LOG_DIR/$name.log" >&2 || true
    return 1
  fi
  log "$name started (pid $pid, log $LOG_DIR/$name.log)"
}

# stop_bg NAME: SIGTERM to the process group, then SIGKILL after $STOP_TIMEOUT seconds.
stop_bg() {
  local name="$1" pid waited=0
  pid="$(pid_of "$name")" || return 0
  if ! is_ours "$pid"; then
    rm -f "$RUN_DIR/$name.pid"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  while is_ours "$pid" && ((waited < STOP_TIMEOUT * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if is_ours "$pid"; then
    log "$name (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  else
    log "$name (pid $pid) stopped after $((waited / 10)).$((waited % 10))s"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# Every live process carrying this cluster's tag (flow-run subprocesses run in sessions of their own).
# With --unsupervised, only those that no pid file names (the supervised ones are stopped by stop_bg).
tagged_pids() {
  local dir pid supervised=" "
  if [[ "${1:-}" == "--unsupervised" ]]; then
    supervised=" $(cat "$RUN_DIR"/*.pid 2>/dev/null | tr '\n' ' ' || true)"
  fi
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    [[ "$pid" == "$$" || "$supervised" == *" $pid "* ]] && continue
    if is_ours "$pid"; then echo "$pid"; fi
  done
  return 0
}

# ---------------------------------------------------------------------------- parts

ensure_postgres() {
  if ! pg_isready -q -h "$CLUSTER_PG_HOST" -p "$CLUSTER_PG_PORT"; then
    log "PostgreSQL is down: starting $PG_CLUSTER"
    # shellcheck disable=SC2086  # "15 main" is two arguments
    pg_ctlcluster --skip-systemctl-redirect $PG_CLUSTER start
  fi
  "$PY" -m bench.cluster.admin wait-postgres --timeout 60
}

ensure_secret() {
  # The server secret that derives the units' portal links: the same on every worker.
  if [[ ! -s "$STATE/secret.key" ]]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$STATE/secret.key")
  fi
}

# The environment of the workers, hence of every flow run they start (the process worker passes
# its own environment on). On other machines, the same variables with the real hosts.
worker_env() {
  # The file is sourced by bash (set -a), so these comment lines are comments there too.
  cat <<EOF
# the dutyflow store, the data folder, the secret that derives the portal links
DUTYFLOW_DATABASE_URL=$PG_BASE/$CLUSTER_STORE_DB
DUTYFLOW_DATA_DIR=$STATE/data
DUTYFLOW_SECRET_KEY=$(cat "$STATE/secret.key")
# the SMTP relay (here the sink); a dead relay must fail fast, not after 30 s
DUTYFLOW_SMTP_HOST=127.0.0.1
DUTYFLOW_SMTP_PORT=$CLUSTER_SMTP_PORT
DUTYFLOW_SMTP_TIMEOUT_SECONDS=${DUTYFLOW_SMTP_TIMEOUT_SECONDS:-10}
# units per task run, first retry delay, outbox lease (a flow run can override them: job variables)
DUTYFLOW_BATCH_SIZE=${DUTYFLOW_BATCH_SIZE:-200}
DUTYFLOW_RETRY_DELAY_SECONDS=${DUTYFLOW_RETRY_DELAY_SECONDS:-10}
DUTYFLOW_CLAIM_LEASE_MINUTES=${DUTYFLOW_CLAIM_LEASE_MINUTES:-15}
# task runs at once in a flow run: bounded, below the store's connection pool (5 + 10 overflow)
PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS=${CLUSTER_THREADS:-4}
# how often an idle worker asks the server for work (default 10 s)
PREFECT_WORKER_QUERY_SECONDS=2
# the API answers 500 while its PostgreSQL restarts: retry those too (with the client's backoff)
PREFECT_CLIENT_RETRY_EXTRA_CODES=500
# the workers import flows/, tasks/ and dutyflow/ from this checkout
PYTHONPATH=$ROOT
EOF
}

start_sink() {
  mkdir -p "$STATE/sink"
  start_bg sink "$PY" -m bench.cluster.sink --port "$CLUSTER_SMTP_PORT" --log "$STATE/sink/deliveries.tsv"
  "$PY" -m bench.cluster.admin wait-port "$CLUSTER_SMTP_PORT" --timeout 20
}

start_server() {
  start_bg prefect-server "$PREFECT" server start --host 127.0.0.1 --port "$CLUSTER_PREFECT_PORT" --no-ui
  # The first start runs Prefect's migrations on the empty prefect_cluster database.
  "$PY" -m bench.cluster.admin wait-http "$PREFECT_API_URL/health" --timeout 180
}

start_workers() {
  local i
  # The environment goes through a file (mode 0600): it holds the secret, which a log must not show.
  (umask 077 && worker_env >"$STATE/worker.env")
  for ((i = 1; i <= CLUSTER_WORKERS; i++)); do
    start_bg "worker-$i" bash -c 'set -a && . "$1" && shift && exec "$@"' worker-env "$STATE/worker.env" \
      "$PREFECT" worker start \
      --pool "$CLUSTER_POOL" --type process --name "dutyflow-w$i" --limit 1 --install-policy never
  done
  "$PY" -m bench.cluster.admin wait-workers "$CLUSTER_WORKERS" --timeout 90
}

# ---------------------------------------------------------------------------- commands

cmd_up() {
  mkdir -p "$STATE" "$RUN_DIR" "$LOG_DIR" "$STATE/data"
  cd "$ROOT"
  ensure_postgres
  ensure_secret
  "$PY" -m bench.cluster.admin ensure-databases
  log "store: migrating $CLUSTER_STORE_DB"
  DUTYFLOW_DATABASE_URL="$PG_BASE/$CLUSTER_STORE_DB" DUTYFLOW_DATA_DIR="$STATE/data" \
    "$ROOT/.venv/bin/dutyflow" db upgrade
  start_sink
  start_server
  "$PY" -m bench.cluster.deploy
  start_workers
  cmd_status
}

cmd_down() {
  local i pids
  # Workers first (they stop polling), then whatever flow runs they left, then the server and the sink.
  for file in "$RUN_DIR"/worker-*.pid; do
    [[ -e "$file" ]] || continue
    stop_bg "$(basename "$file" .pid)"
  done
  mapfile -t pids < <(tagged_pids --unsupervised)
  for i in "${pids[@]}"; do
    [[ -n "$i" ]] || continue
    log "left over: pid $i ($(tr '\0' ' ' <"/proc/$i/cmdline" 2>/dev/null | cut -c1-80)): SIGTERM"
    kill -TERM "$i" 2>/dev/null || true
  done
  ((${#pids[@]} == 0)) || sleep 1
  mapfile -t pids < <(tagged_pids --unsupervised)
  for i in "${pids[@]}"; do
    [[ -n "$i" ]] && kill -KILL "$i" 2>/dev/null || true
  done
  stop_bg prefect-server
  stop_bg sink
  mapfile -t pids < <(tagged_pids)
  if ((${#pids[@]} > 0)) && [[ -n "${pids[0]}" ]]; then
    log "STILL RUNNING: ${pids[*]}"
    ps -o pid,sid,etime,cmd -p "$(IFS=,; echo "${pids[*]}")" || true
    return 1
  fi
  log "no process carries this cluster's tag"
  local seen
  seen="$(ps -eo pid,cmd | grep -E 'prefect (server|worker)|bench\.cluster\.sink|prefect\.engine' | grep -v grep || true)"
  if [[ -z "$seen" ]]; then
    log "ps: no Prefect server, worker, flow-run engine or cluster sink on this machine"
  else
    log "ps: such processes remain, not started by this cluster (other users'):"
    echo "$seen"
  fi
  if pg_isready -q -h "$CLUSTER_PG_HOST" -p "$CLUSTER_PG_PORT"; then
    log "PostgreSQL is running (left as it was)"
  else
    log "PostgreSQL is DOWN: starting it again"
    ensure_postgres
  fi
}

cmd_status() {
  local name pid
  for file in "$RUN_DIR"/*.pid; do
    [[ -e "$file" ]] || continue
    name="$(basename "$file" .pid)"
    pid="$(cat "$file")"
    if is_ours "$pid"; then
      printf '  %-16s running  pid %-7s %s\n' "$name" "$pid" "$(ps -o etime= -p "$pid" | tr -d ' ')"
    else
      printf '  %-16s DEAD     pid %s (see %s)\n' "$name" "$pid" "$LOG_DIR/$name.log"
    fi
  done
  "$PY" -m bench.cluster.admin status || true
}

main() {
  local command="${1:-}"
  shift || true
  cd "$ROOT"
  case "$command" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    run) "$PY" -m bench.cluster.run "$@" ;;
    faults) "$PY" -m bench.cluster.faults "$@" ;;
    # Used by the fault tests: an SMTP outage, and the workers' environment.
    sink-stop) stop_bg sink ;;
    sink-start) start_sink ;;
    worker-env) ensure_secret && worker_env ;;
    *)
      sed -n '2,20p' "$0"
      exit 2
      ;;
  esac
}

main "$@"
