#!/usr/bin/env bash
# Draft the next migration from store/models.py: scripts/regen-migration.sh "what changed" 0003
#
# 0001 and 0002 have shipped: they are never regenerated. This migrates a scratch SQLite store to
# the current head, lets Alembic compare it with the models, and writes
# src/evalign/store/migrations/versions/REV_<message>.py on top of head. Read and edit the draft:
# Alembic does not see renames, data fills, partial indexes' conditions or PostgreSQL-only steps,
# and every id table needs sqlite_autoincrement (see 0002_history.py). Then test the upgrade of a
# filled store on both databases (tests/store/test_migration_0002.py shows how).
set -euo pipefail
cd "$(dirname "$0")/.."
message=${1:?usage: scripts/regen-migration.sh "what changed" REVISION_ID}
rev=${2:?usage: scripts/regen-migration.sh "what changed" REVISION_ID}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.venv/bin/python -c "from evalign.store import open_store; open_store('$tmp/head.db').close()"
cat > "$tmp/alembic.ini" <<INI
[alembic]
script_location = $PWD/src/evalign/store/migrations
sqlalchemy.url = sqlite:///$tmp/head.db
INI
.venv/bin/alembic -c "$tmp/alembic.ini" revision --autogenerate -m "$message" --rev-id "$rev" \
    >/dev/null
.venv/bin/ruff check --fix -q src/evalign/store/migrations || true
.venv/bin/ruff format -q src/evalign/store/migrations/versions/"$rev"_*.py
echo "drafted src/evalign/store/migrations/versions/${rev}_*.py: read and edit it before use"
