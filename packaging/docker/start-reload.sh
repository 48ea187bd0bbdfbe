#! /usr/bin/env sh
# /start-reload.sh: development mode, `docker run -v "$PWD/app:/app" IMAGE /start-reload.sh`; the
# seed image's start-reload.sh with `droverd --reload` in Uvicorn's place: one worker, restarted
# when a *.py file under /app changes. It names no config file (the seed reads none; droverd
# still finds an /app/gunicorn_conf.py, whose bind, log level and workers the flags below beat).
set -e

if [ -f /app/app/main.py ]; then
    DEFAULT_MODULE_NAME=app.main
elif [ -f /app/main.py ]; then
    DEFAULT_MODULE_NAME=main
fi
MODULE_NAME=${MODULE_NAME:-$DEFAULT_MODULE_NAME}
VARIABLE_NAME=${VARIABLE_NAME:-app}
export APP_MODULE=${APP_MODULE:-"$MODULE_NAME:$VARIABLE_NAME"}

HOST=${HOST:-0.0.0.0}
PORT=${PORT:-80}
LOG_LEVEL=${LOG_LEVEL:-info}
# An IPv6 address goes in brackets (uvicorn --host :: listens on [::]:80).
case $HOST in
*:*) ADDRESS="[$HOST]:$PORT" ;;
*) ADDRESS="$HOST:$PORT" ;;
esac

# If there's a prestart.sh script in the /app directory or other path specified, droverd runs it
# before starting, as with /start.sh (the seed's messages; sourced, its exports reach the worker).
export PRE_START_PATH=${PRE_START_PATH:-/app/prestart.sh}

# One worker, as the seed's single Uvicorn process (which ignores WEB_CONCURRENCY with --reload).
# Arguments given to /start-reload.sh are droverd's; the seed takes none.
exec droverd --reload --workers 1 --bind "$ADDRESS" --log-level "$LOG_LEVEL" "$APP_MODULE" "$@"
