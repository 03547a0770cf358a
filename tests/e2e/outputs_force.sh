#!/bin/sh
# No subcommand overwrites a user's file without --force: for each one that writes files, an
# existing output file is refused (non-zero exit, a message naming the file and saying "use
# --force to overwrite", the file byte-identical), --force overwrites it, and a symbolic link
# at the output path is not followed (neither its target nor a dangling link's is written).
# `medprof profile` refuses an output directory with files in it, takes an empty one, and
# writes into a full one with --force.
. tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
small=tests/data/node20/small-v8.log
http=tests/data/node20/http-v8.log
report=tests/data/chart-load.json
nowhere=http://127.0.0.1:1/ # connection refused at once: quick runs, sends nothing anywhere

# The command of each subcommand writing to OUT ($1), with any further options ($2...).
cmd_process() { out=$1; shift; "$MEDPROF" process --output "$out" "$@" "$small"; }
cmd_symbols() { out=$1; shift; "$MEDPROF" symbols -o "$out" "$@" "$MEDPROF"; }
cmd_merge() { out=$1; shift; "$MEDPROF" merge -o "$out" "$@" "$report"; }
cmd_diff() { out=$1; shift; "$MEDPROF" diff -o "$out" "$@" "$small" "$http"; }
cmd_quick_json() { out=$1; shift; "$MEDPROF" quick -q --count 1 --num 1 -o "$out" "$@" "$nowhere"; }
cmd_quick_html() { out=$1; shift; "$MEDPROF" quick -q --count 1 --num 1 --html "$out" "$@" "$nowhere"; }
cmd_launch() { out=$1; shift; "$MEDPROF" launch --port 1 --timeout 5 --log "$out" "$@" -- sh -c 'echo launched'; }

# refused NAME OUT: run cmd_NAME on the existing OUT, expect the refusal and OUT unchanged.
refused() {
    cp -P "$2" "$tmp/before" 2>/dev/null
    "cmd_$1" "$2" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" != 0 ] && grep -qF "'$2' already exists" "$tmp/out" &&
       grep -q "use --force to overwrite" "$tmp/out" && cmp -s "$2" "$tmp/before"; then
        ok "$1: refuses an existing file (exit $rc), leaves it byte-identical"
    else
        bad "$1: existing file (exit $rc):"; sed 's/^/     | /' "$tmp/out"
    fi
}

for name in process symbols merge diff quick_json quick_html launch; do
    d=$tmp/$name
    mkdir "$d"
    printf 'the user\047s file\n' >"$d/existing"
    refused "$name" "$d/existing"

    "cmd_$name" "$d/existing" --force >"$tmp/out" 2>&1
    rc=$?
    # launch ends non-zero here by design (its command exits before it is ready)
    if { [ "$rc" = 0 ] || [ "$name" = launch ]; } && ! grep -q "the user's file" "$d/existing" &&
       [ -s "$d/existing" ]; then
        ok "$name: --force overwrites it"
    else
        bad "$name: --force (exit $rc)"; sed 's/^/     | /' "$tmp/out"
    fi

    printf 'victim\n' >"$d/victim"
    ln -s "$d/victim" "$d/link"
    "cmd_$name" "$d/link" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" != 0 ] && [ "$(cat "$d/victim")" = victim ] && [ -L "$d/link" ] &&
       grep -q "use --force to overwrite" "$tmp/out"; then
        ok "$name: a symbolic link at the output path is not followed"
    else
        bad "$name: symbolic link (exit $rc)"; sed 's/^/     | /' "$tmp/out"
    fi
    ln -s "$d/nothing-here" "$d/dangling"
    "cmd_$name" "$d/dangling" >"$tmp/out" 2>&1
    rc=$?
    [ "$rc" != 0 ] && [ ! -e "$d/nothing-here" ] && ok "$name: nor is a dangling one" ||
        { bad "$name: dangling link (exit $rc)"; sed 's/^/     | /' "$tmp/out"; }

    "cmd_$name" "$d/new" >"$tmp/out" 2>&1
    rc=$?
    if { [ "$rc" = 0 ] || [ "$name" = launch ]; } && [ -s "$d/new" ]; then
        ok "$name: writes a new file"
    else
        bad "$name: new file (exit $rc)"; sed 's/^/     | /' "$tmp/out"
    fi
