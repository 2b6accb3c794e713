from django.apps import AppConfig


class ActionsConfig(AppConfig):
    """Support actions for the individual and system-learning actions for the organisation."""

    name = "justculture.actions"
    label = "actions"
