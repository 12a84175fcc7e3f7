#!/usr/bin/env bash
# The speed suite (issue "Speed"): whole `comb` processes timed as a user runs them, next to `gzip -dc` of the
# same layers in the same run, on an image built here from Debian's packages (bench/speed/image.sh).
# Usage: bash bench/speed/run.sh [RUNS]      (median of RUNS, default 5)
# COMB: the command to measure (default: the ./comb launcher); SPEED_WORK: where the image, advisory DB and
# caches are kept between runs (default: $COMB_TEST_CACHE/speed or /var/cache/comb-test/speed).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
read -r -a comb <<<"${COMB:-$repo/comb}"
work="${SPEED_WORK:-${COMB_TEST_CACHE:-/var/cache/comb-test}/speed}"
data="${COMB_SHARED_DATA:-$repo/../shared/data}"
mkdir -p "$work"
image="$(bash "$repo/bench/speed/image.sh" "$work/image")"
blobs=()
for b in "$image"/blobs/sha256/*; do
  [[ "$(head -c2 "$b" | od -An -tx1 | tr -d ' ')" == "1f8b" ]] && blobs+=("$b")
done
cache="$work/cache"
"${comb[@]}" --version >/dev/null   # builds the launcher's program when needed, outside the timings
if [[ ! -f "$cache/db/comb.db" ]]; then
  [[ -d "$data/vulndb" ]] || { echo "advisory data not found at $data/vulndb (set COMB_SHARED_DATA)" >&2; exit 2; }
  "${comb[@]}" db import "$data/vulndb" --cache-dir "$cache" >/dev/null
fi

# Median wall time in seconds of RUNS runs of a command; PREP (a function name or :) runs before each, untimed.
median() { # PREP CMD...
  local prep="$1"; shift
  local times=() i s e
  for ((i = 0; i < runs; i++)); do
    "$prep"
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    times+=("$(( (e - s) / 1000000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$runs" 'NR == int(n / 2) + 1 { printf "%.3f", $1 / 1000 }'
}
cold() { "${comb[@]}" cache clean --cache-dir "$cache" >/dev/null; }
gunzip_all() { for b in "${blobs[@]}"; do gzip -dc "$b" >/dev/null; done; }
scan() { "${comb[@]}" scan "oci:$image" --no-store -q --format json --output /dev/null --cache-dir "$cache" --scanners "$@"; }

version=$(median : "${comb[@]}" --version)
gz=$(median : gunzip_all)
cold_vs=$(median cold scan vuln,secret)
cold_all=$(median cold scan vuln,secret,malware,config)
scan vuln >/dev/null 2>&1 || true
warm_v=$(median : scan vuln)
scan vuln,secret >/dev/null 2>&1 || true
warm_vs=$(median : scan vuln,secret)
cold
rss=$(/usr/bin/time -f %M "${comb[@]}" scan "oci:$image" --no-store -q --format json --output /dev/null --cache-dir "$cache" \
  --scanners vuln,secret,malware,config 2>&1 >/dev/null | tail -1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
size=$(du -cb "${blobs[@]}" | tail -1 | cut -f1)
echo "image: ${#blobs[@]} gzip layers, $((size / 1048576)) MiB compressed; median of $runs; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| measure | seconds | vs gzip -dc |"
echo "| --- | ---: | ---: |"
echo "| \`comb --version\` | $version | |"
echo "| warm scan, vulnerabilities only | $warm_v | |"
echo "| warm scan, vulnerabilities + secrets | $warm_vs | |"
echo "| \`gzip -dc\` of the layers | $gz | 1.00x |"
echo "| cold scan, vulnerabilities + secrets | $cold_vs | $(ratio "$cold_vs" "$gz") |"
echo "| cold scan, every scanner | $cold_all | $(ratio "$cold_all" "$gz") |"
echo "| peak RSS of a cold scan, every scanner | $((rss / 1024)) MiB | |"
