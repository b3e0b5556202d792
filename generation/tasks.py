"""Background tasks (django-tasks): one-line wrappers around services."""

from __future__ import annotations

from django_tasks import task

from generation import services


@task()
def run_generation(generation_id: str) -> str:
    return str(services.generation_run(generation_id=generation_id))