done

# A refused quick sends no load and leaves no file: the check is before the run.
printf 'keep\n' >"$tmp/keep.json"
"$MEDPROF" quick -q --count 1 --num 1 -o "$tmp/fresh.json" --html "$tmp/keep.json" "$nowhere" >"$tmp/out" 2>&1
[ $? != 0 ] && [ ! -e "$tmp/fresh.json" ] && [ "$(cat "$tmp/keep.json")" = keep ] &&
    ok "quick: a refused --html removes the --output file it had made" ||
    { bad "quick: partial refusal"; sed 's/^/     | /' "$tmp/out"; }
# A run that fails leaves no empty file behind for the next attempt to trip over.
"$MEDPROF" quick -q -o "$tmp/failed.json" "https://127.0.0.1:1/" >"$tmp/out" 2>&1
[ $? != 0 ] && [ ! -e "$tmp/failed.json" ] && ok "quick: a failed run removes its new output file" ||
    { bad "quick: failed run left its output"; ls -l "$tmp/failed.json"; sed 's/^/     | /' "$tmp/out"; }
# Standard output stays the default, and "-" names it.
"$MEDPROF" process --only-summary --output - "$small" >"$tmp/stdout" 2>&1
[ ! -e ./- ] && grep -q "Summary" "$tmp/stdout" && ok "process --output - writes to stdout" ||
    { bad "--output -"; sed 's/^/     | /' "$tmp/stdout"; }

# profile: the output directory, refused before the server starts when it has files.
mkdir "$tmp/full"
printf 'old report\n' >"$tmp/full/report.json"
port=$(free_port)
"$MEDPROF" profile --load-only --url "http://127.0.0.1:$port/healthcheck" --count 1 --num 1 \
    --env "PORT=$port" --out "$tmp/full" -- node examples/server.js >"$tmp/out" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q "already exists and is not empty: use --force" "$tmp/out" &&
   [ "$(cat "$tmp/full/report.json")" = "old report" ] && [ ! -e "$tmp/full/server.log" ]; then
    ok "profile: refuses an output directory with files (exit $rc), starts nothing"
else
    bad "profile: full directory (exit $rc)"; sed 's/^/     | /' "$tmp/out"
fi
mkdir "$tmp/empty"
"$MEDPROF" profile --load-only --url "http://127.0.0.1:$port/healthcheck" --count 1 --num 1 \
    --env "PORT=$port" --out "$tmp/empty" -- node examples/server.js >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ -s "$tmp/empty/report.json" ] && [ -s "$tmp/empty/server.log" ] &&
    ok "profile: writes into an empty directory" ||
    { bad "profile: empty directory (exit $rc)"; sed 's/^/     | /' "$tmp/out"; }
"$MEDPROF" profile --load-only --force --url "http://127.0.0.1:$port/healthcheck" --count 1 \
    --num 1 --env "PORT=$port" --out "$tmp/full" -- node examples/server.js >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q '"load"' "$tmp/full/report.json" && [ -s "$tmp/full/server.log" ] &&
    ok "profile: --force writes into a directory with files" ||
    { bad "profile: --force (exit $rc)"; sed 's/^/     | /' "$tmp/out"; }
"$MEDPROF" profile --load-only --url "http://127.0.0.1:$port/healthcheck" --count 1 --num 1 \
    --env "PORT=$port" --out "$tmp/new/nested" -- node examples/server.js >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ -s "$tmp/new/nested/report.json" ] && ok "profile: makes a new nested directory" ||
    { bad "profile: new directory (exit $rc)"; sed 's/^/     | /' "$tmp/out"; }
# An output directory name is never given to a shell.
"$MEDPROF" profile --load-only --url "http://127.0.0.1:$port/healthcheck" --count 1 --num 1 \
    --env "PORT=$port" --out "$tmp/it's \$(touch $tmp/pwned)" -- node examples/server.js >"$tmp/out" 2>&1
[ -s "$tmp/it's \$(touch $tmp/pwned)/report.json" ] && [ ! -e "$tmp/pwned" ] &&
    ok "profile: quotes and \$(...) in --out are just characters" ||
    { bad "profile: odd --out"; sed 's/^/     | /' "$tmp/out"; }

finish
