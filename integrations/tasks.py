"""The webhook delivery task and how its attempts are scheduled.

Imports flow one way: ``integrations.webhooks`` imports this module; the task imports the
service it runs inside its body.

Where attempts run: with the database backend (production), each attempt is a task row that a
``db_worker`` runs once its ``run_after`` is reached, so retries survive restarts. The embedded
default (immediate backend) cannot defer a task and would run it inside the web request that
finished the job, so there each attempt runs on a short-lived background thread of the process
instead, after its delay.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks import task


@task()
def deliver_webhook(delivery_id: str) -> str:
    from uuid import UUID

    from integrations.webhooks import webhook_delivery_attempt

    return webhook_delivery_attempt(delivery_id=UUID(delivery_id))


def _attempt_on_a_thread(delivery_id: str) -> None:
    close_old_connections()
    try:
        deliver_webhook.call(delivery_id)
    finally:
        connections.close_all()


def webhook_delivery_enqueue(*, delivery_id: str, delay_seconds: float) -> None:
    """Queue the next attempt of a delivery, ``delay_seconds`` from now, never before the
    caller's transaction commits."""
    from django_tasks.backends.immediate import ImmediateBackend

    backend = deliver_webhook.get_backend()
    if isinstance(backend, ImmediateBackend):

        def start() -> None:
            timer = threading.Timer(delay_seconds, _attempt_on_a_thread, args=(delivery_id,))
            timer.name = f"webhook-{delivery_id}"
            timer.daemon = True
            timer.start()

        transaction.on_commit(start, robust=True)
    elif backend.supports_defer:
        # The task row commits (or not) together with the delivery's row.
        run_after = timezone.now() + timedelta(seconds=delay_seconds)
        deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
    else:
        transaction.on_commit(lambda: deliver_webhook.enqueue(delivery_id), robust=True)
