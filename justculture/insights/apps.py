from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Learning across cases: recurring contextual factors, outcomes, system actions and hotspots."""

    name = "justculture.insights"
    label = "insights"
