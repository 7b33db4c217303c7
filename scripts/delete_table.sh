#!/usr/bin/env bash
# The guide's delete_table.sh: deletes your personal table ws-att-<ATTENDEE_ID> and waits until it is gone.
# "Nothing to delete" only when DynamoDB says the table does not exist; any other error (expired session, wrong
# port, unknown profile) is shown with what to run, and the script exits non-zero. On AWS it deletes only a table
# tagged Owner=<ATTENDEE_ID>, like notebook 06.
set -euo pipefail
: "${ATTENDEE_ID:?Set ATTENDEE_ID}"
: "${AWS_REGION:?Set AWS_REGION}"
TABLE="ws-att-${ATTENDEE_ID}"

# shellcheck source=scripts/target.sh
source "$(dirname "${BASH_SOURCE[0]}")/target.sh"

echo "Deleting ${TABLE}${ENDPOINT_NOTE}${CREDENTIALS_NOTE}..."
if ! table_lookup "$TABLE"; then
  echo "Table ${TABLE} does not exist: nothing to delete."
  exit 0
fi
if [ "$WORKSHOP_TARGET" = aws ]; then
  table_owner "$TABLE_ARN" || fail "read the Owner tag of ${TABLE}"
  if [ "$TABLE_OWNER" != "$ATTENDEE_ID" ]; then
    echo "Table ${TABLE} $([ -n "$TABLE_OWNER" ] && echo "belongs to Owner=${TABLE_OWNER}" || echo "has no Owner tag")," \
      "not to you (ATTENDEE_ID=${ATTENDEE_ID}): not deleting it: ask the instructor." >&2
    exit 1
  fi
fi
ddb_try delete-table --table-name "$TABLE" || fail "delete ${TABLE}"
ddb_try wait table-not-exists --table-name "$TABLE" || fail "wait for ${TABLE} to be gone"
echo "Deleted."
