from __future__ import annotations

import math
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from stats.models import UsageStats
from stats.services import usage_stats_record


@pytest.mark.django_db
class TestUsageStatsRecord:
    def test_it_counts_uses_and_images_and_keeps_a_running_mean(self, user):
        for seconds, images in [(1.0, 1), (2.0, 3), (6.0, 2)]:
            usage_stats_record(user=user, images_count=images, processing_seconds=seconds)

        stats = UsageStats.objects.get(user=user)
        assert stats.usage_count == 3
        assert stats.images_count == 6
        assert stats.avg_processing_seconds == pytest.approx(3.0)
        assert stats.last_used_at is not None

    def test_the_first_job_sets_the_mean_to_its_own_time(self, user):
        usage_stats_record(user=user, images_count=4, processing_seconds=1.4)

        assert UsageStats.objects.get(user=user).avg_processing_seconds == pytest.approx(1.4)

    def test_last_used_at_keeps_the_latest_moment_when_jobs_finish_out_of_order(self, user):
        later = timezone.now()
        earlier = later - timedelta(hours=2)

        usage_stats_record(user=user, images_count=1, processing_seconds=1, used_at=later)
        usage_stats_record(user=user, images_count=1, processing_seconds=1, used_at=earlier)

        assert UsageStats.objects.get(user=user).last_used_at == later

    def test_it_creates_the_row_for_users_made_without_registration(self):
        user = User.objects.create_user("solo", "solo@example.com", "correct-horse-battery-42")

        usage_stats_record(user=user, images_count=2, processing_seconds=0.5)

        assert UsageStats.objects.get(user=user).usage_count == 1

    @pytest.mark.parametrize(
        ("images", "seconds"),
        [(-1, 1.0), (1.5, 1.0), (True, 1.0), (1, -0.1), (1, math.nan), (1, math.inf)],
    )
    def test_it_refuses_nonsense_and_writes_nothing(self, user, images, seconds):
        with pytest.raises(ValueError):
            usage_stats_record(user=user, images_count=images, processing_seconds=seconds)

        assert UsageStats.objects.get(user=user).usage_count == 0

    def test_it_only_touches_the_given_users_row(self, user, other_user):
        usage_stats_record(user=user, images_count=2, processing_seconds=1)

        assert UsageStats.objects.get(user=other_user).usage_count == 0


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_updates_lose_nothing(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is exercised on PostgreSQL (set DATABASE_URL)")
    user = make_user(username="busy")
    durations = [float(n) for n in range(1, 21)]  # mean 10.5
    barrier = threading.Barrier(len(durations))

    def worker(seconds: float):
        try:
            barrier.wait()
            usage_stats_record(user=user, images_count=2, processing_seconds=seconds)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(s,)) for s in durations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stats = UsageStats.objects.get(user=user)
    assert stats.usage_count == 20
    assert stats.images_count == 40
    assert stats.avg_processing_seconds == pytest.approx(10.5)
