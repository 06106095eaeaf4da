#!/usr/bin/env bash
# Shared by the commands of tools/ (demo, test, bench, i18n): find Odoo,
# prepare the Python environment, the system packages and PostgreSQL.  It
# never installs Odoo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-/opt/odoo}"
VENV="${CRM_LIFECYCLE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/crm_lifecycle/venv}"
# The connection is the tooling's own: DB_HOST, DB_PORT, DB_USER and
# DB_PASSWORD, passed to Odoo and psql explicitly.  libpq's variables of the
# user's shell (PGHOST, PGUSER, PGDATABASE...) would send psql, pg_isready
# and Odoo's connections to another server, role or database: they are
# dropped here, for every command of tools/.
DB_HOST="${DB_HOST:-127.0.0.1}"
DB_PORT="${DB_PORT:-5432}"
DB_USER="${DB_USER:-odoo}"
DB_PASSWORD="${DB_PASSWORD:-odoo}"
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGPASSFILE PGDATABASE \
    PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS
export ROOT ODOO_PATH VENV

log() { printf '[crm_lifecycle] %s\n' "$*" >&2; }
die() { printf '[crm_lifecycle] ERROR: %s\n' "$*" >&2; exit 2; }

check_odoo() {
    local release="$ODOO_PATH/odoo/release.py"
    if [ ! -f "$ODOO_PATH/odoo-bin" ] || [ ! -f "$release" ] \
        || ! grep -Eq '^version_info = \(18, 0,' "$release"; then
        die "No Odoo 18.0 source tree at ODOO_PATH=$ODOO_PATH: get it from Odoo's own source (git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git $ODOO_PATH) or point ODOO_PATH at an existing Odoo 18.0 checkout, then run this command again."
    fi
}

# Debian packages: Chromium drives the browser tours, wkhtmltopdf renders
# the PDF reports, the -dev packages build Odoo's Python requirements.
ensure_system_packages() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
    [ -f /usr/include/ldap.h ] || missing+=(libldap2-dev libsasl2-dev)
    [ -n "$(fc-list 2>/dev/null | head -n 1)" ] || missing+=(fonts-dejavu-core)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        die "Missing Debian packages: ${missing[*]}. Install them (apt-get install ${missing[*]}) and run again."
    fi
    local SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    log "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Odoo flips its stylesheets for right-to-left languages (Persian) with
# rtlcss, from the npm registry; without it Persian pages are half mirrored.
ensure_rtlcss() {
    command -v rtlcss >/dev/null 2>&1 && return 0
    if command -v npm >/dev/null 2>&1; then
        log "installing rtlcss (right-to-left stylesheets for Persian)"
        npm install -g --silent rtlcss@4.3.0 >/dev/null 2>&1 \
            || log "rtlcss could not be installed: Persian pages will not be mirrored"
    else
        log "npm is missing: install rtlcss (npm install -g rtlcss) for Persian pages"
    fi
}

# Odoo's requirements.txt, adjusted for what builds on this Python, plus the
# module's own (requirements.txt at the repository root).
# The Python packages the module's manifest declares, one a line.
manifest_python_deps() {
    python3 - "$ROOT/crm_lifecycle/__manifest__.py" <<'PY'
import ast, sys
manifest = ast.literal_eval(open(sys.argv[1], encoding="utf-8").read())
print("\n".join(manifest.get("external_dependencies", {}).get("python", [])))
PY
}

ensure_venv() {
    local stamp_src stamp
    # Only what decides the packages: a manifest edit that adds a data file
    # does not reinstall the environment.
    stamp_src="$(cat "$ODOO_PATH/requirements.txt" "$ROOT/requirements.txt"; \
        manifest_python_deps; python3 --version)"
    stamp="$(printf '%s' "$stamp_src" | sha256sum | cut -c1-16)"
    if [ -f "$VENV/.crm_lifecycle_stamp" ] && [ "$(cat "$VENV/.crm_lifecycle_stamp")" = "$stamp" ]; then
        return 0
    fi
    log "preparing the Python environment in $VENV (once; a few minutes)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip wheel 'setuptools<70'
    local reqs
    reqs="$(mktemp)"
    # cbor2 5.4.2 has no wheel and its sdist no longer builds: a newer cbor2
    # with a wheel is API compatible for Odoo's use.
    sed -E 's/^cbor2==[0-9.]+/cbor2==5.6.5/' "$ODOO_PATH/requirements.txt" > "$reqs"
    # What the module declares in its manifest's external_dependencies.
    manifest_python_deps >> "$reqs"
    "$VENV/bin/pip" install -q -r "$reqs" -r "$ROOT/requirements.txt"
    rm -f "$reqs"
    printf '%s' "$stamp" > "$VENV/.crm_lifecycle_stamp"
}

ensure_postgres() {
    if ! pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null; then
        log "starting PostgreSQL"
        local version
        version="$(ls /etc/postgresql | sort -V | tail -n 1)"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 1 30); do
            pg_isready -q -h "$DB_HOST" -p "$DB_PORT" && break
            sleep 1
        done
    fi
    # Odoo refuses to run as the superuser role "postgres": use its own role.
    if ! psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'" | grep -q 1; then
        log "creating the PostgreSQL role $DB_USER"
        psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" >/dev/null
    fi
}

psql_admin() {
    if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
        (cd /tmp && runuser -u postgres -- psql -X -q -p "$DB_PORT" -d postgres "$@")
    else
        psql -X -q -h "$DB_HOST" -p "$DB_PORT" -U postgres -d postgres "$@"
    fi
}

# ADDONS_ROOT: where crm_lifecycle is taken from (tools/test installs the
# previous release from a copy of it).  WITH_BENCHMARK=1 adds $ROOT/tools,
# the home of the benchmark add-on (crm_lifecycle_benchmark): only the
# benchmark and the test command install it, never a demo or a customer.
addons_path() {
    local path="$ODOO_PATH/addons,$ODOO_PATH/odoo/addons,${ADDONS_ROOT:-$ROOT}"
    [ "${WITH_BENCHMARK:-0}" = 1 ] && path="$path,$ROOT/tools"
    printf '%s' "$path"
}

odoo_bin() {
    odoo_script "$ODOO_PATH/odoo-bin" "$@"
}

# A Python script that runs Odoo in-process (tools/check_*.py), with the
# options odoo-bin gets.
odoo_script() {
    local script="$1"
    shift
    "$VENV/bin/python" "$script" \
        --addons-path="$(addons_path)" \
        --db_host="$DB_HOST" --db_port="$DB_PORT" \
        --db_user="$DB_USER" --db_password="$DB_PASSWORD" \
        "$@"
}

prepare() {
    check_odoo
    ensure_system_packages
    ensure_rtlcss
    ensure_venv
    ensure_postgres
}
