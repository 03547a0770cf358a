#!/bin/sh
# make demo: the example server started, waited for and stopped through medprof.
BUILD=${1:-build}
PORT=${PORT:-8103}
echo "== medprof demo: examples/server.js on port $PORT"
exec "$BUILD/medprof" launch --ready "http://127.0.0.1:$PORT/healthcheck" \
    --env "PORT=$PORT" --env NODE_ENV=production -- node examples/server.js
