from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Incidents, cases about one professional, acts, contextual factors and evidence."""

    name = "justculture.cases"
    label = "cases"
