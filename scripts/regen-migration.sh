#!/usr/bin/env bash
# Regenerate the initial migration from store/models.py (only while nothing has shipped).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cat > "$tmp/alembic.ini" <<INI
[alembic]
script_location = $PWD/src/evalign/store/migrations
sqlalchemy.url = sqlite:///$tmp/autogen.db
INI
rm -f src/evalign/store/migrations/versions/0001_initial_schema.py
.venv/bin/alembic -c "$tmp/alembic.ini" revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null
.venv/bin/ruff check --fix -q src/evalign/store/migrations || true
.venv/bin/ruff format -q src/evalign/store/migrations
rm -rf "$tmp"
echo "regenerated src/evalign/store/migrations/versions/0001_initial_schema.py"
