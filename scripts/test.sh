#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, builds, runs every test
# project, and prints one summary line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "setup failed"; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The real Debian image for end-to-end tests, built once per machine (tests that need it skip if this fails).
bash scripts/debian-rootfs.sh >/dev/null || echo "warning: Debian test image could not be built; tests that need it will skip"
dotnet build Comb.slnx -c Release --nologo -v quiet -clp:ErrorsOnly || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
dotnet test --solution Comb.slnx -c Release --no-build --no-progress --ignore-exit-code 8 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
total=$(grep -E '^\s*total: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
failed=$(grep -E '^\s*failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
passed=$(grep -E '^\s*succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
skipped=$(grep -E '^\s*skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [[ "${failed:-0}" != "0" || -z "${total:-}" ]]; then exit 1; fi
if [[ $status -ne 0 ]]; then exit 1; fi
exit 0
