#!/usr/bin/env bash
# nginx/serve.sh: run carrel.fcgi and an nginx in front of it as ordinary
# processes until Ctrl-C (or SIGTERM), then stop both cleanly.
#
#   PORT       port on 127.0.0.1 (default 8080)
#   VAR        state folder: database, socket, logs (default ./var)
#   BIN        folder with carrel.fcgi (default ./bin)
#   STATIC     folder nginx serves at /static/ (default ./static)
#   NGINX_WORKERS, ACCESS_LOG   passed into the nginx configuration
#   CRON_EVERY  run carrel-cron every this many seconds while serving, as
#              cron or a systemd timer would in production (default 0:
#              never; `make run` sets 60)
# Everything else comes from carrel.conf / CARREL_* (see README).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-8080}
VAR=${VAR:-$root/var}
BIN=${BIN:-$root/bin}
STATIC=${STATIC:-$root/static}
NGINX_WORKERS=${NGINX_WORKERS:-1}
mkdir -p "$VAR/nginx"
VAR=$(cd "$VAR" && pwd)
ACCESS_LOG=${ACCESS_LOG:-off}
export CARREL_BASE_URL="${CARREL_BASE_URL:-http://127.0.0.1:$PORT}"
export CARREL_DB="${CARREL_DB:-$VAR/carrel.db}"
export CARREL_SOCKET="${CARREL_SOCKET:-$VAR/carrel.sock}"
export CARREL_TEMPLATES="${CARREL_TEMPLATES:-$root/templates}"
export CARREL_SCHEMA="${CARREL_SCHEMA:-$root/schema}"
export CARREL_UPLOADS="${CARREL_UPLOADS:-$VAR/uploads}"
export CARREL_BACKUPS="${CARREL_BACKUPS:-$VAR/backups}"
# Live updates through nchan's publisher on a unix socket (nginx/dev.conf);
# CARREL_LIVE_URL= (empty) turns them off.
export CARREL_LIVE_URL="${CARREL_LIVE_URL-http://localhost/live-publish}"
export CARREL_LIVE_SOCKET="${CARREL_LIVE_SOCKET:-$VAR/live.sock}"
mkdir -p "$CARREL_UPLOADS"
CARREL_UPLOADS=$(cd "$CARREL_UPLOADS" && pwd)
mkdir -p "$CARREL_BACKUPS"
CARREL_BACKUPS=$(cd "$CARREL_BACKUPS" && pwd)
sed -e "s|@USER@|$(id -un)|g" -e "s|@GROUP@|$(id -gn)|g" \
    -e "s|@VAR@|$VAR|g" -e "s|@SOCKET@|$CARREL_SOCKET|g" \
    -e "s|@STATIC@|$STATIC|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@UPLOADS@|$CARREL_UPLOADS|g" -e "s|@BACKUPS@|$CARREL_BACKUPS|g" \
    -e "s|@LIVE_SOCKET@|$CARREL_LIVE_SOCKET|g" \
    -e "s|@NGINX_WORKERS@|$NGINX_WORKERS|g" -e "s|@ACCESS_LOG@|$ACCESS_LOG|g" \
    "$root/nginx/dev.conf" > "$VAR/nginx.conf"

CRON_EVERY=${CRON_EVERY:-0}
app=; web=; cron=
stop() {
    trap - INT TERM EXIT
    if [ -n "$cron" ]; then
        kill -TERM "$cron" 2>/dev/null || true
        pkill -TERM -P "$cron" 2>/dev/null || true   # its sleep or carrel-cron
    fi
    [ -n "$web" ] && kill -QUIT "$web" 2>/dev/null || true
    [ -n "$app" ] && kill -TERM "$app" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "serve: nginx and carrel.fcgi stopped"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$BIN/carrel.fcgi" &
app=$!
# The master binds the socket after migrating and compiling templates.
i=0
while [ ! -S "$CARREL_SOCKET" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$app" 2>/dev/null; then
        echo "carrel: carrel.fcgi did not start (see above)" >&2
        exit 1
    fi
    sleep 0.05
done
# A socket left by an nginx that was killed would stop this one binding it.
rm -f "$CARREL_LIVE_SOCKET"
nginx -e "$VAR/nginx-error.log" -c "$VAR/nginx.conf" &
web=$!
echo "carrel: serving http://127.0.0.1:$PORT/ (Ctrl-C stops)"
if [ "$CRON_EVERY" -gt 0 ]; then
    # Scheduled tasks (reminders, delivery, ...) as a timer would run them.
    ( while :; do "$BIN/carrel-cron" run | sed 's/^/cron: /'; sleep "$CRON_EVERY"; done ) &
    cron=$!
    echo "carrel: carrel-cron runs every $CRON_EVERY s"
fi
# Return when either server ends (or a signal arrives): one without the
# other is no use. Both exit 0 when stopped by Ctrl-C, which reaches the
# whole process group.
rc=0
wait -n "$app" "$web" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "serve: a server exited with status $rc; see $VAR/nginx-error.log and the log above" >&2
    exit 1
fi
