#!/usr/bin/env bash
# Prints the shipped web-shell model's figures on held-out data (web shells and look-alikes held out of the shared
# corpus, real applications from the Debian corpus). Usage: measure.sh [CORPUS_DIR]  (default ../corpus; the corpus bench/webshell/build-corpus.sh fills)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
[ $# -ge 1 ] && export COMB_WEBSHELL_APPS="$(cd "$1" && pwd)"
rm -f "${TMPDIR:-/tmp}/webshell-heldout.txt"
dotnet build "$repo/tests/Comb.Malware.Tests" -c Release -v quiet -clp:ErrorsOnly -m:1 >/dev/null
dotnet test --project "$repo/tests/Comb.Malware.Tests" -c Release --no-build -- --filter-class '*WebShellHoldOutTests' >/dev/null || true
cat "${TMPDIR:-/tmp}/webshell-heldout.txt"
