from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0006_batch"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="before_crop",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="generation",
            name="journey_gif",
            field=models.CharField(blank=True, max_length=255),
        ),
    ]
