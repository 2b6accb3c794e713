"""A database of its own for a benchmark run: shared by the benchmark scripts in this folder."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def throwaway_database(given: str, prefix: str, keep: bool) -> Iterator[str]:
    """Yield a DATABASE_URL for a new, empty database and remove it afterwards (unless keep).

    With a PostgreSQL `given` URL the new database sits on the same server; otherwise it is a
    SQLite file in a temporary folder.
    """
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"{prefix}_{secrets.token_hex(4)}"
        admin = psycopg.connect(given, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(given)._replace(path=f"/{name}"))
        finally:
            from django.db import connections

            connections.close_all()
            if keep:
                print(f"Kept the database {name}.")
            else:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.close()
        return
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix.replace('_', '-')}-"))
    try:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
    finally:
        if keep:
            print(f"Kept {folder}.")
        else:
            shutil.rmtree(folder, ignore_errors=True)
