#!/usr/bin/env bash
# Runs the whole platform on this machine: Azurite on loopback (data under .data/azurite), the silo and
# ControlRoom.Web in one process, and the demo city with its simulator. Extra arguments go to the platform,
# e.g. ./run.sh --CityControl:Demo:Seed=false
# Ctrl+C (or SIGTERM) stops the platform first, so it can save what it holds, and storage last.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
port=${CITYCONTROL_PORT:-5080}
data="$root/.data"

"$root/tools/azurite/install.sh"
"$root/tools/web-assets.sh"
mkdir -p "$data/azurite"
dotnet build "$root/ControlRoom.Web" -c Release -nologo -v quiet

azurite_pid=""
platform_pid=""

stop() {
  trap - INT TERM
  if [ -n "$platform_pid" ] && kill -0 "$platform_pid" 2>/dev/null; then
    kill -TERM "$platform_pid" 2>/dev/null || true
    # The platform's own shutdown is bounded (CityControl:ShutdownTimeout, 20 s); past 30 s it is ended.
    for _ in $(seq 1 300); do kill -0 "$platform_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$platform_pid" 2>/dev/null || true
  fi
  if [ -n "$azurite_pid" ]; then
    # Azurite loses its last writes on SIGKILL: always stop it with SIGTERM, and last.
    kill -TERM "$azurite_pid" 2>/dev/null || true
    wait "$azurite_pid" 2>/dev/null || true
  fi
}
trap 'stop; exit 130' INT TERM

if (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; then
  echo "Azurite (or something) already listens on 127.0.0.1:10000; using it."
else
  # A session of its own: the terminal's Ctrl+C reaches the platform, and storage is stopped by us, after it.
  setsid "$root/tools/azurite/node_modules/.bin/azurite" --silent --disableTelemetry --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --location "$data/azurite" >"$data/azurite/azurite.out" 2>&1 &
  azurite_pid=$!
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
dotnet "$root/ControlRoom.Web/bin/Release/net10.0/CityControl.ControlRoom.Web.dll" \
  --urls "http://127.0.0.1:$port" --CityControl:DataDirectory="$data" "${video[@]}" "$@" &
platform_pid=$!
status=0
wait "$platform_pid" || status=$?
platform_pid=""
stop
exit "$status"
