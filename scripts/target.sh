#!/usr/bin/env bash
# Sourced by the scripts: `ddb ...` is `aws dynamodb ...` aimed at the workshop's target.
#   WORKSHOP_TARGET=aws            Amazon DynamoDB with your profile (AWS_PROFILE, default dynamodb-workshop)
#   WORKSHOP_TARGET=local (default) DynamoDB Local on DDB_LOCAL_PORT (8000), or DDB_ENDPOINT if set
WORKSHOP_TARGET="${WORKSHOP_TARGET:-local}"
case "$WORKSHOP_TARGET" in
  aws)
    ENDPOINT_ARGS=()
    if [ -n "${DDB_ENDPOINT:-}" ]; then ENDPOINT_ARGS=(--endpoint-url "$DDB_ENDPOINT"); fi
    ;;
  local)
    ENDPOINT_ARGS=(--endpoint-url "${DDB_ENDPOINT:-http://127.0.0.1:${DDB_LOCAL_PORT:-8000}}")
    # DynamoDB Local accepts any credentials; do not require an SSO login for it.
    export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
    unset AWS_PROFILE
    ;;
  *)
    echo "WORKSHOP_TARGET=$WORKSHOP_TARGET is not a target: use local or aws" >&2
    exit 2
    ;;
esac
ENDPOINT_NOTE=""
if [ ${#ENDPOINT_ARGS[@]} -gt 0 ]; then ENDPOINT_NOTE=" (endpoint ${ENDPOINT_ARGS[1]})"; fi
export ENDPOINT_NOTE

ddb() {
  aws dynamodb --region "$AWS_REGION" "${ENDPOINT_ARGS[@]}" "$@"
}
