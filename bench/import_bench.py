"""How fast `justculture import incidents` is on a large file, against a bare bulk insert.

Run from the repository root:

    .venv/bin/python bench/import_bench.py                    # 1,000,000 rows on a throwaway SQLite file
    .venv/bin/python bench/import_bench.py --rows 100000      # a smaller run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_bench.py

With DATABASE_URL (PostgreSQL), the named database is only used to connect: the script creates a
throwaway database beside it, works there and drops it at the end (--keep leaves it). Without it,
a throwaway SQLite file in a temporary folder is used. No existing data is touched.

It writes a --rows incident CSV in our own column layout to a temporary file (streamed, row by
row), then, in the same process and on the same database:

- the baseline: reads the same file with the csv module and inserts the same rows into the same
  table with Django's bulk_create, --batch-size rows per transaction, with no checks at all;
- the import: the code path of `justculture import incidents` (the checking pass, then the
  import pass with the source-reference look-up, reference numbering and one audit event per
  batch), with the same batch size;
- optionally (--rerun), right after the first import, the same import again, which finds every
  row already imported.

The table is emptied between runs (TRUNCATE on PostgreSQL, DELETE and VACUUM on SQLite) so each
starts from the same state. With --rounds 2 (the default) the order is baseline, import, import,
baseline, so that a change in the machine's load during the run weighs on both sides alike.

It reports rows per second of each (over all its runs) and the ratio import / baseline (target at least 0.5), and
the memory of the process: resident size sampled every 0.2 s during the import (start, peak,
end) and the peak resident size of the whole run (getrusage ru_maxrss), which should stay flat
whatever --rows is (target under 300 MB). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchdb import save_and_print, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
SITES = ["City Hospital", "County Hospital", "Riverside", "North Clinic", "Harbour Unit", "Hill Hospital"]
WHAT = ["A patient fell while walking to the bathroom", "A dose of IV antibiotic was given two hours late",
        "The wrong patient's notes were filed", "A pressure ulcer was found on admission review",
        "The infusion pump alarmed and was silenced", "A referral letter was not sent"]
HEADER = ["reference", "occurred_at", "team", "description", "location", "external_reference", "patient_name",
          "patient_identifier"]


# --- Database set-up -------------------------------------------------------------------------


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "justculture.config.settings"
    os.environ["DEBUG"] = "false"  # DEBUG would keep every query in memory
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    folder = Path(tempfile.mkdtemp(prefix="jc-import-bench-data-"))
    os.environ["JUSTCULTURE_DATA_DIR"] = str(folder)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Data ------------------------------------------------------------------------------------


def write_csv(path: Path, rows: int, teams: list[str], seed: int) -> float:
    """Write the incident file row by row; returns seconds taken."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    started = time.perf_counter()
    start = datetime(2019, 1, 1)
    span = 6 * 365 * 24 * 60
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            at = start + timedelta(minutes=rng.randrange(span))
            with_patient = rng.random() < 0.3
            writer.writerow([
                f"W{n:07d}", at.strftime("%Y-%m-%d %H:%M"), teams[rng.randrange(len(teams))],
                f"{WHAT[n % len(WHAT)]}. Reported by the nurse in charge; see the incident form {n}.",
                f"Bay {rng.randrange(1, 9)}", f"LFPSE-{n:08d}" if rng.random() < 0.5 else "",
                "Alex Patient" if with_patient else "", f"{rng.randrange(10**9, 10**10)}" if with_patient else "",
            ])
    return time.perf_counter() - started


