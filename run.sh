#!/usr/bin/env bash
# Runs the whole platform on this machine: Azurite on loopback (data under .data/azurite), the silo and
# ControlRoom.Web in one process, and the demo city with its simulator. Extra arguments go to the platform,
# e.g. ./run.sh --CityControl:Demo:Seed=false
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
port=${CITYCONTROL_PORT:-5080}
data="$root/.data"

"$root/tools/azurite/install.sh"
"$root/tools/web-assets.sh"
mkdir -p "$data/azurite"

azurite_pid=""
if (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; then
  echo "Azurite (or something) already listens on 127.0.0.1:10000; using it."
else
  "$root/tools/azurite/node_modules/.bin/azurite" --silent --disableTelemetry --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --location "$data/azurite" >"$data/azurite/azurite.out" 2>&1 &
  azurite_pid=$!
  # Azurite loses its last writes on SIGKILL: always stop it with SIGTERM.
  trap 'kill -TERM $azurite_pid 2>/dev/null; wait $azurite_pid 2>/dev/null' EXIT
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && break
    sleep 0.2
  done
fi

cat <<MSG
Starting CityControl on http://127.0.0.1:$port  (sign in there for the incident queue)
Demo accounts (user / password):
  operator / operator-demo   (Operator)
  police   / police-demo     (PoliceDispatcher)
  fire     / fire-demo       (FireDispatcher)
  admin    / admin-demo      (Admin)
MSG
# The public CCTV clips beside the project, when present, become four demo cameras' live streams.
video=()
if [ -d "$root/../shared/data/video" ]; then
  video=(--CityControl:Demo:VideoFolder="$(cd "$root/../shared/data/video" && pwd)")
fi
dotnet run --project "$root/ControlRoom.Web" -c Release -- \
  --urls "http://127.0.0.1:$port" --CityControl:DataDirectory="$data" "${video[@]}" "$@"
