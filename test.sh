#!/usr/bin/env bash
# Runs every test. Installs what the tests need on first use (Azurite and the front-end libraries from npm, Debian's
# Chromium and a Korean font for the browser tests, GTK 3 for OpenCV's native library, ffmpeg for network video, and
# Mosquitto as a site's MQTT broker bridged to the platform);
# the tests start their own servers.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/tools/azurite/install.sh"
"$root/tools/web-assets.sh"
"$root/tools/detector-model.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/nanum ] || [ ! -x /usr/bin/ffmpeg ] \
  || [ ! -e /usr/lib/x86_64-linux-gnu/libgtk-3.so.0 ] || [ ! -x /usr/sbin/mosquitto ] || [ ! -x /usr/bin/mosquitto_pub ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y chromium fonts-nanum libgtk-3-0 ffmpeg mosquitto mosquitto-clients
fi
# The run-command test starts ./run.sh, which runs the Release build of the platform's hosts: build them here, before
# the tests run in parallel, so that they are not compiled while other tests are timing things.
for project in ControlRoom.Web VideoAnalytics Simulator Silo; do
  dotnet build "$root/$project" -c Release -nologo -v quiet
done
# One test assembly at a time: the integration and browser tests start several real processes each (silos, front
# ends, workers, Azurite, Chromium) and time what users would notice; two such assemblies side by side on a small
# machine measure the machine, not the platform.
dotnet test --solution "$root/CityControl.sln" --max-parallel-test-modules 1 "$@"
