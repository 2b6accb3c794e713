from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """Runs of the just culture guide for one act: answers, rationale, peer views, versions."""

    name = "justculture.assessments"
    label = "assessments"
