"""`justculture check --deploy` passes with production settings; our own checks catch mistakes."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("justculture")
OURS = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "SECURE_SSL_REDIRECT", "BEHIND_HTTPS_PROXY",
        "SESSION_COOKIE_AGE", "MEDIA_ROOT", "STATIC_ROOT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD",
        "OIDC_RP_CLIENT_ID", "TRUSTED_PROXIES", "AUDIT_CHAIN_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set the last one


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    return subprocess.run([str(SCRIPT), *args], env={**clean, **env}, capture_output=True, text=True, timeout=120)


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "cases.example.nhs.uk",
        "DATABASE_URL": "postgres://justculture@db.internal:5432/justculture",
        "JUSTCULTURE_DATA_DIR": str(tmp_path),
        **extra,
    }


@pytest.mark.parametrize("https", [{"BEHIND_HTTPS_PROXY": "true"}, {"SECURE_SSL_REDIRECT": "true"}])
def test_deploy_check_passes_with_production_settings(tmp_path, https):
    result = run(production(tmp_path, **https), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_turn_on_secure_cookies_and_hsts(tmp_path):
    result = run(production(tmp_path, BEHIND_HTTPS_PROXY="true", SESSION_COOKIE_AGE="900"), "diffsettings")
    assert result.returncode == 0, result.stderr
    for line in ["SESSION_COOKIE_SECURE = True", "CSRF_COOKIE_SECURE = True", "SECURE_SSL_REDIRECT = True",
                 "SECURE_HSTS_SECONDS = 31536000", "SECURE_HSTS_INCLUDE_SUBDOMAINS = True",
                 "SESSION_COOKIE_AGE = 900", "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]:
        assert line in result.stdout, line


def test_production_without_https_settings_fails_the_deploy_check(tmp_path):
    result = run(production(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and "security.W008" in result.stderr


@pytest.mark.parametrize(("extra", "code"), [
    ({"SESSION_COOKIE_AGE": str(9 * 3600)}, "justculture.W003"),
    ({"DATABASE_URL": ""}, "justculture.W002"),
    ({"STATIC_ROOT": "{tmp}/web", "MEDIA_ROOT": "{tmp}/web/media"}, "justculture.W001"),
    ({"TRUSTED_PROXIES": ""}, "justculture.W007"),
    ({"AUDIT_CHAIN_KEY": ""}, "justculture.W008"),
])
def test_our_deploy_checks_warn(tmp_path, extra, code):
    env = production(tmp_path, BEHIND_HTTPS_PROXY="true", **{k: v.format(tmp=tmp_path) for k, v in extra.items()})
    if env["DATABASE_URL"] == "":
        del env["DATABASE_URL"]
    result = run(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and code in result.stderr, result.stderr


def test_debug_with_a_public_host_is_refused_even_without_deploy(tmp_path):
    result = run({"DEBUG": "true", "ALLOWED_HOSTS": "cases.example.nhs.uk", "JUSTCULTURE_DATA_DIR": str(tmp_path)},
                 "check")
    assert result.returncode != 0 and "justculture.E001" in result.stderr


def test_debug_on_this_machine_is_fine(tmp_path):
    result = run({"DEBUG": "true", "JUSTCULTURE_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode == 0, result.stderr


def test_debug_is_off_when_the_variable_is_not_set(tmp_path):
    env = production(tmp_path)
    del env["DEBUG"]
    result = run(env, "shell", "-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_with_nothing_set_start_up_asks_for_production_settings_or_debug(tmp_path):
    result = run({"JUSTCULTURE_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "DEBUG=true" in result.stderr


def _load_wsgi(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    return subprocess.run([sys.executable, "-c", "import justculture.config.wsgi"], env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_any_server_refuses_to_load_the_app_with_debug_on_a_public_host(tmp_path):
    # gunicorn runs no system checks of its own: loading the WSGI application runs them.
    result = _load_wsgi({"DEBUG": "true", "ALLOWED_HOSTS": "cases.example.nhs.uk",
                         "JUSTCULTURE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "justculture.E001" in result.stderr and "will not start" in result.stderr


def test_the_app_loads_with_production_settings_and_logs_the_deploy_warnings(tmp_path):
    result = _load_wsgi(production(tmp_path))
    assert result.returncode == 0, result.stderr
    # Without HTTPS settings Django's deployment check warns; the server still starts.
    assert "security.W008" in result.stderr
