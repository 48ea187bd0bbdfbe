#! /usr/bin/env sh
# /start.sh: the image's default command, with the uvicorn-gunicorn image's interface.
# droverd itself reads every variable the seed image's start.sh and gunicorn_conf.py read
# (module detection, WEB_CONCURRENCY / WORKERS_PER_CORE / MAX_WORKERS, HOST / PORT / BIND,
# LOG_LEVEL, TIMEOUT, GRACEFUL_TIMEOUT, KEEP_ALIVE, ACCESS_LOG, ERROR_LOG, GUNICORN_CMD_ARGS,
# PRE_START_PATH), sources the prestart script and prints the seed's JSON line. This script only
# execs it, so droverd is PID 1: it gets `docker stop`'s SIGTERM and reaps orphans.
# Arguments are droverd's: `docker run IMAGE /start.sh --workers 3`.
set -e

# The seed names the prestart script by its absolute path ("Checking for script in
# /app/prestart.sh"); droverd's own default is the relative "prestart.sh" of the app directory.
# Same script, the seed's messages. Set but empty means the default, as in the seed.
PRE_START_PATH=${PRE_START_PATH:-${PWD%/}/prestart.sh}
export PRE_START_PATH

exec droverd "$@"
