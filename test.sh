#!/usr/bin/env bash
# Runs every test. Installs what the tests need (Azurite from npm) on first use; the tests start their own servers.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/tools/azurite/install.sh"
dotnet test --solution "$root/CityControl.sln" "$@"
