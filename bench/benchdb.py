"""A database of its own for a benchmark run: shared by the benchmark scripts in this folder."""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results"


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


def save_and_print(report: dict[str, Any], name: str, as_json: bool, text: Callable[[dict[str, Any]], str]) -> None:
    """Keep the report in bench/results/NAME.json and print it (as JSON, or as the summary text)."""
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / f"{name}.json"
    saved.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, default=str) if as_json else text(report))
    if not as_json:
        print(f"\nJSON report saved to {saved.relative_to(RESULTS.parent.parent)}")
