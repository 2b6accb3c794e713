from django.apps import AppConfig


class FactorsConfig(AppConfig):
    """The contextual-factor taxonomy and an organisation's own additional factors."""

    name = "justculture.factors"
    label = "factors"
