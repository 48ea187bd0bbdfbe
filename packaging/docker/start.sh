#! /usr/bin/env sh
# /start.sh: the image's default command; the seed image's start.sh with droverd in Gunicorn's place.
set -e

if [ -f /app/app/main.py ]; then
    DEFAULT_MODULE_NAME=app.main
elif [ -f /app/main.py ]; then
    DEFAULT_MODULE_NAME=main
fi
MODULE_NAME=${MODULE_NAME:-$DEFAULT_MODULE_NAME}
VARIABLE_NAME=${VARIABLE_NAME:-app}
export APP_MODULE=${APP_MODULE:-"$MODULE_NAME:$VARIABLE_NAME"}

# Drover's own file first (DROVER_CONF, else a drover.toml in /app or /app/app), then the seed's order.
if [ -n "$DROVER_CONF" ]; then
    DEFAULT_GUNICORN_CONF=$DROVER_CONF
elif [ -f /app/drover.toml ]; then
    DEFAULT_GUNICORN_CONF=/app/drover.toml
elif [ -f /app/app/drover.toml ]; then
    DEFAULT_GUNICORN_CONF=/app/app/drover.toml
elif [ -f /app/gunicorn_conf.py ]; then
    DEFAULT_GUNICORN_CONF=/app/gunicorn_conf.py
elif [ -f /app/app/gunicorn_conf.py ]; then
    DEFAULT_GUNICORN_CONF=/app/app/gunicorn_conf.py
else
    DEFAULT_GUNICORN_CONF=/gunicorn_conf.py
fi
export GUNICORN_CONF=${GUNICORN_CONF:-$DEFAULT_GUNICORN_CONF}
export WORKER_CLASS=${WORKER_CLASS:-"uvicorn.workers.UvicornWorker"}

# If there's a prestart.sh script in the /app directory or other path specified, droverd runs it
# before starting: it prints the seed's messages ("Checking for script in …", then "Running script …"
# or "There is no script …") and sources the script with sh and `set -e`, so what the script
# exports reaches the config file and the workers, and a failing script stops the start-up.
# droverd runs it, not this script, so that it runs once, also when droverd is started otherwise.
export PRE_START_PATH=${PRE_START_PATH:-/app/prestart.sh}

# Start droverd as PID 1 (it gets `docker stop`'s SIGTERM and reaps orphans). Arguments given to
# /start.sh are droverd's (`docker run IMAGE /start.sh --max-requests 1000`); the seed takes none.
exec droverd -k "$WORKER_CLASS" -c "$GUNICORN_CONF" "$APP_MODULE" "$@"
