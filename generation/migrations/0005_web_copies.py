from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0004_share_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="input_web_copies",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="generationresult",
            name="web_copies",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="generationresult",
            name="width",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="generationresult",
            name="height",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
