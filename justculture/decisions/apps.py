from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    """The decision on a case, referral considerations, advice taken and regulators."""

    name = "justculture.decisions"
    label = "decisions"
