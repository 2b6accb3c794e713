"""Every action the audit log can record: the one list, with a title for people to read.

``core.audit.record`` refuses any action that is not listed here, so the log holds only these
values. The values are the strings stored in ``AuditEvent.action`` (the auditor searches and
exports by them); the titles are what pages, downloads and documents show. Nothing ever works out
what happened from an event's summary.

To add an action: add a member here (its value is stored for ever, so choose it with care; its
title can be reworded at any time) and the row in the table of docs/audit.md
(``python -m justculture.core.audit_actions`` prints the table).
"""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    # Organisations, people who sign in, and access
    ORGANISATION_CREATE = "organisation.create", "Organisation created"
    TEAM_CREATE = "team.create", "Team created"
    USER_CREATE = "user.create", "User created"
    USER_SET_PASSWORD = "user.set-password", "Password set"
    SIGN_IN = "sign-in", "Signed in"
    SIGN_IN_FAILED = "sign-in.failed", "Sign-in failed"
    SIGN_IN_LOCKED = "sign-in.locked", "Sign-in locked after repeated failures"
    TWO_FACTOR_SET_UP = "two-factor.set-up", "Authenticator app set up"
    TWO_FACTOR_USED = "two-factor.used", "Two-factor code accepted"
    TWO_FACTOR_REMOVED = "two-factor.removed", "Authenticator app removed"
    API_TOKEN_CREATE = "api-token.create", "API token created"
    API_TOKEN_REVOKE = "api-token.revoke", "API token revoked"
    # Incidents, professionals and cases
    INCIDENT_CREATE = "incident.create", "Incident recorded"
    INCIDENT_IMPORT = "incident.import", "Incidents imported"
    PERSON_CREATE = "person.create", "Professional's record created"
    PERSON_MERGE = "person.merge", "Professional's records merged"
    CASE_OPEN = "case.open", "Case opened"
    CASE_UPDATE = "case.update", "Concern changed"
    CASE_STATUS = "case.status", "Case status changed"
    ACT_CREATE = "act.create", "Act added"
    ACT_UPDATE = "act.update", "Act changed"
    # Contextual factors and evidence
    ORGANISATION_FACTOR_CREATE = "organisation-factor.create", "Organisation's own contextual factor added"
    FACTOR_RECORD = "factor.record", "Contextual factor recorded"
    EVIDENCE_UPLOAD = "evidence.upload", "Evidence uploaded"
    EVIDENCE_DOWNLOAD = "evidence.download", "Evidence downloaded"
    SPECIAL_CATEGORY_VIEW = "special-category.view", "Special-category data viewed"
    # Assessments with the guide
    ASSESSMENT_START = "assessment.start", "Assessment started"
    ASSESSMENT_ANSWER = "assessment.answer", "Guide question answered"
    ASSESSMENT_COMPLETE = "assessment.complete", "Assessment completed"
    ASSESSMENT_REVISIT = "assessment.revisit", "Assessment revisited"
    ASSESSMENT_PEER_VIEW = "assessment.peer-view", "Peer view recorded"
    ASSESSMENT_PEER_VIEW_REMOVE = "assessment.peer-view-remove", "Peer view removed"
    # Decisions and referral
    DECISION_RECORD = "decision.record", "Decision recorded"
    REFERRAL_CONSIDERATIONS = "referral.considerations", "Referral considerations saved"
    ADVICE_RECORD = "advice.record", "Advice recorded"
    REGULATOR_CONTACT = "regulator.contact", "Regulator referral details saved"
    # Actions
    ACTION_CREATE = "action.create", "Action added"
    ACTION_UPDATE = "action.update", "Action changed"
    ACTION_STATUS = "action.status", "Action status changed"
    ACTIONS_REMINDER = "actions.reminder", "Overdue actions reminder e-mailed"
    # Documentation packs
    PACK_REQUEST = "pack.request", "Documentation pack asked for"
    PACK_GENERATE = "pack.generate", "Documentation pack created"
    PACK_PATIENT_DETAILS_INCLUDED = "pack.patient-details-included", "Patient details included in a pack"
    PACK_FAILED = "pack.failed", "Documentation pack could not be made"
    PACK_DOWNLOAD = "pack.download", "Documentation pack downloaded"
    PACK_EXPIRED = "pack.expired", "Documentation pack file deleted"
    # Equality data, fairness and insights
    EQUALITY_SAVE = "equality.save", "Equality data saved"
    EQUALITY_VIEW = "equality.view", "Equality data viewed"
    WORKFORCE_IMPORT = "workforce.import", "Workforce figures imported"
    FAIRNESS_VIEW = "fairness.view", "Fairness figures viewed"
    INSIGHTS_DOWNLOAD = "insights.download", "Insights figures downloaded"
    # Retention
    RETENTION_PERIOD = "retention.period", "Retention period changed"
    RETENTION_ERASE = "retention.erase", "Record erased at the end of its retention period"
    RETENTION_RUN = "retention.run", "Retention run"
    # The audit log itself
    AUDIT_VIEW = "audit.view", "Audit log searched"
    AUDIT_EXPORT = "audit.export", "Audit log exported"


def action_title(value: str) -> str:
    """The title of a stored action; the stored value itself if the list no longer has it."""
    try:
        return str(AuditAction(value).label)
    except ValueError:
        return value


def markdown_table() -> str:
    """The actions as the Markdown table in docs/audit.md (a test keeps the two the same)."""
    lines = ["| Action | Title |", "| --- | --- |"]
    lines += [f"| `{action.value}` | {action.label} |" for action in AuditAction]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a helper for keeping the docs up to date
    print(markdown_table())
