#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, builds, runs every test
# project, and prints one summary line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
# PostgreSQL's initdb needs /dev/null to be the null device; a machine where it was replaced by a plain file
# fails every PostgreSQL test for a reason that has nothing to do with Comb, so put the device back first.
if [[ ! -c /dev/null && $(id -u) -eq 0 ]]; then rm -f /dev/null && mknod -m 666 /dev/null c 1 3; fi
bash scripts/setup.sh || { echo "setup failed"; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The real Debian image for end-to-end tests, built once per machine (tests that need it skip if this fails).
bash scripts/debian-rootfs.sh >/dev/null || echo "warning: Debian test image could not be built; tests that need it will skip"
dotnet build Comb.slnx -c Release --nologo -v quiet -clp:ErrorsOnly || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
# Every test project at once; then the console's browser tests by themselves: a real Chromium driving a real server
# wants the machine to itself, not shared with a dozen test processes on two cores.
browser=Comb.Console.Tests.ConsoleBrowserTests
# Comb's own container image is built and run last, by itself: the build uses both cores for minutes.
image=Comb.Cli.Tests.ContainerImageTests
total=0 failed=0 passed=0 skipped=0 status=0
# A failing test host also prints its whole standard output (server logs and all), which buries the failure; each
# failed test's name, message and first stack lines are gathered here and repeated at the very end.
failures=$(mktemp)
run() {
    local log
    log=$(mktemp)
    dotnet test -c Release --no-build --no-progress --ignore-exit-code 8 "$@" 2>&1 | tee "$log"
    [[ ${PIPESTATUS[0]} -ne 0 ]] && status=1
    local t f p k
    t=$(grep -E '^\s*total: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
    f=$(grep -E '^\s*failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
    p=$(grep -E '^\s*succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
    k=$(grep -E '^\s*skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
    [[ -z "$t" ]] && status=1
    awk '/^failed .* \([0-9][0-9hms ]*\)$/ { n = 14 } n > 0 { print; n--; if (/--- End of stack trace/) n = 0 }' "$log" >> "$failures"
    total=$((total + ${t:-0})) failed=$((failed + ${f:-0})) passed=$((passed + ${p:-0})) skipped=$((skipped + ${k:-0}))
}
run --solution Comb.slnx -- --filter-not-class "$browser" --filter-not-class "$image"
run --project tests/Comb.Console.Tests -- --filter-class "$browser"
run --project tests/Comb.Cli.Tests -- --filter-class "$image"
if [[ -s "$failures" ]]; then echo "failed tests:"; cat "$failures"; fi
echo "$passed passed, $failed failed, $skipped skipped"
if [[ "$failed" != "0" || "$total" == "0" ]]; then exit 1; fi
if [[ $status -ne 0 ]]; then exit 1; fi
exit 0
