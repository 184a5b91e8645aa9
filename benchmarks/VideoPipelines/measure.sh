#!/usr/bin/env bash
# CPU cost of live camera pipelines in the platform process: the demo city on memory storage, once without video
# and once with the four demo cameras playing the public clips (decode in process, analysis at 5 fps, live view,
# evidence off: memory mode has no blob store). Prints CPU seconds per second of each run over the same window.
# Usage: benchmarks/VideoPipelines/measure.sh [warm-up seconds] [window seconds]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
warm=${1:-40}
window=${2:-60}
dotnet build "$root/ControlRoom.Web" -c Release -v q -nologo >/dev/null
dll="$root/ControlRoom.Web/bin/Release/net10.0/CityControl.ControlRoom.Web.dll"

run() {
  local label=$1; shift
  local port=$((20000 + RANDOM % 20000))
  local data; data=$(mktemp -d)
  dotnet "$dll" --urls "http://127.0.0.1:$port" --CityControl:DataDirectory="$data" \
    --CityControl:Storage:Mode=Memory --CityControl:Ingest:Journal=None \
    --CityControl:Silo:SiloPort=$((port + 1)) --CityControl:Silo:GatewayPort=$((port + 2)) \
    --Logging:LogLevel:Default=Warning "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$warm"
  local hz; hz=$(getconf CLK_TCK)
  local t0; t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
  sleep "$window"
  local t1; t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
  local pipelines
  pipelines=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"operator","password":"operator-demo"}' "http://127.0.0.1:$port/api/auth/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])' \
    | xargs -I{} curl -s -H "Authorization: Bearer {}" "http://127.0.0.1:$port/api/video/pipelines")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  echo "$label: $(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v w="$window" 'BEGIN { printf "%.3f", (b - a) / hz / w }') CPU s/s"
  echo "  pipelines: $pipelines"
}

run "demo city, no video"
run "demo city, 4 video cameras" --CityControl:Demo:VideoFolder="$(cd "$root/../shared/data/video" && pwd)"
