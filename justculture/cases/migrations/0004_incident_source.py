from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_incident_patient_identifier_incident_patient_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="source_system",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="incident",
            name="source_reference",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source_reference", ""), _negated=True),
                fields=("organisation", "source_system", "source_reference"),
                name="incident_unique_source",
            ),
        ),
    ]
