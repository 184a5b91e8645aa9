#!/usr/bin/env bash
# The object detector's cost (issue 15): every shared clip analysed twice in one invocation, on motion alone and with
# the detector behind the motion gate, by the `analyze` command (Release, its own process) pinned to one core; then
# the detector alone on whole frames (`detect`, one a second) for its milliseconds per inference. Prints a Markdown
# table: analysed frames per second with decoding excluded (analysis alone), the frames the detector ran on, and the
# cameras one core keeps up with at 5 analysed frames per second.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${CITYCONTROL_DATA:-$root/../shared/data/video}
core=${CORE:-1}
"$root/tools/detector-model.sh"
dotnet build "$root/VideoAnalytics" -c Release -nologo -v quiet >/dev/null
bin="$root/VideoAnalytics/bin/Release/net10.0"
run() { (cd "$bin" && taskset -c "$core" dotnet CityControl.VideoAnalytics.dll "$@"); }
field() { python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d['$1'])"; }

echo "CPU: $(lscpu | sed -n 's/^Model name:\s*//p'), pinned to core $core"
echo
echo "| clip | zones | mode | analysed | detector ran | analysis fps (decode excluded) | 5 fps cameras per core | ratio to motion |"
echo "|---|---|---|---|---|---|---|---|"
for pair in bgslibrary_video02.avi:highway-hard-shoulder bgslibrary_video03.avi:arterial-count bgslibrary_video.avi:road-lane-count \
  intel_car-detection.mp4:car-park-aisle-count intel_one-by-one-person-detection.mp4:table-visits; do
  clip=${pair%%:*}; zones=${pair##*:}
  motion=""
  for mode in motion objects; do
    out=$(run analyze "$data/$clip" --config "Samples/$zones.json" --detector "$mode" --json | tail -1)
    fps=$(echo "$out" | field analysisOnlyFramesPerSecond)
    analysed=$(echo "$out" | field framesAnalysed)
    detected=$(echo "$out" | field framesDetected)
    [ "$mode" = motion ] && motion=$fps
    ratio=$(python3 -c "print(f'{$fps/$motion:.2f}')")
    cams=$(python3 -c "print(f'{$fps/5:.1f}')")
    echo "| $clip | $zones | $mode | $analysed | $detected | $fps | $cams | $ratio |"
  done
done
echo
echo "Detector alone, whole frames, one a second (first inference included):"
for clip in bgslibrary_video02.avi intel_one-by-one-person-detection.mp4; do
  echo "- $clip: $(run detect "$data/$clip" | tail -1)"
done
