#!/usr/bin/env bash
# Installs the control room's front-end libraries from npm and copies them into ControlRoom.Web/wwwroot/lib, before
# the build (a file copied in during a build is missing from the static web assets until the next one).
set -euo pipefail
web=$(cd "$(dirname "$0")/../ControlRoom.Web" && pwd)
if [ ! -f "$web/node_modules/@microsoft/signalr/dist/browser/signalr.min.js" ] || [ ! -f "$web/node_modules/leaflet/dist/leaflet.js" ] \
  || [ ! -f "$web/node_modules/leaflet.markercluster/dist/leaflet.markercluster.js" ]; then
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p "$web/wwwroot/lib/signalr"
cp "$web/node_modules/@microsoft/signalr/dist/browser/signalr.min.js" "$web/wwwroot/lib/signalr/signalr.min.js"
mkdir -p "$web/wwwroot/lib/leaflet"
cp -r "$web/node_modules/leaflet/dist/leaflet.js" "$web/node_modules/leaflet/dist/leaflet.css" "$web/node_modules/leaflet/dist/images" "$web/wwwroot/lib/leaflet/"
mkdir -p "$web/wwwroot/lib/leaflet.markercluster"
cp "$web/node_modules/leaflet.markercluster/dist/leaflet.markercluster.js" "$web/node_modules/leaflet.markercluster/dist/MarkerCluster.css" \
  "$web/wwwroot/lib/leaflet.markercluster/"
