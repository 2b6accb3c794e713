from tests.api.conftest import ApiClient, api_for, handler_api  # noqa: F401  (shared API fixtures)

__all__ = ["ApiClient"]
