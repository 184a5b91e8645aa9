#!/usr/bin/env bash
# Runs the whole platform on this machine: Azurite on loopback (data under .data/azurite), the silo and
# ControlRoom.Web in one process, and the demo city with its simulator. Extra arguments go to the platform,
# e.g. ./run.sh --CityControl:Demo:Seed=false
# Ctrl+C (or SIGTERM) stops the platform first, so it can save what it holds, and storage last.
# CITYCONTROL_PORT (5080), CITYCONTROL_DATA (.data) and CITYCONTROL_AZURITE_PORT (10000; queue and table on the next
# two ports) move it, e.g. to run a second copy beside the first.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
port=${CITYCONTROL_PORT:-5080}
data=${CITYCONTROL_DATA:-"$root/.data"}
blob_port=${CITYCONTROL_AZURITE_PORT:-10000}
queue_port=$((blob_port + 1))
table_port=$((blob_port + 2))

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

if (exec 3<>/dev/tcp/127.0.0.1/$blob_port) 2>/dev/null; then
  echo "Azurite (or something) already listens on 127.0.0.1:$blob_port; using it."
else
  # A session of its own: the terminal's Ctrl+C reaches the platform, and storage is stopped by us, after it.
  setsid "$root/tools/azurite/node_modules/.bin/azurite" --silent --disableTelemetry --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
    --tableHost 127.0.0.1 --tablePort "$table_port" \
    --location "$data/azurite" >"$data/azurite/azurite.out" 2>&1 &
  azurite_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$table_port) 2>/dev/null && break
    sleep 0.2
  done
fi
storage=()
if [ "$blob_port" != 10000 ]; then
  key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  storage=(--CityControl:Storage:ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;")
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
  --urls "http://127.0.0.1:$port" --CityControl:DataDirectory="$data" "${storage[@]}" "${video[@]}" "$@" &
platform_pid=$!
status=0
wait "$platform_pid" || status=$?
platform_pid=""
stop
exit "$status"
