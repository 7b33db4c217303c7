#!/usr/bin/env bash
# The guide's create_table.sh: creates your personal table ws-att-<ATTENDEE_ID>, tagged Owner=<id>, and waits for it.
# WORKSHOP_TARGET=local (the default) sends the same calls to DynamoDB Local (DDB_LOCAL_PORT, default 8000) or to
# DDB_ENDPOINT; WORKSHOP_TARGET=aws uses your SSO profile (AWS_PROFILE, default dynamodb-workshop).
# It tags only a table it creates: an existing ws-att-<id> is kept as it is, and refused if it is someone else's.
set -euo pipefail

: "${ATTENDEE_ID:?Set ATTENDEE_ID, e.g. export ATTENDEE_ID=037}"
: "${AWS_REGION:?Set AWS_REGION, e.g. export AWS_REGION=ap-southeast-1}"
TABLE="ws-att-${ATTENDEE_ID}"

# shellcheck source=scripts/target.sh
source "$(dirname "${BASH_SOURCE[0]}")/target.sh"

echo "Creating table ${TABLE} in ${AWS_REGION}${ENDPOINT_NOTE}${CREDENTIALS_NOTE}..."
if table_lookup "$TABLE"; then
  if table_owner "$TABLE_ARN"; then
    if [ "$TABLE_OWNER" = "$ATTENDEE_ID" ]; then
      echo "Table ${TABLE} already exists and is yours (Owner=${ATTENDEE_ID}): keeping it."
    elif [ -n "$TABLE_OWNER" ]; then
      echo "Table ${TABLE} exists and belongs to Owner=${TABLE_OWNER}: ask the instructor." \
        "(This script never re-tags a table it did not create.)" >&2
      exit 1
    elif [ "$WORKSHOP_TARGET" = aws ]; then
      # On AWS the Owner tag is the proof cleanup relies on: claiming an untagged table could hand someone's data
      # to your cleanup.
      echo "Table ${TABLE} exists but has no Owner tag: this script tags only tables it creates, so it does not claim" \
        "this one, and cleanup will not delete it: ask the instructor." >&2
      exit 1
    else
      echo "Table ${TABLE} already exists: keeping it."
    fi
  elif [ "$WORKSHOP_TARGET" = aws ]; then
    fail "read the Owner tag of ${TABLE}"
  else
    # DynamoDB Local has no tags: locally the ws-att-<id> name is the only guard.
    echo "Table ${TABLE} already exists: keeping it."
  fi
  ddb_try wait table-exists --table-name "$TABLE" || fail "wait for ${TABLE} to be ACTIVE"
else
  TAG_ARGS=()
  if [ "$WORKSHOP_TARGET" = aws ]; then
    # Tagged in the same call: a table is never left untagged on AWS (a role that may not tag cannot create it).
    TAG_ARGS=(--tags "Key=Owner,Value=${ATTENDEE_ID}")
  fi
  ddb_try create-table \
    --table-name "${TABLE}" \
    --attribute-definitions AttributeName=PK,AttributeType=S AttributeName=SK,AttributeType=S \
    --key-schema AttributeName=PK,KeyType=HASH AttributeName=SK,KeyType=RANGE \
    --billing-mode PAY_PER_REQUEST \
    ${TAG_ARGS[@]+"${TAG_ARGS[@]}"} \
    --query TableDescription.TableArn --output text || fail "create ${TABLE}"
  TABLE_ARN="$DDB_OUT"
  ddb_try wait table-exists --table-name "$TABLE" || fail "wait for ${TABLE} to be ACTIVE"
  if [ "$WORKSHOP_TARGET" = local ] &&
    ! ddb_try tag-resource --resource-arn "$TABLE_ARN" --tags "Key=Owner,Value=${ATTENDEE_ID}"; then
    # DynamoDB Local accepts tags in CreateTable and drops them; TagResource says so. Any other engine may tag.
    reason="$(grep -v '^[[:space:]]*$' <<<"$DDB_ERR" | head -n 1 || true)"
    echo "Note: could not tag ${TABLE} Owner=${ATTENDEE_ID} here (${reason}): on AWS the table is tagged at" \
      "creation; locally cleanup relies on the ws-att-<id> name."
  fi
fi

echo "Done. TABLE=${TABLE}"
