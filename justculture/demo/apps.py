from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "justculture.demo"
    label = "demo"
    verbose_name = "Demo data"
