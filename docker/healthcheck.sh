#!/bin/sh
# Docker's health check: GET /health through `waiaas status`.  Docker
# runs it as the container's user, root with the start-up capabilities:
# drop to nobody with none first, as every other process here does.
# --url: no need to read the data directory (nobody cannot).
exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --bounding-set=-all --inh-caps=-all \
    /usr/local/bin/waiaas status \
    --url "http://127.0.0.1:${WAIAAS_DAEMON_PORT:-3100}"
