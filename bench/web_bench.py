"""Requests per second and latency of the busiest pages for a signed-in user, under gunicorn.

Run from the repository root against a database filled by bench/generate.py:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jc_bench .venv/bin/python bench/web_bench.py
    DATABASE_URL=... .venv/bin/python bench/web_bench.py --duration 20 --clients 20 --workers 3 --threads 4

It serves the app with gunicorn (gthread workers, production settings: DEBUG off, static files
collected with the manifest, as docs/operations.md describes) on a free local port, with
bench/bench_settings.py, which adds one trivial view (/bench/trivial/) to the product's URLs and
changes nothing else. It signs in through the sign-in form as --username (by default
bench.handler, a case handler for the three busiest teams, whose role needs no second factor),
once per client, so that each client has its own session as separate browsers would, then runs
--clients concurrent clients (threads spread over a few processes, each with its own keep-alive
connection) on each page in turn, for --rounds rounds (the pages take turns, so a
change in the machine's load falls on all of them alike), each time for a --warmup and then
--duration / --rounds seconds, and reports requests per second, the median (p50), p95 and p99
latencies, and the ratio of each page's rate to the trivial view's, measured in the same run.
Pages:

- trivial: /bench/trivial/ (sign-in check, session and user look-ups, a two-byte response);
- case list: /cases/ (the first page of 25 of the cases the user may see, counted up to 1,000);
- case page: /cases/<reference>/, rotating over --sample cases of the user's teams;
- guide question: the next question of an in-progress assessment, rotating over --sample of them.

Every response must be 200; anything else is counted as an error. Nothing is asserted. The report
is printed and saved as bench/results/web_bench.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": HOST,
        "STATIC_ROOT": str(RESULTS / "static"),
        "LOG_LEVEL": "WARNING",
        "JUSTCULTURE_DATA_DIR": str(RESULTS / "data"),
    })
    return env


def collect_static(env: dict[str, str]) -> None:
    if (RESULTS / "static" / "staticfiles.json").exists():
        return
    subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT,
                   check=True)


def start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [str(gunicorn), "justculture.config.wsgi:application", "--bind", f"{HOST}:{port}",
         "--worker-class", "gthread", "--workers", str(args.workers), "--threads", str(args.threads),
         "--keep-alive", "30", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn stopped while starting; see the messages above.") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start listening within 60 seconds.")


# --- Signing in and choosing pages ---------------------------------------------------------------


def cookies_from(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the form, as a browser does. Returns the Cookie header for later requests."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/sign-in/")
    response = conn.getresponse()
    page = response.read().decode()
    jar = cookies_from(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("The sign-in page has no CSRF token; is the app serving?")
    body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)})
    conn.request("POST", "/sign-in/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={jar['csrftoken']}",
        "Origin": f"http://{HOST}:{port}", "Referer": f"http://{HOST}:{port}/sign-in/",
    })
    response = conn.getresponse()
    response.read()
    jar.update(cookies_from(response))
    conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"Signing in as {username} failed (status {response.status}). "
                         "Was the database filled by bench/generate.py with the same --password?")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def choose_pages(username: str, sample: int) -> dict[str, list[str]]:
    """The URLs to drive, read with the ORM on the same database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justculture.config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from justculture.assessments.models import Assessment
    from justculture.assessments.services import evaluation_of
    from justculture.cases.selectors import visible_cases
    from justculture.core.models import User

    user = User.objects.get(username=username)
    visible = visible_cases(user)
    # Spread over the user's cases (every n-th by id), not just the newest.
    case_ids = list(visible.order_by("id").values_list("id", flat=True))
    if not case_ids:
        raise SystemExit(f"{username} sees no cases; fill the database with bench/generate.py first.")
    step = max(1, len(case_ids) // sample)
    refs = list(visible.filter(id__in=case_ids[::step][:sample]).values_list("reference", flat=True))
    questions = []
    open_ones = (Assessment.objects.filter(case__in=visible.values("id"), status=Assessment.IN_PROGRESS)
                 .select_related("case", "act").order_by("id"))
    for assessment in open_ones[: sample * 4]:
        walk = evaluation_of(assessment)
        if walk.next_question:
            questions.append(f"/cases/{assessment.case.reference}/acts/{assessment.act.number}/assessments/"
                             f"{assessment.version}/questions/{walk.next_question}/")
        if len(questions) >= sample:
            break
    if not questions:
        raise SystemExit(f"{username} has no in-progress assessments to open a question page of.")
    from django.db import connections

    connections.close_all()
    return {
        "trivial": ["/bench/trivial/"],
        "case list": ["/cases/"],
        "case page": [f"/cases/{r}/" for r in refs],
        "guide question": questions,
        "_visible_cases": [str(len(case_ids))],
    }


# --- Load ----------------------------------------------------------------------------------------


def client_process(port: int, cookies: list[str], urls: list[str], threads: int, warmup: float, duration: float,
                   start_at: float, queue: Any) -> None:
    """Run ``threads`` keep-alive clients, each with its own session cookie; put (latencies in
    seconds, errors, statuses) on the queue."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    measure_from = start_at + warmup
    stop_at = measure_from + duration

    def client(offset: int, cookie: str) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        mine: list[float] = []
        problems: list[str] = []
        n = offset
        while time.time() < start_at:
            time.sleep(0.005)
        while True:
            now = time.time()
            if now >= stop_at:
                break
            url = urls[n % len(urls)]
            n += 1
            began = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                status = 0
                problems.append(type(exc).__name__)
            took = time.perf_counter() - began
            if now >= measure_from:
                if status == 200:
                    mine.append(took)
                elif status:
                    problems.append(f"HTTP {status} {url}")
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(problems)

    workers = [threading.Thread(target=client, args=(k * 7, cookies[k])) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put((latencies, errors))


def drive(port: int, cookies: list[str], urls: list[str], clients: int, processes: int, warmup: float,
          duration: float) -> dict[str, Any]:
    queue: Any = multiprocessing.Queue()
    start_at = time.time() + 1.0
    per = [clients // processes + (1 if k < clients % processes else 0) for k in range(processes)]
    firsts = [sum(per[:k]) for k in range(len(per))]
    procs = [multiprocessing.Process(target=client_process,
                                     args=(port, cookies[first:first + n], urls, n, warmup, duration, start_at, queue))
             for first, n in zip(firsts, per, strict=True) if n]
    load_before = os.getloadavg()
    for p in procs:
        p.start()
    latencies: list[float] = []
    errors: list[str] = []
    for _ in procs:
        got, problems = queue.get()
        latencies.extend(got)
        errors.extend(problems)
    for p in procs:
        p.join()
    return {"latencies": latencies, "errors": errors, "duration": duration, "distinct_urls": len(urls),
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()]}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests per second and latency percentiles over all rounds of one page."""
    latencies = sorted(t for run in runs for t in run["latencies"])
    errors = [e for run in runs for e in run["errors"]]
    duration = sum(run["duration"] for run in runs)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "requests": len(latencies), "errors": len(errors), "error_samples": sorted(set(errors))[:5],
        "rps": len(latencies) / duration, "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "distinct_urls": runs[0]["distinct_urls"], "rounds": len(runs),
        "rps_by_round": [round(len(run["latencies"]) / run["duration"], 1) for run in runs],
        "load_before": runs[0]["load_before"], "load_after": runs[-1]["load_after"],
    }


