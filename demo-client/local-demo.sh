#!/usr/bin/env bash
# The load demo on this machine, without Docker: builds what it needs, then runs the LoadEDS
# server, three demo backends (3 streams each) and the demo client in proxyless mode (xds:///demo),
# and tells the story on the terminal. Every process it starts is stopped on exit, on Ctrl-C
# (SIGINT), SIGTERM and SIGHUP, also when the script itself was started in the background.
#
#   demo-client/local-demo.sh            (from anywhere; needs JDK 17 and Maven)
#
# Environment: PORT (the server's port, default 18000; 0 picks a free one), SKIP_BUILD=1 (reuse the
# built jars).
set -euo pipefail

# A job that a non-interactive shell starts with & (a CI step, `mvn verify &`, `bash -c 'demo &'`)
# begins with SIGINT and SIGQUIT ignored, and bash cannot trap a signal ignored at entry: Ctrl-C or
# kill -INT would leave the demo and everything it started running. Start over once (same process,
# same pid) with their default dispositions, so the trap below works.
if [ -n "$(trap -p INT)" ] && [ -z "${LOCAL_DEMO_SIGNALS_RESET:-}" ]; then
  export LOCAL_DEMO_SIGNALS_RESET=1
  if env --default-signal=INT true 2>/dev/null; then
    exec env --default-signal=INT,QUIT bash "$0" "$@"
  elif command -v perl >/dev/null 2>&1; then
    exec perl -e '$SIG{INT} = $SIG{QUIT} = "DEFAULT"; exec @ARGV or die "$ARGV[0]: $!\n"' \
      bash "$0" "$@"
  fi
  echo "note: SIGINT is ignored here and cannot be reset; stop the demo with kill -TERM $$" >&2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-18000}"
work="$(mktemp -d)"
pids=()

cleanup() {
  trap - EXIT INT TERM HUP
  # Newest first: clients, then backends (they deregister while the server still answers), then
  # the server.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
interrupted() { # signal exit-code
  echo
  echo "interrupted: stopping everything ($1)"
  exit "$2"
}
trap cleanup EXIT
trap 'interrupted SIGINT 130' INT
trap 'interrupted SIGTERM 143' TERM
trap 'interrupted SIGHUP 129' HUP

# A foreground sleep would hold off the signal traps until it ends; a waited-for one does not.
pause() {
  sleep "$1" &
  pids+=($!)
  wait $!
}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

await_line() { # file regex seconds
  for _ in $(seq 1 $(($3 * 10))); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for /$2/ in $1:" >&2
  cat "$1" >&2
  exit 1
}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "building the server and the demos (mvn -DskipTests package)"
  mvn -q -B -f "$root/pom.xml" -DskipTests package
  mvn -q -B -f "$root/demo-backend/pom.xml" -DskipTests package
  mvn -q -B -f "$root/demo-client/pom.xml" -DskipTests package
fi

say "starting LoadEDS on 127.0.0.1"
java -jar "$root/target/loadeds-server.jar" --host=127.0.0.1 --port="$port" >"$work/server.log" 2>&1 &
pids+=($!)
await_line "$work/server.log" "listening on" 60
port="$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$work/server.log" | head -1 | sed 's/.*://')"
echo "LoadEDS listens on 127.0.0.1:$port (REST and xDS)"

say "starting backends b1, b2, b3 (capacity 3 each); they register themselves"
for id in b1 b2 b3; do
  java -jar "$root/demo-backend/target/demo-backend.jar" --eds-server="127.0.0.1:$port" \
    --my-ip=127.0.0.1 --port=0 --capacity=3 --id="$id" >"$work/$id.log" 2>&1 &
  pids+=($!)
done
for id in b1 b2 b3; do await_line "$work/$id.log" "registered with" 60; done
echo "3 backends admitted, 9 stream slots in all"

# Run in the background (cmd &): the recorded pid is then this subshell's, so it passes the
# cleanup's kill on to java, which would otherwise be left running.
client() {
  java -jar "$root/demo-client/target/demo-client.jar" --xds=demo --xds-server="127.0.0.1:$port" "$@" &
  local java=$!
  trap 'kill "$java" 2>/dev/null || true; wait "$java" || true; exit 143' TERM
  wait "$java"
}

say "client A opens 10 held streams for 15 s: 9 fit, the 10th is refused (no capacity left)"
client --streams=10 --hold --duration=15s >"$work/client-a.txt" 2>&1 &
a=$!
pids+=($a)
pause 8

say "client B asks for 1 more stream while all 9 slots are taken, and keeps retrying"
client --streams=1 --hold --retry --retry-backoff=500ms --duration=20s --progress \
  >"$work/client-b.txt" 2>&1 &
b=$!
pids+=($b)

wait "$a" || true
say "client A's summary: 3 streams per backend, 1 refused as UNAVAILABLE"
cat "$work/client-a.txt"

say "client A has ended, so its slots are free: client B's retry takes one"
wait "$b" || true
cat "$work/client-b.txt"

say "what the backends said (one line per admission change)"
grep -hE "full:|has room" "$work"/b?.log | sort | sed 's/^/  /' || true
echo
echo "done: stopping the server and the backends"
