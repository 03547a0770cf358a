#!/bin/sh
# A server that writes gigabytes as fast as it can: medprof launch passes its output through
# (the server inherits medprof's stderr, here a pipe into `wc -c`, so nothing lands on disk),
# stays responsive, stops the whole group on Ctrl+C within its bounds and leaves no process
# behind. launch's own report goes to stdout.
. tests/e2e/lib.sh
command -v node >/dev/null 2>&1 || { echo "SKIP: no node"; exit 0; }
tmp=$(mktemp -d)
port=$(free_port)
# On a failed check the test still stops what it started: medprof by pid, and whatever is
# left of the server's group.
cleanup() {
    for p in $(pgrep -f "medprof launch --port $port"); do kill -INT "$p" 2>/dev/null; done
    sleep 1
    [ -n "${group:-}" ] && kill -KILL -- "-$group" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# the group: yes (the leader, flooding stdout) and a node listener beside it
{ "$MEDPROF" launch --port "$port" --hold --grace 3 -- sh -c \
    "node -e 'require(\"net\").createServer(c => c.end()).listen($port, \"127.0.0.1\")' & exec yes 0123456789abcdef0123456789abcdef >&2" \
    2>&1 >"$tmp/err"; echo "$?" >"$tmp/rc"; } | wc -c >"$tmp/bytes" &
i=0
until grep -q "ready" "$tmp/err" 2>/dev/null; do
    group=$(sed -n 's/.*pid \([0-9]*\).*/\1/p' "$tmp/err" | head -n 1)
    i=$((i + 1)); [ $i -lt 150 ] || { bad "flooding server never became ready"; cat "$tmp/err"; finish; }
    sleep 0.1
done
ok "flooding server became ready"
group=$(sed -n 's/.*pid \([0-9]*\).*/\1/p' "$tmp/err" | head -n 1)
sleep 3
mp=$(pgrep -f "medprof launch --port $port" | head -n 1)
[ -n "$mp" ] && kill -INT "$mp"
start=$(date +%s)
while [ ! -s "$tmp/rc" ] && [ $(($(date +%s) - start)) -lt 20 ]; do sleep 0.1; done
wait
[ -s "$tmp/rc" ] && ok "medprof ended $(($(date +%s) - start)) s after Ctrl+C (bound 20 s)" ||
    bad "medprof did not end within 20 s of Ctrl+C"
bytes=$(tr -d ' ' <"$tmp/bytes")
# Gigabytes on an idle machine (7.8 GB in 5 s); a loaded CI machine gives less in 3 s.
[ "${bytes:-0}" -gt 50000000 ] && ok "the server wrote $((bytes / 1000000)) MB through medprof in 3 s" ||
    bad "only ${bytes:-0} bytes came through in 3 s"
if [ -n "$group" ] && ps -eo pgid= | tr -d ' ' | grep -qx "$group"; then
    bad "processes of group $group are left:"; ps -eo pid,pgid,args | awk -v g="$group" '$2 == g'
else
    ok "no process of the server's group is left"
fi
pgrep -f "listen.$port" >/dev/null && bad "the node listener is still running" || ok "the node listener is gone"
finish
