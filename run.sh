#!/usr/bin/env bash
# Runs the whole platform on this machine, each part a process of its own on loopback:
#   Azurite (data under .data/azurite); the platform (the web front end, which co-hosts the silo here); a video worker
#   (camera pipelines: OpenCV runs there and nowhere else); and the demo city's simulator, a field gateway that
#   onboards the demo devices and sends their readings through the public API.
# ./run.sh --cluster runs three silos, two web front ends (Orleans clients) and two video workers instead, on their
# own ports, with the same storage, and prints each front end's address.
# Other arguments go to every platform host, e.g. ./run.sh --CityControl:Video:LiveViewFps=4
#   --no-simulator   no demo city (nothing onboarded, no readings)
#   --seed-only      the demo city onboarded, but no readings sent
#   --no-video       the demo cameras play no clip
# Ctrl+C (or SIGTERM) stops the simulator, the workers, the front ends, the silos and, last, storage, each with SIGTERM
# so it can save what it holds.
# CITYCONTROL_PORT (5080; the next ports serve the other hosts' health and metrics), CITYCONTROL_DATA (.data) and
# CITYCONTROL_AZURITE_PORT (10000; queue and table on the next two ports) move it, e.g. to run a second copy beside the
# first. CITYCONTROL_WORKER_PORT sets the (first) video worker's health port, CITYCONTROL_MQTT_PORT the (first) front
# end's MQTT port for field devices (1883; the second front end of --cluster takes the next).
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
port=${CITYCONTROL_PORT:-5080}
data=${CITYCONTROL_DATA:-"$root/.data"}
blob_port=${CITYCONTROL_AZURITE_PORT:-10000}
worker_port=${CITYCONTROL_WORKER_PORT:-$((port + 5))}
mqtt_port=${CITYCONTROL_MQTT_PORT:-1883}
if [ -z "${CITYCONTROL_MQTT_PORT:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  # A broker of this machine's own (Debian's mosquitto service) has 1883: the platform's endpoint takes another.
  mqtt_port=11883
fi
queue_port=$((blob_port + 1))
table_port=$((blob_port + 2))

cluster=false
simulator=true
simulate=true
video=true
platform_args=()
for arg in "$@"; do
  case "$arg" in
    --cluster) cluster=true ;;
    --no-simulator) simulator=false ;;
    --seed-only) simulate=false ;;
    --no-video) video=false ;;
    *) platform_args+=("$arg") ;;
  esac
done

"$root/tools/azurite/install.sh"
"$root/tools/web-assets.sh"
"$root/tools/detector-model.sh"
mkdir -p "$data/azurite" "$data/logs"
# Built one after another: parallel builds of projects that share references race on those references' outputs.
for project in ControlRoom.Web VideoAnalytics Simulator Silo; do
  dotnet build "$root/$project" -c Release -nologo -v quiet
done
bin() { echo "$root/$1/bin/Release/net10.0/CityControl.$2.dll"; }

azurite_pid=""
# Process ids by the order they stop in: simulator, workers, front ends, silos.
simulator_pids=()
worker_pids=()
web_pids=()
silo_pids=()

