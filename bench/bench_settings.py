"""Settings for serving the app to the web benchmark: the product's settings, plus a URL conf
that adds one trivial view (bench/bench_urls.py). Nothing else differs, so the trivial view runs
through the same middleware, sessions and database as the product's pages.

Used only by bench/web_bench.py (DJANGO_SETTINGS_MODULE=bench.bench_settings, run from the
repository root). The product's own URL conf is not changed.
"""

from justculture.config.settings import *  # noqa: F403 - the product's settings, unchanged

ROOT_URLCONF = "bench.bench_urls"
