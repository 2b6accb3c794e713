"""The REST API: one NinjaAPI with token authentication and JSON errors, mounted at /api/.

Endpoints are thin: they scope reads with the apps' selectors and write through their services
(which check permissions and write the audit log). See docs/api.md and docs/adr/.
"""

from __future__ import annotations

from ninja import NinjaAPI

from justculture.api import actions, assessments, cases, decisions, errors, figures
from justculture.api.auth import TokenAuth

api = NinjaAPI(
    title="justculture API",
    version="1",
    description=(
        "Cases, people, incidents, contextual factors, guide assessments, decisions, actions, and the "
        "insights and fairness figures, with the same permissions and organisation scoping as the web "
        "service. Authenticate with `Authorization: Bearer <token>` (create one with `justculture token "
        "create USERNAME`). Errors are JSON: {\"message\": ..., \"field\": ...}."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    # The interactive page (Swagger UI) is served from ninja's bundled files ("ninja" is in
    # INSTALLED_APPS): no CDN, and it runs under the strict Content-Security-Policy unchanged.
    docs_url="/docs",
)

for module in (cases, assessments, decisions, actions, figures):
    api.add_router("", module.router)

errors.install(api, body_params={"payload"})
