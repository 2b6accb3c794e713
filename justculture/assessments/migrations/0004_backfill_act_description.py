"""Completed assessments keep the wording of the act they assessed: fill it for those completed
before the wording was kept (the act's wording now is the best record there is of it)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    Act = apps.get_model("cases", "Act")
    wording = Subquery(Act.objects.filter(pk=OuterRef("act_id")).values("description")[:1])
    Assessment.objects.filter(status="complete", act_description="").update(act_description=wording)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_assessment_act_description")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
