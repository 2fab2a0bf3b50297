#!/bin/sh
# Starts one platform process: `gateway`, `course-enrollment` or `exam-registration`.
#
# Database: SQLite at $DATABASE_PATH unless DATABASE_URL is set. With the compose `postgres`
# profile a host named $POSTGRES_HOST exists on the network (compose starts it first and waits for
# it to be healthy), and the service then uses PostgreSQL database $POSTGRES_DB on it instead.
set -eu
app="${1:-gateway}"
case "$app" in
  gateway|course-enrollment|exam-registration) ;;
  *) echo "unknown process '$app' (gateway | course-enrollment | exam-registration)" >&2; exit 2 ;;
esac
if [ "$app" != gateway ] && [ -z "${DATABASE_URL:-}" ] && [ -n "${POSTGRES_HOST:-}" ] \
   && getent hosts "$POSTGRES_HOST" >/dev/null 2>&1; then
  DATABASE_URL="postgres://${POSTGRES_USER:-registrar}:${POSTGRES_PASSWORD:-registrar}@${POSTGRES_HOST}:5432/${POSTGRES_DB:?POSTGRES_DB is required with POSTGRES_HOST}"
  export DATABASE_URL
  echo "$app: using PostgreSQL at $POSTGRES_HOST/$POSTGRES_DB"
fi
exec node "dist/apps/$app/src/main.js"
