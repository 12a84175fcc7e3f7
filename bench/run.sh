#!/usr/bin/env bash
# Runs a Comb benchmark in Release: bash bench/run.sh intake [LAYERS] [MIB_PER_LAYER] | history | fleet [IMAGES] [sqlite,postgres] | workers [IMAGES] | console [SCANS] [sqlite,postgres] | writers [WRITERS,...] [SCANS_PER_WRITER] | registry [IMAGES] | vulndb | malware [MIB] [builtin-yara] [no-clamd]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/Comb.Bench -- "$@"
