"""Production settings read from the environment: the replica database and the static storage.
Each case imports the settings in a fresh interpreter, as a server would at start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "settings-test-secret-key-with-enough-randomness-0123456789",
    "ALLOWED_HOSTS": "justculture.example.nhs.uk",
    "DATABASE_URL": "postgres://app:pw@primary.example.internal:5432/justculture",
}

PRINT = """
import json
from django.conf import settings
print(json.dumps({
    "databases": {k: {"HOST": v["HOST"], "NAME": v["NAME"], "USER": v["USER"], "TEST": v.get("TEST", {})}
                  for k, v in settings.DATABASES.items()},
    "routers": settings.DATABASE_ROUTERS,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "email": settings.EMAIL_BACKEND,
}))
"""


def settings_with(**env: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "EMAIL_HOST", "EMAIL_BACKEND", "STATIC_MANIFEST"}}
    done = subprocess.run(
        [sys.executable, "-c", PRINT], env={**clean, "DJANGO_SETTINGS_MODULE": "justculture.config.settings", **env},
        capture_output=True, text=True, check=True, timeout=60,
    )
    return json.loads(done.stdout)


def test_a_replica_url_adds_the_replica_database_as_a_test_mirror() -> None:
    found = settings_with(**PRODUCTION,
                          DATABASE_REPLICA_URL="postgres://reader:pw@replica.example.internal:5432/justculture")
    assert found["databases"]["default"]["HOST"] == "primary.example.internal"
    replica = found["databases"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("replica.example.internal", "reader", "justculture")
    assert replica["TEST"] == {"MIRROR": "default"}
    assert found["routers"] == ["justculture.core.routers.ReplicaRouter"]


def test_without_a_replica_url_there_is_only_the_primary() -> None:
    found = settings_with(**PRODUCTION)
    assert list(found["databases"]) == ["default"]


def test_production_serves_hashed_compressed_static_files_and_sends_mail_over_smtp() -> None:
    found = settings_with(**PRODUCTION, EMAIL_HOST="smtp.example.nhs.uk")
    assert found["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"
    local = settings_with(DEBUG="true")
    assert local["static"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert local["email"] == "django.core.mail.backends.console.EmailBackend"
