"""Fill the new status history and closing dates from what was recorded before they existed.

Until this release a case's moves were kept only in the audit log ("case.status" events with
{"status": [from, to]}). This one-off copy makes them data; from now on the lifecycle service
writes them, and nothing reads the audit log for them again.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Change = apps.get_model("cases", "CaseStatusChange")
    AuditEvent = apps.get_model("core", "AuditEvent")
    moves = AuditEvent.objects.filter(action="case.status", case_id__isnull=False).order_by("id")
    for event in moves.iterator():
        status = (event.changes or {}).get("status")
        if not (isinstance(status, list) and len(status) == 2) or event.actor_id is None:
            continue
        if not Case.objects.filter(pk=event.case_id).exists():
            continue
        change = Change.objects.create(
            case_id=event.case_id, from_status=str(status[0]), to_status=str(status[1]),
            reason="", changed_by_id=event.actor_id,
        )
        Change.objects.filter(pk=change.pk).update(changed_at=event.at)
    for case in Case.objects.filter(status="closed", closed_at__isnull=True).iterator():
        last = Change.objects.filter(case_id=case.pk, to_status="closed").order_by("-changed_at").first()
        Case.objects.filter(pk=case.pk).update(closed_at=last.changed_at if last else case.updated_at)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_closed_at_casestatuschange"),
        ("core", "0003_security_sign_in_attempts_two_factor"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
