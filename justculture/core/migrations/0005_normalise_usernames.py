"""Keep every username in its one normal form (core.models.normalise_username): Unicode
compatibility form, case folded. A name whose normal form another account already has is left as
it was (an administrator resolves the pair); the sign-in lock-out counts them as one either way."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import migrations


def _normal(value: str) -> str:
    # A copy of core.models.normalise_username as it was when this migration was written.
    folded = unicodedata.normalize("NFKC", str(value)).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def forwards(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("core", "User")
    taken = set(User.objects.values_list("username", flat=True))
    for pk, name in User.objects.values_list("pk", "username"):
        normal = _normal(name)
        if normal and normal != name and normal not in taken:
            User.objects.filter(pk=pk).update(username=normal)
            taken.discard(name)
            taken.add(normal)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_disclosure_reason")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
