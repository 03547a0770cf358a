#!/bin/sh
# medprof quick against examples/server.js: the server's own request count (printed on
# SIGINT) must equal the report's http.requests, and the report must have artillery's lines.
set -u
. tests/e2e/lib.sh
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(free_port)
PORT=$port node examples/server.js 2>"$tmp/server.err" &
server=$!
i=0
until grep -q listening "$tmp/server.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { bad "server.js did not start"; finish; }; sleep 0.1
done

start=$(date +%s%N)
"$MEDPROF" quick --count 5 --num 20 -o "$tmp/r.json" "http://127.0.0.1:$port/healthcheck" >"$tmp/out.txt" 2>"$tmp/quick.err"
check '[ $? = 0 ]' "medprof quick --count 5 --num 20 exits 0"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check '[ $ms -lt 5000 ]' "quick finished in ${ms} ms"

kill -INT "$server"
wait "$server"
server=""
served=$(sed -n 's/.*served {"total":\([0-9]*\).*/\1/p' "$tmp/server.err")
sed -n '/^Summary report/,$p' "$tmp/out.txt" >"$tmp/summary.txt"
requests=$(sed -n 's/^http\.requests: \.* \([0-9]*\)$/\1/p' "$tmp/summary.txt")
codes=$(sed -n 's/^http\.codes\.200: \.* \([0-9]*\)$/\1/p' "$tmp/summary.txt")
check '[ "$requests" = 100 ]' "http.requests is 100 (got '$requests')"
check '[ "$served" = "$requests" ]' "server.js counted $served = report's $requests"
check '[ "$codes" = 100 ]' "http.codes.200 is 100"
for name in http.request_rate http.response_time http.response_time.2xx http.responses \
            vusers.completed vusers.created vusers.created_by_name.0 vusers.failed vusers.session_length; do
    expect_in "$tmp/out.txt" "^$name:" "report has $name"
done
expect_in "$tmp/out.txt" '^Summary report @ [0-9][0-9]:[0-9][0-9]:[0-9][0-9]([+-][0-9]\{4\})$' "summary header"
expect_in "$tmp/out.txt" "^Log file: $tmp/r.json$" "Log file line"
expect_in "$tmp/out.txt" '^Phase started: unnamed (index: 0, duration: 1s) [0-9:]*([+-][0-9]*)$' "Phase started line"
expect_in "$tmp/out.txt" '^Phase completed: unnamed (index: 0, duration: 1s) [0-9:]*([+-][0-9]*)$' "Phase completed line"
expect_in "$tmp/out.txt" '^Metrics for period to: [0-9][0-9]:[0-9][0-9]:[0-9]0([+-][0-9]\{4\}) (width: [0-9.]*s)$' "an intermediate report for the 10 s period"
# From "All VUs finished" to the end: artillery's sample line for line, values aside.
norm() { sed -n '/^All VUs finished/,$p' "$1" | grep -v '^Log file' | sed 's/[0-9.]*\(\/sec\)\{0,1\}$//; s/[0-9][0-9]:[0-9][0-9]:[0-9][0-9]/T/; s/Total time: .*/Total time:/'; }
norm tests/data/artillery/artillery-quick.txt >"$tmp/want.norm"
norm "$tmp/out.txt" >"$tmp/got.norm"
check 'diff "$tmp/want.norm" "$tmp/got.norm" >&2' "the summary has artillery-quick.txt's lines, in its order"
check "awk '/ \\.\\.\\.+ / { if (index(\$0, \" \" \$NF) != 81) bad = 1 } END { exit bad }' '$tmp/out.txt'" \
    "values start at column 82"
# artillery's JSON keys, in its order, for the aggregate and each intermediate period
check "node -e '
  const j = JSON.parse(require(\"fs\").readFileSync(process.argv[1]));
  const want = require(\"fs\").readFileSync(process.argv[2]);
  const a = JSON.parse(want);
  const keys = o => Object.keys(o).join();
  if (keys(j.aggregate) !== keys(a.aggregate)) process.exit(1);
  if (j.intermediate.length < 1 || j.intermediate.some(p => keys(p) !== keys(a.intermediate[0]))) process.exit(2);
  const sum = j.intermediate.reduce((s, p) => s + p.counters[\"http.requests\"], 0);
  if (sum !== j.aggregate.counters[\"http.requests\"]) process.exit(3);
' '$tmp/r.json' tests/data/artillery/artillery-quick-report.json" \
    "JSON: artillery's aggregate and intermediate keys; the periods add up to the aggregate"
# artillery's metrics-by-endpoint entries: the same counter names as its sample (same
# path), the endpoint's codes and response times equal to the run's, none on the console
check "node -e '
  const j = JSON.parse(require(\"fs\").readFileSync(process.argv[1])).aggregate;
  const a = JSON.parse(require(\"fs\").readFileSync(process.argv[2])).aggregate;
  const names = o => Object.keys(o).sort().join();
  if (names(j.counters) !== names(a.counters)) process.exit(1);
  if (names(j.summaries) !== names(a.summaries)) process.exit(2);
  const e = \"plugins.metrics-by-endpoint.\";
  if (j.counters[e + \"/healthcheck.codes.200\"] !== j.counters[\"http.codes.200\"]) process.exit(3);
  const s = j.summaries[e + \"response_time./healthcheck\"], t = j.summaries[\"http.response_time\"];
  if (JSON.stringify(s) !== JSON.stringify(t)) process.exit(4);
' '$tmp/r.json' tests/data/artillery/artillery-quick-report.json" \
    "JSON: metrics-by-endpoint counters and summaries as artillery names them, equal to the run's"
check "! grep -q 'metrics-by-endpoint' '$tmp/out.txt'" "the console report leaves metrics-by-endpoint out, as artillery does"
"$MEDPROF" merge "$tmp/r.json" "$tmp/r.json" >"$tmp/merged.txt"
check '[ $? = 0 ]' "medprof merge exits 0"
expect_in "$tmp/merged.txt" '^http\.requests: \.* 200$' "merging a report with itself doubles http.requests"
expect_in "$tmp/merged.txt" '^vusers\.created: \.* 10$' "and vusers.created"
"$MEDPROF" merge -o "$tmp/merged.json" "$tmp/r.json" "$tmp/r.json" >/dev/null
check "node -e '
  const c = JSON.parse(require(\"fs\").readFileSync(process.argv[1])).aggregate.counters;
  process.exit(c[\"plugins.metrics-by-endpoint./healthcheck.codes.200\"] === 200 ? 0 : 1);
' '$tmp/merged.json'" "merged JSON adds up the endpoint's codes"
finish