class MemorySampler:
    """Samples this process's resident memory every interval while running (Linux /proc)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            return pages * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.rss())
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.rss())


def mb(value: float) -> float:
    return round(value / (1024 * 1024), 1)


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return mb(peak if sys.platform == "darwin" else peak * 1024)


# --- The two sides ---------------------------------------------------------------------------


def baseline(path: Path, organisation: Any, user: Any, team_ids: dict[str, int], batch_size: int) -> float:
    """The bare bulk insert: csv.reader over the same file, bulk_create per batch, no checks."""
    from zoneinfo import ZoneInfo

    from django.db import transaction

    from justculture.cases.models import Incident

    london = ZoneInfo("Europe/London")
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch: list[Incident] = []
        for count, values in enumerate(reader, start=1):
            batch.append(Incident(
                organisation=organisation, reference=f"B-{count}",
                occurred_at=datetime.fromisoformat(values[1]).replace(tzinfo=london), team_id=team_ids[values[2]],
                description=values[3], location=values[4], external_reference=values[5], patient_name=values[6],
                patient_identifier=values[7], source_system="file", source_reference=values[0], created_by=user,
            ))
            if len(batch) >= batch_size:
                with transaction.atomic():
                    Incident.objects.bulk_create(batch)
                batch = []
        if batch:
            with transaction.atomic():
                Incident.objects.bulk_create(batch)
    return time.perf_counter() - started


def empty_table(connection: Any, organisation_id: int) -> None:
    """Empty the incident table so the next run starts from the state the first one did: a fresh
    table file (space freed by a DELETE alone would be reused and make the next run cheaper)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE cases_incident CASCADE")  # nothing else refers to them here
            cursor.execute("ANALYZE cases_incident")
        else:
            cursor.execute("DELETE FROM cases_incident WHERE organisation_id = %s", [organisation_id])
            cursor.execute("VACUUM")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from justculture.cases.models import Incident
    from justculture.core import services
    from justculture.core.models import AuditEvent
    from justculture.imports import mappings
    from justculture.imports.runner import import_incidents

    org = services.organisation_create(slug="bench", name="Benchmark Hospitals NHS Trust")
    team_names = [f"Ward {n:02d}" for n in range(args.teams)]
    for n, name in enumerate(team_names):
        services.team_create(organisation=org, name=name, site=SITES[n % len(SITES)])
    team_ids = dict(org.teams.values_list("name", "id"))
    user = services.user_create(organisation=org, username="bench.importer", password=None,
                                roles_held=[("case-handler", None)])
    folder = Path(tempfile.mkdtemp(prefix="jc-import-bench-file-"))
    report: dict[str, Any] = {
        "database": connection.vendor, "database_version": database_version(connection),
        "python": platform.python_version(), "rows": args.rows, "batch_size": args.batch_size,
        "teams": args.teams,
    }
    try:
        path = folder / "incidents.csv"
        report["generate_seconds"] = round(write_csv(path, args.rows, team_names, args.seed), 1)
        report["file_mb"] = mb(path.stat().st_size)

        mapping = mappings.load("justculture", "incidents")
        # Baseline and import alternate (B I I B with --rounds 2), so that a change in the load on
        # the machine during the run weighs on both sides alike; the ratio uses the totals.
        order = ["baseline", "import"] if args.rounds == 1 else ["baseline", "import", "import", "baseline"]
        seconds: dict[str, list[float]] = {"baseline": [], "import": []}
        samples: list[int] = []
        for step, side in enumerate(order):
            if step:
                empty_table(connection, org.pk)
            if side == "baseline":
                seconds["baseline"].append(baseline(path, org, user, team_ids, args.batch_size))
                continue
            events_before = AuditEvent.objects.count()
            with MemorySampler() as memory:
                outcome = import_incidents(path=path, label="incidents.csv", organisation=org, mapping=mapping,
                                           by=user, batch_size=args.batch_size)
            samples += memory.samples
            seconds["import"].append(outcome.seconds)
            report["import_check"] = {
                "created": outcome.created, "incidents_in_table": Incident.objects.filter(organisation=org).count(),
                "batches": outcome.batches, "audit_events": AuditEvent.objects.count() - events_before,
                "problems": outcome.problem_count,
            }
            if args.rerun and "rerun" not in report:
                again = import_incidents(path=path, label="incidents.csv", organisation=org, mapping=mapping,
                                         by=user, batch_size=args.batch_size)
                report["rerun"] = {"seconds": round(again.seconds, 1),
                                   "rows_per_second": round(args.rows / again.seconds),
                                   "created": again.created, "already_imported": again.already_imported}
        for side, times in seconds.items():
            total = sum(times)
            report[side] = {"seconds": [round(t, 1) for t in times],
                            "rows_per_second": round(args.rows * len(times) / total)}
        report["ratio"] = round(sum(seconds["baseline"]) / sum(seconds["import"]), 2)
        report["memory_mb"] = {"import_start": mb(samples[0]), "import_peak": mb(max(samples)),
                               "import_end": mb(samples[-1]), "samples": len(samples)}
        report["peak_rss_mb"] = peak_rss_mb()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


def database_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        return str(cursor.fetchone()[0]).split(" on ")[0]


def report_text(report: dict[str, Any]) -> str:
    base, imp, memory, check = report["baseline"], report["import"], report["memory_mb"], report["import_check"]
    lines = [
        f"Import benchmark on {report['database']} {report['database_version']} (Python {report['python']})",
        f"{report['rows']:,} rows ({report['file_mb']} MB CSV, written in {report['generate_seconds']} s), "
        f"batches of {report['batch_size']:,}",
        "",
        f"{'':<34} {'seconds (each run)':>20} {'rows/s':>10}",
        f"{'bare bulk insert (baseline)':<34} {' + '.join(f'{t:.1f}' for t in base['seconds']):>20} "
        f"{base['rows_per_second']:>10,}",
        f"{'justculture import incidents':<34} {' + '.join(f'{t:.1f}' for t in imp['seconds']):>20} "
        f"{imp['rows_per_second']:>10,}",
    ]
    if "rerun" in report:
        rerun = report["rerun"]
        lines.append(f"{'the same file again (all skipped)':<34} {rerun['seconds']:>20.1f} {rerun['rows_per_second']:>10,}")
    lines += [
        "",
        f"ratio import / baseline (rows per second): {report['ratio']:.2f}  (target at least 0.5)",
        f"each import created {check['created']:,} incidents in {check['batches']:,} batches with "
        f"{check['audit_events']:,} audit events",
        f"resident memory during the import: start {memory['import_start']} MB, peak {memory['import_peak']} MB, "
        f"end {memory['import_end']} MB; peak of the whole run (ru_maxrss) {report['peak_rss_mb']} MB "
        "(target under 300 MB)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Incident rows to generate (default 1,000,000).")
    parser.add_argument("--batch-size", type=int, default=1000, help="Rows per transaction (default 1000).")
    parser.add_argument("--teams", type=int, default=24, help="Teams the rows are spread over (default 24).")
    parser.add_argument("--seed", type=int, default=7, help="Random seed for the generated data.")
    parser.add_argument("--rounds", type=int, choices=[1, 2], default=2,
                        help="2 (default): baseline, import, import, baseline; 1: baseline then import.")
    parser.add_argument("--rerun", action="store_true", help="Also time importing the same file a second time.")
    parser.add_argument("--json", action="store_true", help="Print the JSON report instead of the text summary.")
    parser.add_argument("--keep", action="store_true", help="Keep the throwaway database afterwards.")
    args = parser.parse_args(argv)
    with throwaway_database(os.environ.get("DATABASE_URL", ""), "jc_import_bench", args.keep) as url:
        setup_django(url)
        report = run(args)
    save_and_print(report, f"import_bench_{report['database']}", args.json, report_text)


if __name__ == "__main__":
    main()
