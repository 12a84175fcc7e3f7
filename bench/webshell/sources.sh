#!/usr/bin/env bash
# Prints the leave-sources-out figures: the training side of the shared corpus split by source (whole collections,
# or top-level family folders of a collection of collections), each judged by a model trained without it, with
# thresholds chosen on that fold's training side. Usage: sources.sh [CORPUS_DIR]  (default ../corpus; the corpus
# bench/webshell/build-corpus.sh fills; its train split stays in training)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
[ $# -ge 1 ] && export COMB_WEBSHELL_APPS="$(cd "$1" && pwd)"
rm -f "${TMPDIR:-/tmp}/webshell-sources.txt"
dotnet build "$repo/tests/Comb.Malware.Tests" -c Release -v quiet -clp:ErrorsOnly -m:1 >/dev/null
dotnet test --project "$repo/tests/Comb.Malware.Tests" -c Release --no-build -- --filter-class '*WebShellSourceSplitTests' >/dev/null || true
cat "${TMPDIR:-/tmp}/webshell-sources.txt"
