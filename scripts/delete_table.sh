#!/usr/bin/env bash
# The guide's delete_table.sh: deletes your personal table ws-att-<ATTENDEE_ID> and waits until it is gone.
set -euo pipefail
: "${ATTENDEE_ID:?Set ATTENDEE_ID}"
: "${AWS_REGION:?Set AWS_REGION}"
TABLE="ws-att-${ATTENDEE_ID}"

# shellcheck source=scripts/target.sh
source "$(dirname "${BASH_SOURCE[0]}")/target.sh"

echo "Deleting ${TABLE}${ENDPOINT_NOTE}..."
if ! ddb describe-table --table-name "$TABLE" >/dev/null 2>&1; then
  echo "Table ${TABLE} does not exist: nothing to delete."
  exit 0
fi
ddb delete-table --table-name "$TABLE" >/dev/null
ddb wait table-not-exists --table-name "$TABLE"
echo "Deleted."
