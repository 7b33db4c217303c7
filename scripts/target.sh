#!/usr/bin/env bash
# Sourced by the scripts: `ddb ...` is `aws dynamodb ...` aimed at the workshop's target, `ddb_try` runs it and keeps
# its answer, `fail` explains a failed call (the AWS CLI's words, then what to run) and stops.
#   WORKSHOP_TARGET=aws             Amazon DynamoDB: credentials from AWS_ACCESS_KEY_ID… when set (the standard chain),
#                                   else the profile AWS_PROFILE (default dynamodb-workshop, as in the notebooks)
#   WORKSHOP_TARGET=local (default) DynamoDB Local on DDB_LOCAL_PORT (8000), or DDB_ENDPOINT if set
#
# Sourced, so the variables it sets (CREDENTIALS_NOTE, TABLE_ARN, TABLE_OWNER…) are read by the script, not here.
# shellcheck disable=SC2034
DEFAULT_PROFILE=dynamodb-workshop

# Read like the notebooks read it (src/config.ts parseTarget): surrounding spaces and case do not matter.
target="${WORKSHOP_TARGET:-}"
target="${target#"${target%%[![:space:]]*}"}"
target="${target%"${target##*[![:space:]]}"}"
WORKSHOP_TARGET="$(printf '%s' "${target:-local}" | tr '[:upper:]' '[:lower:]')"

PROFILE_ARGS=()
CREDENTIALS_NOTE=""
case "$WORKSHOP_TARGET" in
  aws)
    ENDPOINT_ARGS=()
    if [ -n "${DDB_ENDPOINT:-}" ]; then ENDPOINT_ARGS=(--endpoint-url "$DDB_ENDPOINT"); fi
    if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
      # Keys copied from the SSO portal: the CLI's standard chain uses them before any profile. Naming a profile
      # here would make the CLI ignore them (an explicit --profile skips environment credentials).
      CREDENTIALS_NOTE=" (credentials from AWS_ACCESS_KEY_ID)"
    else
      # The notebooks' profile, not the CLI's [default]. --profile, because AWS_DEFAULT_PROFILE would beat AWS_PROFILE.
      export AWS_PROFILE="${AWS_PROFILE:-$DEFAULT_PROFILE}"
      PROFILE_ARGS=(--profile "$AWS_PROFILE")
      CREDENTIALS_NOTE=" (profile ${AWS_PROFILE})"
    fi
    ;;
  local)
    ENDPOINT_ARGS=(--endpoint-url "${DDB_ENDPOINT:-http://127.0.0.1:${DDB_LOCAL_PORT:-8000}}")
    # DynamoDB Local accepts any credentials; do not require an SSO login for it.
    export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
    unset AWS_PROFILE AWS_DEFAULT_PROFILE
    ;;
  *)
    echo "WORKSHOP_TARGET=${WORKSHOP_TARGET:-} is not a target: use local or aws (export WORKSHOP_TARGET=local)" >&2
    exit 2
    ;;
