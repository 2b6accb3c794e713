"""The product's URLs plus /bench/trivial/, the web benchmark's baseline (see bench_settings.py).

The trivial view needs a signed-in user like every product page (LoginRequiredMiddleware), so a
request to it pays for the same middleware, session and user look-ups, and nothing more.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from justculture.config import urls as product


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench-trivial"),
    path("", include(product.urlpatterns)),
]

handler403 = product.handler403
handler404 = product.handler404
handler500 = product.handler500
