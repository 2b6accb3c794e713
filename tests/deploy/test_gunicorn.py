"""Gunicorn with production settings: our config file, collected static files served by WhiteNoise.

Starts a real gunicorn on a free port against a throwaway SQLite database (migrated with the
real command), fetches the sign-in page and a hashed CSS file, checks the access log keeps query
strings out, then stops the server. It runs outside the test database: a separate process.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy.conftest import find_free_port

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CONFIG = REPO / "justculture" / "config" / "gunicorn.conf.py"


@dataclass
class Server:
    base: str
    static_root: Path
    log: Path


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("production")
    # Only the NHS.UK assets the stylesheet refers to: collecting the whole npm package (with its
    # source maps) takes twenty seconds, this takes one, and the storage is the same.
    nhsuk = root / "nhsuk"
    shutil.copytree(Path(settings.NHSUK_FRONTEND_DIR) / "assets", nhsuk / "assets")
    port = find_free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "gunicorn-test-secret-key-with-enough-randomness-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "JUSTCULTURE_DATA_DIR": str(root),
        "DATABASE_URL": f"sqlite:///{root / 'justculture.sqlite3'}",
        "STATIC_ROOT": str(root / "static"),
        "NHSUK_FRONTEND_DIR": str(nhsuk),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "DJANGO_SETTINGS_MODULE": "justculture.config.settings",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    # The browser tests set this in the test process; production refuses to start with it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for command in (["collectstatic", "--noinput", "-v0"], ["migrate", "-v0"]):
        subprocess.run([str(VENV_BIN / "justculture"), *command], env=env, check=True, cwd=root, timeout=120)
    log = root / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", str(CONFIG), "justculture.config.wsgi"],
            env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(f"{base}/sign-in/")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start:\n" + log.read_text()) from None
                time.sleep(0.2)
        yield Server(base, root / "static", log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_sign_in_page_is_served_with_production_headers(server: Server) -> None:
    status, headers, body = _get(f"{server.base}/sign-in/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert "Sign in" in page
    # The page links to the collected, hashed stylesheet (manifest storage is on).
    assert re.search(r'href="/static/justculture/app\.[0-9a-f]{12}\.css"', page)
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "Secure" in headers["Set-Cookie"]  # production cookies


def test_a_hashed_static_file_is_served_compressed_and_cached_for_ever(server: Server) -> None:
    manifest = (server.static_root / "staticfiles.json").read_text()
    hashed = re.search(r'"justculture/app\.css": "(justculture/app\.[0-9a-f]{12}\.css)"', manifest)
    assert hashed, manifest[:500]
    url = f"{server.base}/static/{hashed.group(1)}"
    status, headers, body = _get(url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    assert body == (server.static_root / hashed.group(1)).read_bytes()
    status, headers, _ = _get(url, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    # An unknown file is a 404, not a crash.
    assert _get(f"{server.base}/static/justculture/no-such-file.css")[0] == 404


def test_the_access_log_leaves_out_query_strings(server: Server) -> None:
    _get(f"{server.base}/sign-in/?next=/cases/C-0042/&name=Jane+Doe")
    deadline = time.monotonic() + 5
    while "/sign-in/" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log.read_text()
    assert '"GET /sign-in/ HTTP/1.1" 200' in log
    assert "Jane" not in log and "C-0042" not in log and "next=" not in log
