from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "justculture.retention"
    label = "retention"
