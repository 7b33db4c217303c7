#!/usr/bin/env bash
# The README's two commands:
#   bash tools/workshop.sh notebooks   install what is missing, start DynamoDB Local, execute every notebook into build/
#   bash tools/workshop.sh test        install what is missing, then type-check and run the whole test suite
# and for instructors:
#   bash tools/workshop.sh aws-rehearsal [id...]   notebooks 00-06 on the aws target against an AWS stand-in (moto)
#   (npm run rehearse -- --attendees N: the day rehearsed, N attendees side by side; tools/rehearse.ts)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cmd="${1:-}"
shift || true

# the test command needs the dev extras and the browser test's tools; the aws rehearsal only the dev extras (moto)
if [ "$cmd" = test ] || [ "$cmd" = aws-rehearsal ]; then export WORKSHOP_DEV=1; fi
if [ "$cmd" = test ]; then export WORKSHOP_TEST_TOOLS=1; fi
bash tools/setup.sh
export PATH="$root/node_modules/.bin:$PATH"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

case "$cmd" in
  notebooks)
    # One run at a time per checkout: runs share build/.ddb-local and build/notebooks, and a second one broke the
    # first. The lock is a symlink naming this script's pid (created atomically, portable: no flock on macOS); one
    # whose pid is gone or is not a workshop.sh is stale and taken over.
    mkdir -p "$root/build"
    lock="$root/build/.notebooks.lock"
    if ! ln -s "$$" "$lock" 2>/dev/null; then
      other="$(readlink "$lock" 2>/dev/null || true)"
      case "$(ps -o args= -p "${other:-0}" 2>/dev/null || true)" in
        *workshop.sh*)
          echo "another 'workshop.sh notebooks' run is in progress in this checkout (pid $other): wait for it to end, or stop it: kill $other" >&2
          exit 1
          ;;
      esac
      echo "workshop.sh: removed a stale lock (pid ${other:-?} is not a workshop.sh run)" >&2
      rm -f "$lock"
      ln -s "$$" "$lock" 2>/dev/null || { echo "another 'workshop.sh notebooks' run started meanwhile: try again once it ends" >&2; exit 1; }
    fi
    trap 'rm -f "$lock"' EXIT
    # Headless runs use their own in-memory DynamoDB Local so they never touch an attendee's data, and they pin it:
    # DDB_ENDPOINT names that engine, so no kernel ever starts another one (a persistent engine on the attendee's
    # data) under the run; if it goes away, cells fail and say so.
    export ATTENDEE_ID="${ATTENDEE_ID:-demo}"
    WORKSHOP_TARGET="$(printf '%s' "${WORKSHOP_TARGET:-local}" | tr '[:upper:]' '[:lower:]')"
    export WORKSHOP_TARGET
    state="$root/build/.ddb-local"
    side=()
    if [ "$WORKSHOP_TARGET" = local ] && [ -z "${DDB_ENDPOINT:-}" ]; then
      export DDB_LOCAL_PORT="${DDB_LOCAL_PORT:-8765}"
      tsx tools/local-ddb.ts start --in-memory --port "$DDB_LOCAL_PORT" --state-dir "$state"
      trap 'tsx tools/local-ddb.ts stop --state-dir "$state" >/dev/null 2>&1 || true; rm -f "$lock"' EXIT
      export DDB_ENDPOINT="http://127.0.0.1:$DDB_LOCAL_PORT"
      # Two lanes side by side on this run's own in-memory engine: 03_hot_partitions (about half the suite, mostly
      # deliberate throttling waits) as attendee <id>-hot, beside 00-02, 04-06 in order as <id> (they share that
      # attendee's table, and 06 deletes it). 03 needs nothing of the others' tables. Its table is left in the
      # in-memory engine, which stops with the run; never on AWS or an engine of the caller's (DDB_ENDPOINT), where it
      # would stay behind: those run one notebook at a time. WORKSHOP_JOBS=1 does too. Measured in the report of
      # issue 17 (README's Performance table).
      jobs="${WORKSHOP_JOBS:-$(nproc 2>/dev/null || echo 2)}"
      if [ "$jobs" -ge 2 ] 2>/dev/null && [ -f notebooks/03_hot_partitions.ipynb ]; then
        side=(--jobs 2 --lane "$ATTENDEE_ID-hot:03_hot_partitions.ipynb")
      fi
    fi
    # The runner compiled by tools/setup.sh (dist-tools/; node starts it in ~0.2 s, tsx in ~1.3 s).
    # In the background and waited for, so a signal to this script reaches the runner at once (bash runs no trap
    # while a foreground child runs); the runner stops its server and kernels, then the EXIT trap the engine.
    # Headless kernels run on the virtual clock (src/clock.ts): a throttled workload's waits (backoff, SDK retries,
    # the emulator's seconds) are skipped, with the same counts and per-second shapes, and the notebooks say
    # "simulated time". WORKSHOP_CLOCK=real waits them out as JupyterLab does (tools/lab.sh keeps real time).
    node dist-tools/run-notebooks.js --output-dir build/notebooks --html --junit build/notebooks/junit.xml \
      --clock "${WORKSHOP_CLOCK:-virtual}" "${side[@]}" "$@" notebooks &
    runner=$!
    trap 'kill -TERM "$runner" 2>/dev/null || true' TERM INT HUP
    rc=0
    wait "$runner" || rc=$?
    while kill -0 "$runner" 2>/dev/null; do wait "$runner" || rc=$?; done
    # static slides for instructors (reveal.js, offline) from the executed notebooks
    if [ "$rc" = 0 ]; then tsx tools/slides.ts build/notebooks build/slides || rc=$?; fi
    exit "$rc"
    ;;
  test)
    echo "== type-check (tsc --noEmit, strict)"
    tsc --noEmit -p .
    echo "== lint + format (biome check)"
    biome check .
    echo "== shell scripts (shellcheck)"
    if command -v shellcheck >/dev/null 2>&1; then
      shellcheck -x tools/*.sh scripts/*.sh scripts/tenant-role/*.sh .ci/run
    elif [ "${CI:-}" = true ]; then
      echo "shellcheck is missing (apt-get install -y shellcheck)" >&2
      exit 1
    else
      echo "shellcheck not installed: skipped (apt-get install -y shellcheck)"
    fi
    echo "== tests"
    mapfile -t files < <(find tests -name '*.test.ts' -not -path '*/node_modules/*' | sort)
    # One file at a time: connected and notebook tests each start their own engine and kernels on 2 cores.
    mkdir -p build
    rc=0
    node --import tsx --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination=build/tests.tap "$@" "${files[@]}" || rc=$?
    # One plain closing line for whoever reads only the end of the log (counts from the TAP summary).
    passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' build/tests.tap | tail -1)
    failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' build/tests.tap | tail -1)
    echo "tests: ${passed:-0} passed, ${failed:-0} failed"
    exit "$rc"
    ;;
  aws-rehearsal)
    # the rehearsal (tools/rehearse.ts) on the aws target, attendees one after the other (the first creates ws-shared)
    if [ "$#" = 0 ]; then set -- --attendees 2; fi
    tsx tools/rehearse.ts --target aws --jobs 1 --stagger 0 --html --out build/aws-rehearsal "$@"
    ;;
  *)
    echo "usage: bash tools/workshop.sh notebooks|test|aws-rehearsal" >&2
    exit 2
    ;;
esac
