#!/usr/bin/env bash
# Instructor: create or update the workshop's tenant role (default ws-tenant) in the current AWS account, with
#   - its trust policy: the account's IAM Identity Center roles may sts:AssumeRole it and must sts:TagSession it
#     with exactly one tag, TenantId;
#   - its permissions (inline policy ws-tenant-shared-table): item operations on the shared table and its GSIs,
#     only on partition keys TENANT#${aws:PrincipalTag/TenantId}#*, no Scan, Null guard on dynamodb:LeadingKeys.
# The documents come from src/tenancy/policy.ts (generate.ts), the ones the notebook prints and the local target enforces.
# Run with administrator credentials. Prints the line attendees need: export WORKSHOP_TENANT_ROLE_ARN=...
#
#   scripts/tenant-role/deploy.sh [--role ws-tenant] [--table ws-shared] [--region ap-southeast-1]
#                                 [--principal-arn-pattern ARN] [--account ID] [--dry-run] [--delete]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

role="ws-tenant"
table="${WORKSHOP_SHARED_TABLE:-ws-shared}"
region="${AWS_REGION:-ap-southeast-1}"
pattern=""
account=""
dry_run=false
delete=false
policy_name="ws-tenant-shared-table"

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --role) role="$2"; shift 2 ;;
    --table) table="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --principal-arn-pattern) pattern="$2"; shift 2 ;;
    --account) account="$2"; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    --delete) delete=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deploy.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

run() {
  if [ "$dry_run" = true ]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

if [ "$delete" = true ]; then
  run aws iam delete-role-policy --role-name "$role" --policy-name "$policy_name" || true
  run aws iam delete-role --role-name "$role"
  echo "Deleted role $role."
  exit 0
fi

if [ -z "$account" ]; then
  account="$(aws sts get-caller-identity --query Account --output text)"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

gen_args=(--account "$account" --region "$region" --table "$table" --role "$role" --out "$tmp")
if [ -n "$pattern" ]; then
  gen_args+=(--principal-arn-pattern "$pattern")
fi
(cd "$root" && npx --no-install tsx scripts/tenant-role/generate.ts "${gen_args[@]}")

if [ "$dry_run" = true ]; then
  for f in trust-policy.json tenant-policy.json caller-policy.json; do
    echo "--- $f"
    cat "$tmp/$f"
  done
fi

if [ "$dry_run" = false ] && aws iam get-role --role-name "$role" >/dev/null 2>&1; then
  echo "Role $role exists: updating its trust policy."
  run aws iam update-assume-role-policy --role-name "$role" --policy-document "file://$tmp/trust-policy.json"
else
  echo "Creating role $role."
  run aws iam create-role --role-name "$role" \
    --assume-role-policy-document "file://$tmp/trust-policy.json" \
    --description "ddb-workshop tenant role: ABAC on the shared table by the TenantId session tag" \
    --max-session-duration 3600 \
    --tags Key=Workshop,Value=ddb-workshop
fi
run aws iam put-role-policy --role-name "$role" --policy-name "$policy_name" \
  --policy-document "file://$tmp/tenant-policy.json"

role_arn="arn:aws:iam::${account}:role/${role}"
if [ "$dry_run" = false ]; then
  role_arn="$(aws iam get-role --role-name "$role" --query Role.Arn --output text)"
fi

cat <<EOF

Done. The attendees' permission set also needs (inline policy):
$(cat "$tmp/caller-policy.json")

Attendees run, before starting Jupyter:
  export WORKSHOP_TENANT_ROLE_ARN=${role_arn}
EOF
