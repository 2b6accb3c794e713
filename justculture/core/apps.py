from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Organisations, users, permissions, audit and the pages every user sees."""

    name = "justculture.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Registers our system checks (run by `justculture check`, and with --deploy).
        from justculture.core import security  # noqa: F401
