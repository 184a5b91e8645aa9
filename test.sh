#!/usr/bin/env bash
# Runs every test. Installs what the tests need on first use (Azurite and the front-end libraries from npm, Debian's
# Chromium and a Korean font for the browser tests); the tests start their own servers.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/tools/azurite/install.sh"
"$root/tools/web-assets.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/nanum ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y chromium fonts-nanum
fi
dotnet test --solution "$root/CityControl.sln" "$@"
