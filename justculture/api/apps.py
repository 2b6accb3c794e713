from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "justculture.api"
    label = "api"
