#!/usr/bin/env bash
# `make demo`: the whole story, offline. A local emulator stands in for Alibaba Cloud.
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
policycheck() { "$PYTHON" -m policycheck "$@"; }

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; dim=$'\033[2m'; off=$'\033[0m'; else bold=; dim=; off=; fi
step() { printf '\n%s== %s%s\n%s%s%s\n\n' "$bold" "$1" "$off" "$dim" "$2" "$off"; }
result() { printf '%s(exit code %s: %s)%s\n' "$dim" "$1" "$2" "$off"; }

state=$(mktemp -d)
emulator_pid=
cleanup() {
  [ -n "$emulator_pid" ] && kill -TERM "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$state"
}
trap cleanup EXIT

step "Start a local ICE + RAM endpoint" \
     "policycheck emulator serves the demo world (policycheck/data/demo-world.yaml, shipped in the package) on a free port."
"$PYTHON" -m policycheck emulator --port 0 --db "$state/emulator.db" > "$state/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do
  url=$(sed -n 's/^policycheck emulator listening on //p' "$state/emulator.log")
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "${url:-}" ]; then echo "the emulator did not start:"; cat "$state/emulator.log"; exit 1; fi
echo "listening on $url"

# The demo world's keys are fake and printed by the emulator; the config names only these variables.
export MEDIA_WORKER_ACCESS_KEY_ID=LTAI5tDEMOmediaWorker001 MEDIA_WORKER_ACCESS_KEY_SECRET=demo-media-worker-secret-NOT-REAL
export AUDITOR_ACCESS_KEY_ID=LTAI5tDEMOauditor0000001 AUDITOR_ACCESS_KEY_SECRET=demo-auditor-secret-NOT-REAL
export CONTRACTOR_ACCESS_KEY_ID=LTAI5tDEMOcontractor0001 CONTRACTOR_ACCESS_KEY_SECRET=demo-contractor-secret-NOT-REAL
failed=0

step "1. Lint the policies" "policycheck lint policies/: grammar and rules, every finding at file:line:column."
policycheck lint policies/; code=$?
result $code "$([ $code = 0 ] && echo clean || echo findings)"; [ $code = 0 ] || failed=1

step "2. Check the expectations" "policycheck check: what each principal in policycheck.yaml must and must not do, proved."
policycheck check; code=$?
result $code "$([ $code = 0 ] && echo 'every expectation holds' || echo 'expectations failed')"; [ $code = 0 ] || failed=1

step "3. Confirm them live" \
     "policycheck check --probe: each principal's real credentials call ice:QueryIProductionJob (read-only).
The contractor's account has a control policy that is not in this repository: the probe finds it."
policycheck check --probe --endpoint "$url" | sed -n '/^Live probe/,$p'; code=${PIPESTATUS[0]}
result $code "$([ $code = 1 ] && echo 'one live mismatch, as the story expects' || echo unexpected)"
[ $code = 1 ] || failed=1

step "4. Audit the account" \
     "policycheck audit --all, as the auditor: what is really attached, linted, and checked against policycheck.yaml.
The account gave media-operator its ICE policy but not the corporate-network Deny: the check catches it."
ALIBABA_CLOUD_ACCESS_KEY_ID=$AUDITOR_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET=$AUDITOR_ACCESS_KEY_SECRET \
  policycheck audit --all --endpoint "$url" --expect policycheck.yaml; code=$?
result $code "$([ $code = 1 ] && echo 'the account drifted from the repository: see the violation above' || echo "see above")"
[ $code -le 1 ] || failed=1

step "Done" "The emulator stops now. See README.md for each command."
exit $failed
