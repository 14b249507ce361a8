#!/usr/bin/env bash
# Validates the committed OpenAPI documents (openapi/*.json) against the OpenAPI 3.1 schema with
# an independent validator, openapi-spec-validator (PyPI). Uses the system python3 when it has
# the package; otherwise installs it into a private virtualenv under target/.
#
#   bash openapi/validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."

python=python3
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    venv=target/openapi-venv
    if ! "$venv/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator>=0.9,<1'
    fi
    python="$venv/bin/python"
fi

status=0
for document in openapi/*.json; do
    "$python" -m openapi_spec_validator "$document" || status=1
done
exit "$status"
