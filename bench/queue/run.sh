#!/usr/bin/env bash
# Queue overhead on SQLite and PostgreSQL (started here), 1 and 4 workers: bash bench/queue/run.sh [JOBS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet run -c Release --project bench/queue -- "$@"
