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
cat > "$root/.workshop.env" <<ENV
ATTENDEE_ID=$id
WORKSHOP_TARGET=$target
AWS_PROFILE=${AWS_PROFILE:-dynamodb-workshop}
AWS_REGION=${AWS_REGION:-ap-southeast-1}
ENV
echo "Saved to .workshop.env: ATTENDEE_ID=$id WORKSHOP_TARGET=$target (restart your notebook kernels to pick it up)"
