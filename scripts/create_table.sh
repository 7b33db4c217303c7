#!/usr/bin/env bash
# The guide's create_table.sh: creates your personal table ws-att-<ATTENDEE_ID>, waits for it, tags it Owner=<id>.
# WORKSHOP_TARGET=local (the default) sends the same calls to DynamoDB Local (DDB_LOCAL_PORT, default 8000) or to
# DDB_ENDPOINT; WORKSHOP_TARGET=aws uses your SSO profile.
set -euo pipefail

: "${ATTENDEE_ID:?Set ATTENDEE_ID, e.g. export ATTENDEE_ID=037}"
: "${AWS_REGION:?Set AWS_REGION, e.g. export AWS_REGION=ap-southeast-1}"
TABLE="ws-att-${ATTENDEE_ID}"

# shellcheck source=scripts/target.sh
source "$(dirname "${BASH_SOURCE[0]}")/target.sh"

if [ "$WORKSHOP_TARGET" = aws ]; then
  ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)
else
  ACCOUNT_ID=000000000000 # DynamoDB Local's account
fi

echo "Creating table ${TABLE} in ${AWS_REGION}${ENDPOINT_NOTE}..."
if ddb describe-table --table-name "${TABLE}" >/dev/null 2>&1; then
  echo "Table ${TABLE} already exists: keeping it."
else
  ddb create-table \
    --table-name "${TABLE}" \
    --attribute-definitions AttributeName=PK,AttributeType=S AttributeName=SK,AttributeType=S \
    --key-schema AttributeName=PK,KeyType=HASH AttributeName=SK,KeyType=RANGE \
    --billing-mode PAY_PER_REQUEST >/dev/null
fi

ddb wait table-exists --table-name "${TABLE}"

ARN="arn:aws:dynamodb:${AWS_REGION}:${ACCOUNT_ID}:table/${TABLE}"
if ! ddb tag-resource --resource-arn "$ARN" --tags Key=Owner,Value="${ATTENDEE_ID}" 2>/dev/null; then
  echo "Note: could not tag ${TABLE} Owner=${ATTENDEE_ID} (DynamoDB Local does not support tags)."
fi

echo "Done. TABLE=${TABLE}"
