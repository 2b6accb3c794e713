"""Merging the duplicate records of one professional.

The web opens a new professional's record with each case, so one nurse can end up with several
(``cases.selectors.duplicate_people`` finds them by registration number). Merging moves the cases
of the merged records onto the kept one, keeps one equality record, deletes the merged records
and audits it, in one transaction. It spans cases and fairness, so it lives here.

Equality data: when only one of the records has equality data, or all that have it give the same
answers, that is what the kept record holds. When they differ, nothing is guessed: the merge is
refused until the caller names the record whose answers to keep (``equality_from``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from justculture.cases.models import Case, Person
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import Organisation, User
from justculture.core.permissions import Permission, require
from justculture.fairness.models import EqualityRecord
from justculture.fairness.services import FIELDS as EQUALITY_FIELDS


class MergeError(ServiceError):
    """A merge the rules do not allow; the message says why and what to do."""


def _answers(record: EqualityRecord) -> tuple[str, ...]:
    return tuple(getattr(record, f) for f in EQUALITY_FIELDS)


def people_merge(
    *,
    organisation: Organisation,
    keep: int,
    merge: Sequence[int],
    equality_from: int | None = None,
    by: User | None,
) -> Person:
    """Merge the records ``merge`` (ids) into the record ``keep`` (an id), all of ``organisation``.

    ``equality_from`` names the record (kept or merged) whose equality answers the kept record is
    to hold when the records' answers differ. ``by=None`` is the system operator at the command
    line; a user needs the subject-access permission for the whole organisation.
    """
    if by is not None:
        if by.organisation_id != organisation.pk:
            raise MergeError("You can only merge records of your own organisation.", status=403)
        require(by, Permission.SUBJECT_ACCESS)
    merge_ids = list(dict.fromkeys(merge))
    if not merge_ids:
        raise MergeError("Name at least one record to merge into the kept one.", field="merge")
    if keep in merge_ids:
        raise MergeError(f"Record {keep} cannot be both kept and merged.", field="merge")
    wanted = [keep, *merge_ids]
    if equality_from is not None and equality_from not in wanted:
        raise MergeError(f"Record {equality_from} is not one of the records being merged.", field="equality_from")
    with transaction.atomic():
        people = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=wanted)}
        missing = [pk for pk in wanted if pk not in people]
        if missing:
            raise MergeError("No professional's record " + ", ".join(map(str, missing)) + ".",
                             field="keep" if keep in missing else "merge")
        elsewhere = [pk for pk in wanted if people[pk].organisation_id != organisation.pk]
        if elsewhere:
            raise MergeError(
                "Record " + ", ".join(map(str, elsewhere)) + f" belongs to another organisation than "
                f"'{organisation.slug}': only records of one organisation can be merged.",
                field="keep" if keep in elsewhere else "merge")
        kept = people[keep]

        records = {e.person_id: e for e in EqualityRecord.objects.select_for_update().filter(person_id__in=wanted)}
        if equality_from is not None and equality_from not in records:
            raise MergeError(f"Record {equality_from} has no equality data to keep.", field="equality_from")
        if equality_from is None and len({_answers(r) for r in records.values()}) > 1:
            # The answers themselves are special-category data: the message names records only.
            raise MergeError(
                "The equality data of records " + ", ".join(map(str, sorted(records)))
                + " differ: choose the record whose answers to keep (--equality-from ID).", field="equality_from")
        # The record whose answers the kept record is to hold, and the record that holds them.
        source = records.get(equality_from) if equality_from is not None else (
            records.get(keep) or next((records[pk] for pk in merge_ids if pk in records), None))
        source_person = source.person_id if source is not None else None
        survivor = records.get(keep)
        removed = [r.pk for r in records.values() if r is not survivor and r is not source]
        if survivor is not None and source is not None and source is not survivor:
            for field in EQUALITY_FIELDS:
                setattr(survivor, field, getattr(source, field))
            survivor.save()
            removed.append(source.pk)
        # Removed first: a person holds one equality record, so the source can then move over.
        EqualityRecord.objects.filter(pk__in=removed).delete()
        if survivor is None and source is not None:
            source.person = kept
            source.save(update_fields=["person", "updated_at"])
            survivor = source

        moved = list(Case.objects.filter(person_id__in=merge_ids).order_by("pk"))
        Case.objects.filter(pk__in=[c.pk for c in moved]).update(person=kept, updated_at=timezone.now())
        Person.objects.filter(pk__in=merge_ids).delete()

        audit.record(
            by=by, action=AuditAction.PERSON_MERGE, obj=kept,
            summary=f"Professional records {', '.join(map(str, merge_ids))} merged into professional record {keep}",
            changes={"merged": merge_ids, "cases": [c.reference for c in moved],
                     "equality_record": survivor.pk if survivor is not None else None,
                     "equality_from": source_person,
                     "equality_records_removed": sorted(removed)},
        )
        for case in moved:
            audit.record(
                by=by, action=AuditAction.PERSON_MERGE, obj=case, case_id=case.pk,
                summary=f"Case {case.reference} moved from professional record {case.person_id} to "
                        f"professional record {keep} (records merged)",
                changes={"person": [case.person_id, keep]},
            )
    return kept
