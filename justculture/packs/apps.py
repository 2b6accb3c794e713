from django.apps import AppConfig


class PacksConfig(AppConfig):
    """The documentation pack for a regulator: PDF, JSON and zip with the evidence."""

    name = "justculture.packs"
    label = "packs"