stop_all() {
  local deadline=$((SECONDS + 30)) pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Each host's own shutdown is bounded (CityControl:ShutdownTimeout, 20 s); past 30 s it is ended.
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

stop() {
  trap - INT TERM
  [ ${#simulator_pids[@]} -gt 0 ] && stop_all "${simulator_pids[@]}"
  [ ${#worker_pids[@]} -gt 0 ] && stop_all "${worker_pids[@]}"
  [ ${#web_pids[@]} -gt 0 ] && stop_all "${web_pids[@]}"
  [ ${#silo_pids[@]} -gt 0 ] && stop_all "${silo_pids[@]}"
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

common=(--CityControl:DataDirectory="$data")
if [ "$blob_port" != 10000 ]; then
  key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  common+=(--CityControl:Storage:ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;")
fi

# The public CCTV clips beside the project, when present, become four demo cameras' live streams: the folder is one
# that camera sources may read (the silos check it, the workers check it again).
video_folder=""
if [ "$video" = true ] && [ -d "$root/../shared/data/video" ]; then
  video_folder="$(cd "$root/../shared/data/video" && pwd)"
  common+=(--CityControl:CameraSources:FileFolders:0="$video_folder")
fi

# Seoul's districts, neighbourhoods, the Han River and the subway beside the project, when present, are the map's
# offline basemap (a deployment points CityControl:Map:BasemapFolder at its own GeoJSON files).
if [ -d "$root/../shared/data/city/seoul" ]; then
  common+=(--CityControl:Map:BasemapFolder="$(cd "$root/../shared/data/city/seoul" && pwd)")
fi

# The demo city is Seoul: its residents are warned (sirens, message signs, drivers' texts) in Korean, signed by its
# control centre.
common+=(--CityControl:Public:Language=ko --CityControl:Public:Signature="서울특별시 통합관제센터")

# GET /healthz answered 200 (bash's own /dev/tcp: no curl needed).
healthy() { # url
  local hostport=${1#http://}
  ( exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}" \
      && printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$hostport" >&3 && head -1 <&3 | grep -q ' 200 ' ) 2>/dev/null
}

wait_healthy() { # name url pid
  for _ in $(seq 1 600); do
    kill -0 "$3" 2>/dev/null || { echo "$1 exited; its log: $data/logs/$1.log" >&2; tail -20 "$data/logs/$1.log" >&2; return 1; }
    healthy "$2" && return 0
    sleep 0.2
  done
  echo "$1 was not healthy within 2 minutes; its log: $data/logs/$1.log" >&2
  return 1
}

# Every host logs to the terminal and to $data/logs/<name>.log. The tee ignores Ctrl+C, so that it keeps what the
# hosts say while they stop.
start() { # name dll args...
  local name=$1 dll=$2
  shift 2
  dotnet "$dll" "$@" > >(trap '' INT TERM; exec tee "$data/logs/$name.log") 2>&1 &
  last_pid=$!
}

web_urls=()
if [ "$cluster" = true ]; then
  for i in 1 2 3; do
    start "silo-$i" "$(bin Silo Silo)" --urls "http://127.0.0.1:$((port + 9 + i))" "${common[@]}" \
      --CityControl:Silo:SiloPort=$((11110 + i)) --CityControl:Silo:GatewayPort=$((29999 + i)) "${platform_args[@]}"
    silo_pids+=("$last_pid")
  done
  for i in 1 2 3; do wait_healthy "silo-$i" "http://127.0.0.1:$((port + 9 + i))" "${silo_pids[$((i - 1))]}" || { stop; exit 1; }; done
  for i in 1 2; do
    url="http://127.0.0.1:$((port + i - 1))"
    start "web-$i" "$(bin ControlRoom.Web ControlRoom.Web)" --urls "$url" "${common[@]}" --CityControl:CoHostSilo=false \
      --CityControl:Ingest:JournalName="web-$i" --CityControl:Mqtt:Enabled=true --CityControl:Mqtt:Port=$((mqtt_port + i - 1)) \
      "${platform_args[@]}"
    web_pids+=("$last_pid")
    web_urls+=("$url")
    # One after another: the first makes the sign-in key ring that the second then reads.
    [ "$i" = 1 ] && { wait_healthy "web-1" "$url" "$last_pid" || { stop; exit 1; }; }
  done
  workers=2
else
  url="http://127.0.0.1:$port"
  start "platform" "$(bin ControlRoom.Web ControlRoom.Web)" --urls "$url" "${common[@]}" \
    --CityControl:Mqtt:Enabled=true --CityControl:Mqtt:Port="$mqtt_port" "${platform_args[@]}"
  web_pids+=("$last_pid")
  web_urls+=("$url")
  workers=1
fi
for i in $(seq 1 ${#web_urls[@]}); do
  wait_healthy "$( [ "$cluster" = true ] && echo "web-$i" || echo platform)" "${web_urls[$((i - 1))]}" "${web_pids[$((i - 1))]}" || { stop; exit 1; }
done

for i in $(seq 1 $workers); do
  start "video-$i" "$(bin VideoAnalytics VideoAnalytics)" --urls "http://127.0.0.1:$((worker_port + i - 1))" "${common[@]}" \
    --CityControl:Video:WorkerId="video-$i" "${platform_args[@]}"
  worker_pids+=("$last_pid")
done

if [ "$simulator" = true ]; then
  # Commands for the demo's signals and warning devices come to the gateway on the first front end's MQTT port.
  sim=(--CityControl:Simulator:Platform="${web_urls[0]}" --CityControl:Simulator:MqttPort="$mqtt_port")
  [ -n "$video_folder" ] && sim+=(--CityControl:Simulator:VideoFolder="$video_folder")
  # Signal 1 of Yeongdeungpo-ro runs on a real controller's hi-res log (Utah DOT, Econolite ASC/3), at real time.
  signal_log="$root/../shared/data/traffic/udot-atspm/raw-econolite-dat/4895_ECON_controllerB_2024_02_21_1115.dat"
  [ -f "$signal_log" ] && sim+=(--CityControl:Simulator:SignalLog="$(cd "$(dirname "$signal_log")" && pwd)/$(basename "$signal_log")" \
    --CityControl:Simulator:SignalLogDevice=sig-ydp-01 --CityControl:Simulator:SignalLogDetectors=29:SB,31:SB,17:NB,18:NB)
  [ "$simulate" = true ] || sim+=(--CityControl:Simulator:Simulate=false)
  start "simulator" "$(bin Simulator Simulator)" "${sim[@]}"
  simulator_pids+=("$last_pid")
fi

echo
for url in "${web_urls[@]}"; do
  echo "CityControl is up on $url  (sign in there for the incident queue)"
done
echo "Field devices and gateways: MQTT on 127.0.0.1:$mqtt_port (user device:<id> or gateway:<id>, password the ingest secret)"
cat <<MSG
Demo accounts (user / password):
  operator / operator-demo   (Operator)
  police   / police-demo     (PoliceDispatcher)
  fire     / fire-demo       (FireDispatcher)
  admin    / admin-demo      (Admin)
Logs: $data/logs/   Ctrl+C stops everything.
MSG

# Runs until Ctrl+C, or until a front end exits (a worker or the simulator that dies is reported, not fatal).
status=0
while :; do
  for pid in "${web_pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" || status=$?
      echo "a web front end exited ($status); stopping the rest" >&2
      stop
      exit "$status"
    fi
  done
  sleep 1
done
