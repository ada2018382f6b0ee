#!/usr/bin/env bash
# `make dev`: server + client on this machine with the embedded defaults (SQLite under ./data, in-process
# broker). DEMO=1 also starts a virtual patient and prints the viewer link. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
SERVER_PORT="${SERVER_PORT:-8000}"
CLIENT_PORT="${CLIENT_PORT:-3000}"
mkdir -p data

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

export OPENSCG_LOG_JSON="${OPENSCG_LOG_JSON:-false}"
export OPENSCG_PUBLIC_CLIENT_URL="${OPENSCG_PUBLIC_CLIENT_URL:-http://$HOST:$CLIENT_PORT}"
"$BIN/openscg" serve --host "$HOST" --port "$SERVER_PORT" &
pids+=($!)

if [ -f client/package.json ]; then
  (cd client && NEXT_PUBLIC_OPENSCG_API_URL="${NEXT_PUBLIC_OPENSCG_API_URL:-http://$HOST:$SERVER_PORT}" \
    npx next dev --hostname "$HOST" --port "$CLIENT_PORT") &
  pids+=($!)
fi

for _ in $(seq 1 100); do
  "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen('http://$HOST:$SERVER_PORT/health', timeout=1)" \
    2>/dev/null && break
  sleep 0.2
done

echo
echo "  OpenSCG is running"
echo "    server   http://$HOST:$SERVER_PORT   (health: /health, API docs: /docs)"
[ -f client/package.json ] && echo "    client   http://$HOST:$CLIENT_PORT   (patient page; viewer links open /view/...)"
echo "    storage  ${OPENSCG_DATABASE_URL:-sqlite:///./data/openscg.db}"
echo "  Ctrl-C stops everything."
echo

if [ "${DEMO:-}" = "1" ]; then
  "$BIN/openscg" simulate --server "http://$HOST:$SERVER_PORT" --loop &
  pids+=($!)
fi
wait -n "${pids[@]}"
