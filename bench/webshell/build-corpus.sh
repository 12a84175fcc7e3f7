#!/usr/bin/env bash
# Rebuilds the real-application benign corpus: downloads each Debian package named in a list
# ("package split" per line) and unpacks it with dpkg -x into OUT/<split>/<package>/. Nothing is
# installed. Needs apt sources (run `apt-get update` once). Usage: build-corpus.sh [LIST] OUT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -eq 1 ]; then list="$here/packages.txt"; out="$1"; elif [ $# -eq 2 ]; then list="$1"; out="$2"; else
  echo "usage: $0 [LIST] OUT" >&2; exit 2; fi
mkdir -p "$out/debs"
out="$(cd "$out" && pwd)"
grep -v '^\s*#' "$list" | while read -r package split; do
  [ -n "${package:-}" ] || continue
  case "$split" in train|heldout) ;; *) echo "bad split '$split' for $package" >&2; exit 2 ;; esac
  target="$out/$split/$package"
  if [ -d "$target" ]; then continue; fi
  deb="$(cd "$out/debs" && apt-get download -q "$package" >/dev/null && ls -t "${package}"_*.deb | head -1)"
  mkdir -p "$target.tmp"
  dpkg -x "$out/debs/$deb" "$target.tmp"
  echo "${deb%.deb}" > "$target.tmp/.deb"
  mv "$target.tmp" "$target"
  echo "$split $deb"
done
