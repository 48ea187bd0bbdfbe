#! /usr/bin/env sh
# /start-reload.sh: development mode, `docker run -v "$PWD/app:/app" IMAGE /start-reload.sh`.
# droverd watches the app directory and restarts its workers when a *.py file changes. The
# prestart script runs first, as with /start.sh. Arguments are droverd's.
set -e

PRE_START_PATH=${PRE_START_PATH:-${PWD%/}/prestart.sh}
export PRE_START_PATH

exec droverd --reload "$@"
