#!/usr/bin/env bash
# Start the local MariaDB and Redis that the integration tests use, if they are
# not already running, and wait (bounded) until both answer.
#
#   bash scripts/services.sh          # developer: start/check the services
#   source scripts/services.sh        # .ci/run: defines the functions below
#
# Uses the Debian packages' binaries (mariadbd, redis-server). With Docker, use
# `docker compose up -d mysql redis` instead.

: "${ORGSYNC_SERVICES_TIMEOUT:=60}"   # seconds to wait for each service
: "${ORGSYNC_TEST_DATABASE:=orgsync_test}"

services_log() { printf '[services] %s\n' "$*"; }

mariadb_alive() {
  mariadb-admin -uroot --connect-timeout=2 ping >/dev/null 2>&1
}

redis_alive() {
  [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]
}

# wait_for NAME CHECK_FUNCTION: poll once a second, up to ORGSYNC_SERVICES_TIMEOUT.
wait_for() {
  local name=$1 check=$2 waited=0
  until "$check"; do
    if [ "$waited" -ge "$ORGSYNC_SERVICES_TIMEOUT" ]; then
      services_log "$name did not answer within ${ORGSYNC_SERVICES_TIMEOUT}s" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  services_log "$name is up (waited ${waited}s)"
}

start_mariadb() {
  if mariadb_alive; then
    services_log "MariaDB already running"
    return 0
  fi
  if [ ! -x /usr/sbin/mariadbd ] || ! command -v mariadb-admin >/dev/null 2>&1; then
    services_log "MariaDB is not running and /usr/sbin/mariadbd is not installed (apt-get install mariadb-server, or docker compose up -d mysql)" >&2
    return 1
  fi
  # The socket directory lives on a tmpfs and may be gone after a reboot.
  if [ ! -d /run/mysqld ] && id mysql >/dev/null 2>&1; then
    install -d -o mysql -g mysql /run/mysqld
  fi
  services_log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
}

start_redis() {
  if redis_alive; then
    services_log "Redis already running"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    services_log "Redis is not running and redis-server is not installed (apt-get install redis-server, or docker compose up -d redis)" >&2
    return 1
  fi
  services_log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
}

# Start both, then wait for both (they boot in parallel).
services_up() {
  start_mariadb
  start_redis
  wait_for MariaDB mariadb_alive
  wait_for Redis redis_alive
}

# The shared test database; test files also create their own per-file databases.
create_test_database() {
  mariadb -uroot -e "CREATE DATABASE IF NOT EXISTS \`${ORGSYNC_TEST_DATABASE}\` CHARACTER SET utf8mb4"
  services_log "database ${ORGSYNC_TEST_DATABASE} ready"
}

# Run directly (not sourced): do the whole thing.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  services_up
  create_test_database
fi
