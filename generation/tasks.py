"""Background tasks (django-tasks): one-line wrappers around services."""

from __future__ import annotations

from django_tasks import task

from generation import services
from lightsb_site.log import bind_generation


@task()
def run_generation(generation_id: str) -> str:
    # Every log line of the job (engine, storage, reaping) carries its generation id.
    with bind_generation(generation_id):
        return str(services.generation_run(generation_id=generation_id))