esac
ENDPOINT_NOTE=""
if [ ${#ENDPOINT_ARGS[@]} -gt 0 ]; then ENDPOINT_NOTE=" (endpoint ${ENDPOINT_ARGS[1]})"; fi
export ENDPOINT_NOTE

if ! command -v aws >/dev/null 2>&1; then
  echo "The AWS CLI (aws) is not on PATH: install it (the Codespace has it), or run WORKSHOP_DEV=1 bash tools/setup.sh" \
    "and use .venv/bin/aws (export PATH=\"\$PWD/.venv/bin:\$PATH\")." >&2
  exit 2
fi

# The notebooks' deadlines (5 s to connect, 15 s to answer): the CLI's own are 60 s each, per retry, so a port that
# accepts and never answers would hold the script for minutes. `${a[@]+"${a[@]}"}`: an empty array under `set -u`
# is an error in bash before 4.4 (macOS ships 3.2).
ddb() {
  aws dynamodb --region "$AWS_REGION" --cli-connect-timeout 5 --cli-read-timeout 15 \
    ${PROFILE_ARGS[@]+"${PROFILE_ARGS[@]}"} ${ENDPOINT_ARGS[@]+"${ENDPOINT_ARGS[@]}"} "$@"
}

# Runs `ddb "$@"` and returns its exit code, with its output in DDB_OUT and its error message in DDB_ERR. Callers
# decide what an error means: under `set -e` a bare failing call would stop the script before anyone said why.
ddb_try() {
  local errfile rc=0
  errfile="$(mktemp)"
  DDB_OUT="$(ddb "$@" 2>"$errfile")" || rc=$?
  DDB_ERR="$(cat "$errfile")"
  rm -f "$errfile"
  return "$rc"
}

# What to run about the error in DDB_ERR, on stderr: one line per known cause.
explain_aws_error() {
  local err="${DDB_ERR:-}" profile="${AWS_PROFILE:-$DEFAULT_PROFILE}" login
  login="aws sso login --profile ${profile}"
  if grep -qiE 'config profile .* could not be found' <<<"$err"; then
    echo "The AWS profile ${profile} is not configured on this machine. Run: aws configure sso --profile ${profile}   then: ${login}" >&2
  elif grep -qiE 'SSO|token .*(expired|invalid)|ExpiredToken|security token included in the request is (expired|invalid)|UnrecognizedClient' <<<"$err"; then
    if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
      echo "The AWS credentials in AWS_ACCESS_KEY_ID… have expired or are invalid. Copy fresh ones from the SSO portal, or" \
        "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN and run: aws sso login --profile ${DEFAULT_PROFILE}" >&2
    else
      echo "Your AWS SSO session for profile ${profile} has expired or is missing. Run: ${login}   then run this script again." >&2
    fi
  elif grep -qiE 'Unable to locate credentials|Partial credentials' <<<"$err"; then
    echo "No AWS credentials for profile ${profile}. Run: ${login}   (first time on this machine: aws configure sso" \
      "--profile ${profile}); or export WORKSHOP_TARGET=local to use DynamoDB Local." >&2
  elif grep -qiE 'Could not connect to the endpoint URL|Connect timeout|Read timeout|Connection was closed' <<<"$err"; then
    if [ "$WORKSHOP_TARGET" = local ] && [ -z "${DDB_ENDPOINT:-}" ]; then
      echo "Nothing answers on DDB_LOCAL_PORT=${DDB_LOCAL_PORT:-8000}. Start DynamoDB Local: npx tsx tools/local-ddb.ts start" \
        "--port ${DDB_LOCAL_PORT:-8000}   or set DDB_LOCAL_PORT (or DDB_ENDPOINT) to where your engine listens." >&2
    elif [ -n "${DDB_ENDPOINT:-}" ]; then
      echo "Nothing answers at DDB_ENDPOINT=${DDB_ENDPOINT}: start that engine, or fix the URL (unset DDB_ENDPOINT to use" \
        "$([ "$WORKSHOP_TARGET" = aws ] && echo "AWS" || echo "DynamoDB Local on DDB_LOCAL_PORT"))." >&2
    else
      echo "Could not reach DynamoDB in ${AWS_REGION}: check your network, AWS_REGION, and the endpoint_url of profile" \
        "${profile} (aws configure get endpoint_url --profile ${profile})." >&2
    fi
  elif grep -qiE 'AccessDenied|not authorized' <<<"$err"; then
    if grep -qi 'TagResource' <<<"$err"; then
      echo "Your role may not tag tables: the Owner tag is what lets cleanup delete your table and no one else's, so" \
        "the table was not created untagged. Ask the instructor (the role needs dynamodb:TagResource)." >&2
    else
      echo "AWS denied the request: check that you use the workshop role (aws sts get-caller-identity --profile ${profile}" \
        "--region ${AWS_REGION}) and your own table ws-att-<ATTENDEE_ID>." >&2
    fi
  elif grep -qiE 'An error occurred \([0-9]+\)|Unable to parse|without a table ARN' <<<"$err"; then
    # An HTTP status instead of a DynamoDB error name: a web server, a proxy or another service answered.
    if [ "$WORKSHOP_TARGET" = local ] && [ -z "${DDB_ENDPOINT:-}" ]; then
      echo "The endpoint did not answer like DynamoDB: is DynamoDB Local what listens on DDB_LOCAL_PORT=${DDB_LOCAL_PORT:-8000}?" \
        "Check: npx tsx tools/local-ddb.ts status --port ${DDB_LOCAL_PORT:-8000}" >&2
    elif [ -n "${DDB_ENDPOINT:-}" ]; then
      echo "The endpoint did not answer like DynamoDB: check DDB_ENDPOINT=${DDB_ENDPOINT} (a DynamoDB-compatible URL)." >&2
    else
      echo "The endpoint did not answer like DynamoDB: check the endpoint_url of profile ${profile}" \
        "(aws configure get endpoint_url --profile ${profile}) and AWS_ENDPOINT_URL." >&2
    fi
  fi
}

# Stops the script after a failed AWS call: what we tried ($1), the AWS CLI's message (first lines: a web server's
# answer can be a whole page), what to run. Exit 1.
fail() {
  echo "Could not $1${ENDPOINT_NOTE}:" >&2
  grep -v '^[[:space:]]*$' <<<"${DDB_ERR:-(no message)}" | head -n 3 | cut -c 1-300 | sed 's/^/  /' >&2 || true
  explain_aws_error
  exit 1
}

# 0 with TABLE_ARN set when the table exists; 1 when DynamoDB answers ResourceNotFoundException, and only then. Any
# other answer stops the script: an expired session or a wrong port must never read as "there is no table".
table_lookup() {
  if ddb_try describe-table --table-name "$1" --query Table.TableArn --output text; then
    TABLE_ARN="$DDB_OUT"
    # A web page answered with 200 OK parses as an empty answer: the CLI prints None and exits 0.
    if [[ "$TABLE_ARN" == arn:* ]]; then return 0; fi
    DDB_ERR="DescribeTable answered without a table ARN (${DDB_OUT:-empty})."
  elif grep -q 'ResourceNotFoundException' <<<"$DDB_ERR"; then
    return 1
  fi
  fail "look up table $1"
}

# The table's Owner tag in TABLE_OWNER (values joined by ",", empty when untagged: moto may hold a duplicate key).
# Returns 1 with DDB_ERR set when the tags cannot be read (DynamoDB Local has no tags).
table_owner() {
  ddb_try list-tags-of-resource --resource-arn "$1" --query "Tags[?Key=='Owner'].Value" --output text || return 1
  TABLE_OWNER="$(tr -s '[:space:]' '\n' <<<"$DDB_OUT" | grep -v '^$' | sort -u | paste -sd, -)" || TABLE_OWNER=""
}
