# Shared by scripts/run, scripts/test and .ci/run. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Create .venv and install voiceapp with its [dev] extras when missing or out of date.
bootstrap() {
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $($python --version)"
    "$python" -m venv .venv
  fi
  local stamp=.venv/.voiceapp-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "installing voiceapp and its dependencies into .venv"
    # This machine's pip configuration names local indexes that may not exist: drop
    # those warnings, keep everything else (and pip's exit status, via pipefail).
    .venv/bin/pip install --quiet --disable-pip-version-check -e ".[dev]" 2>&1 \
      | { grep -v "^WARNING: Location 'file:" || true; }
    touch "$stamp"
  fi
  install_front_end
}

# The front-end libraries the panel serves itself (package-lock.json, voiceapp/web/vendor.py):
# npm ci when node_modules is missing or older than the lock file. Without npm the app
# still runs; the dashboard then says how to install them and shows its figures as tables.
install_front_end() {
  if [ -d node_modules ] && [ ! package-lock.json -nt node_modules ]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "warning: npm is missing, so the dashboard has no charts and the softphone no Twilio Voice SDK (install Node.js and npm, then run: npm ci)" >&2
    return 0
  fi
  echo "installing the front-end libraries (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
}

redis_up() {
  .venv/bin/python - <<'PY' 2>/dev/null
import os, sys
from redis import Redis
url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
try:
    sys.exit(0 if Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping() else 1)
except Exception:
    sys.exit(1)
PY
}

# Start the machine's Redis the way this workplace documents it, if it is not answering.
ensure_redis() {
  if redis_up; then return 0; fi
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting redis-server on 127.0.0.1:6379"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 50); do redis_up && return 0; sleep 0.1; done
  fi
  echo "Redis is not reachable at ${REDIS_URL:-redis://127.0.0.1:6379/0}" >&2
  return 1
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 100); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.1; done
  fi
  echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2
  return 1
}

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -x /usr/bin/chromium ]; then
    # The browser tests are part of the suite: a run without them proves less than it says.
    echo "/usr/bin/chromium is missing and could not be installed (apt-get install chromium)" >&2
    return 1
  fi
}
