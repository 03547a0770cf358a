#!/bin/sh
# make demo: the whole seed routine in one command on the example server — start it under
# node --prof, load its CPU-heavy search endpoint like `artillery quick --count 20 --num 100`,
# stop it like Ctrl+C, and process the tick log into processed.txt.
BUILD=${1:-build}
PORT=${PORT:-8103}
OUT=$BUILD/demo
rm -rf "$OUT"
echo "== medprof demo: profiling examples/server.js under load (port $PORT, results in $OUT/)"
echo "   $BUILD/medprof profile --url 'http://127.0.0.1:$PORT/Patient?name=smi' -- node examples/server.js"
echo
exec "$BUILD/medprof" profile --url "http://127.0.0.1:$PORT/Patient?name=smi" \
    --ready "http://127.0.0.1:$PORT/healthcheck" --count 20 --num 100 \
    --env "PORT=$PORT" --out "$OUT" -- node examples/server.js
