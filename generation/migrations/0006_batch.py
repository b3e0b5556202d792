# Batches: several photos with the same settings, each its own generation.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0005_web_copies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Batch",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[
                            ("adult_to_child", "Adult → child"),
                            ("child_to_adult", "Child → adult"),
                            ("male_to_female", "Male → female"),
                            ("female_to_male", "Female → male"),
                        ],
                        max_length=20,
                    ),
                ),
                ("file_names", models.JSONField(blank=True, default=list)),
                ("rejected", models.JSONField(blank=True, default=list)),
                ("idempotency_key", models.CharField(blank=True, default="", max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="batches",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "batches",
                "ordering": ["-created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("idempotency_key", ""), _negated=True),
                        fields=("owner", "idempotency_key"),
                        name="batch_idempotency_key_unique_per_owner",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="generation",
            name="batch",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="generations",
                to="generation.batch",
            ),
        ),
        migrations.AddField(
            model_name="generation",
            name="batch_position",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
    ]
