"""Run queued tasks with the database worker's own code, inside the test.

``run_queued_tasks`` does what one pass of `justculture db_worker` does for each ready task
(select it locked and claim it in a transaction, run it and store the result) but without the
worker's loop, its signal handlers or its connection recycling (which would close the
connection a test's transaction is on). Tests
that run the whole command use ``call_command("db_worker", "--batch", ...)`` with transactional_db.
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction


def run_queued_tasks(max_tasks: int = 50) -> list[DBTaskResult]:
    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )
    done: list[DBTaskResult] = []
    for _ in range(max_tasks):
        with exclusive_transaction(DBTaskResult.objects.db):
            result = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if result is not None:
                result.claim(worker.worker_id)
        if result is None:
            break
        worker.run_task(result)
        result.refresh_from_db()
        done.append(result)
    return done
