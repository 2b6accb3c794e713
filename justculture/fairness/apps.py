from django.apps import AppConfig


class FairnessConfig(AppConfig):
    """Equality data, workforce figures and the fairness and consistency measures."""

    name = "justculture.fairness"
    label = "fairness"
