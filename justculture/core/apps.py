from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Organisations, users, permissions, audit and the pages every user sees."""

    name = "justculture.core"
    label = "core"
    verbose_name = "Core"
