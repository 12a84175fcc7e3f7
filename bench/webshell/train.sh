#!/usr/bin/env bash
# Reproduces the shipped web-shell model: the shared corpus minus the held-out sources, plus the train split
# of the Debian application corpus. Usage: train.sh MALWARE_DATA_DIR CORPUS_DIR
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
[ $# -eq 2 ] || { echo "usage: $0 MALWARE_DATA_DIR CORPUS_DIR" >&2; exit 2; }
"$repo/comb" train webshell "$1" --apps "$2" --hold-out "$repo/bench/webshell/holdout.txt" \
  -o "$repo/src/Comb.Malware/Resources/webshell-model.zip"