def report_text(report: dict[str, Any]) -> str:
    lines = [
        f"Web benchmark, {report['date']} on {report['machine']} ({report['cpus']} CPUs), {report['database']}",
        f"gunicorn gthread: {report['workers']} workers x {report['threads']} threads; {report['clients']} "
        f"concurrent keep-alive clients; {report['duration']} s per page in {report['rounds']} rounds taking turns, "
        f"each after a {report['warmup']} s warm-up",
        f"Signed in as {report['username']}, who may see {report['visible_cases']} cases.",
        "",
        f"{'page':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'rate/trivial':>13}"
        f" {'load (1 min) before-after':>27}",
    ]
    for name, row in report["pages"].items():
        lines.append(f"{name:<16} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
                     f"{row['p99_ms']:>8.1f} {row['errors']:>7} {row['ratio_to_trivial']:>13.2f} "
                     f"{row['load_before'][0]:>13.2f} - {row['load_after'][0]:<11.2f}")
    lines += ["", "Targets (issue 8): each page at least 1/3 of the trivial view's rate, p95 under 200 ms."]
    for name, row in report["pages"].items():
        if name == "trivial":
            continue
        rate = "meets" if row["ratio_to_trivial"] >= 1 / 3 else "MISSES"
        p95 = "meets" if row["p95_ms"] < 200 else "MISSES"
        lines.append(f"  {name}: rate ratio {row['ratio_to_trivial']:.2f} {rate}; p95 {row['p95_ms']:.0f} ms {p95}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--username", default="bench.handler")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--clients", type=int, default=20, help="Concurrent clients (default 20).")
    parser.add_argument("--processes", type=int, default=2, help="Client processes the clients are spread over.")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3).")
    parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker (default 4).")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="Seconds of warm-up before each page's turn (default 3).")
    parser.add_argument("--duration", type=float, default=18.0,
                        help="Measured seconds per page, over all rounds (default 18).")
    parser.add_argument("--rounds", type=int, default=3,
                        help="Rounds in which the pages take turns (default 3), each with its own warm-up.")
    parser.add_argument("--sample", type=int, default=50, help="Distinct case and question pages to rotate over.")
    parser.add_argument("--pages", default="trivial,case list,case page,guide question",
                        help="Comma-separated pages to run, in order (default all four).")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        parser.error("set DATABASE_URL to the database bench/generate.py filled")
    RESULTS.mkdir(exist_ok=True)
    env = server_environment(args)
    collect_static(env)
    pages = choose_pages(args.username, args.sample)
    visible = pages.pop("_visible_cases")[0]
    port = free_port()
    server = start_server(args, env, port)
    try:
        # Each client signs in for itself, as 20 people (or 20 browser tabs) would: one session each.
        # Sharing one session made every request wait for the others' save of the same session row.
        cookies = [sign_in(port, args.username, args.password) for _ in range(args.clients)]
        names = [p.strip() for p in args.pages.split(",")]
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        # Pages take turns, round after round, so that a change in the machine's load (other work)
        # falls on every page alike and the ratios stay fair.
        for number in range(1, args.rounds + 1):
            for name in names:
                run = drive(port, cookies, pages[name], args.clients, args.processes, args.warmup,
                            args.duration / args.rounds)
                runs[name].append(run)
                print(f"round {number}, {name} ({len(pages[name])} URL(s), e.g. {pages[name][0]}): "
                      f"{len(run['latencies']) / run['duration']:.1f} req/s, {len(run['errors'])} errors "
                      f"{sorted(set(run['errors']))[:3]}", flush=True)
        results = {name: summarise(runs[name]) for name in names}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    trivial = results.get("trivial", {}).get("rps")
    for row in results.values():
        row["ratio_to_trivial"] = row["rps"] / trivial if trivial else float("nan")
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.platform(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "database": url.rsplit("@", 1)[-1].split("?")[0], "username": args.username,
        "visible_cases": int(visible), "clients": args.clients, "workers": args.workers,
        "threads": args.threads, "warmup": args.warmup, "duration": args.duration, "rounds": args.rounds,
        "pages": results,
    }
    saved = RESULTS / "web_bench.json"
    saved.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print()
    print(report_text(report))
    print(f"\nJSON report saved to {saved.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
