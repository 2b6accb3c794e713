from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "justculture.imports"
    label = "imports"
