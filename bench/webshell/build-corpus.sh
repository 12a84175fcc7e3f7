#!/usr/bin/env bash
# Rebuilds the real-application benign corpus from a list ("source split" per line; see packages.txt):
# - a Debian package name: downloaded with apt-get download and unpacked with dpkg -x (nothing is installed)
#   into OUT/<split>/<package>/; needs apt sources (run `apt-get update` once);
# - github:OWNER/NAME@COMMIT: that commit of a public repository (applications Debian does not package,
#   such as classic ASP ones), checked out into OUT/<split>/OWNER+NAME/ with a .git-source marker.
# Usage: build-corpus.sh [LIST] OUT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -eq 1 ]; then list="$here/packages.txt"; out="$1"; elif [ $# -eq 2 ]; then list="$1"; out="$2"; else
  echo "usage: $0 [LIST] OUT" >&2; exit 2; fi
mkdir -p "$out/debs"
out="$(cd "$out" && pwd)"
grep -v '^\s*#' "$list" | while read -r package split; do
  [ -n "${package:-}" ] || continue
  case "$split" in train|heldout) ;; *) echo "bad split '$split' for $package" >&2; exit 2 ;; esac
  case "$package" in
    github:*@*)
      spec="${package#github:}"; repo="${spec%@*}"; commit="${spec##*@}"
      target="$out/$split/${repo/\//+}"
      if [ -d "$target" ]; then continue; fi
      rm -rf "$target.tmp" "$target.git"
      git init -q --bare "$target.git"
      git --git-dir="$target.git" fetch -q --depth 1 "https://github.com/$repo" "$commit"
      mkdir -p "$target.tmp"
      git --git-dir="$target.git" archive "$commit" | tar -x -C "$target.tmp"
      rm -rf "$target.git"
      echo "$repo@$commit" > "$target.tmp/.git-source"
      mv "$target.tmp" "$target"
      echo "$split github:$repo@$commit"
      ;;
    *)
      target="$out/$split/$package"
      if [ -d "$target" ]; then continue; fi
      deb="$(cd "$out/debs" && apt-get download -q "$package" >/dev/null && ls -t "${package}"_*.deb | head -1)"
      mkdir -p "$target.tmp"
      dpkg -x "$out/debs/$deb" "$target.tmp"
      echo "${deb%.deb}" > "$target.tmp/.deb"
      mv "$target.tmp" "$target"
      echo "$split $deb"
      ;;
  esac
done
