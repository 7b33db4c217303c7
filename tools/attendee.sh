#!/usr/bin/env bash
# Saves an attendee's settings where every notebook kernel finds them (.workshop.env, git-ignored):
#   bash tools/attendee.sh <ATTENDEE_ID> [local|aws]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
id="${1:-}"
target="${2:-${WORKSHOP_TARGET:-local}}"
if ! [[ "$id" =~ ^[A-Za-z0-9_.-]+$ ]]; then
  echo "usage: bash tools/attendee.sh <ATTENDEE_ID> [local|aws]   e.g. bash tools/attendee.sh 037 aws" >&2
  echo "(the id from your SSO voucher: letters, digits, _ . - only)" >&2
  exit 2
fi
case "$target" in local|aws) ;; *) echo "target must be local or aws, not $target" >&2; exit 2 ;; esac
profile="${AWS_PROFILE:-dynamodb-workshop}"
region="${AWS_REGION:-ap-southeast-1}"
# Both go into .workshop.env verbatim, one setting per line: a newline or a space would smuggle in another setting
# (e.g. DDB_ENDPOINT=…) that every kernel then reads. Accept only what a profile name and a region can be.
if ! [[ "$profile" =~ ^[A-Za-z0-9_.+-]+$ ]]; then
  printf 'AWS_PROFILE=%q is not a profile name (letters, digits, _ . + - only): nothing saved.\n' "$profile" >&2
  echo "run: export AWS_PROFILE=dynamodb-workshop   then: bash tools/attendee.sh $id $target" >&2
  exit 2
fi
if ! [[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
  printf 'AWS_REGION=%q is not an AWS region name (like ap-southeast-1): nothing saved.\n' "$region" >&2
  echo "run: export AWS_REGION=ap-southeast-1   then: bash tools/attendee.sh $id $target" >&2
  exit 2
fi
cat > "$root/.workshop.env" <<ENV
ATTENDEE_ID=$id
WORKSHOP_TARGET=$target
AWS_PROFILE=$profile
AWS_REGION=$region
ENV
echo "Saved to .workshop.env: ATTENDEE_ID=$id WORKSHOP_TARGET=$target (restart your notebook kernels to pick it up)"
