"""config/settings.py: settings whose effect is not visible in any one page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.loaders.cached import Loader as CachedLoader


@pytest.mark.parametrize("debug", [False, True])
def test_templates_are_compiled_once_per_process_in_every_mode(debug):
    # Compiling list.html and its partials on every request would cost more than rendering.
    options = {**settings.TEMPLATES[0], "NAME": f"check-{debug}"}
    del options["BACKEND"]
    options["OPTIONS"] = {**options["OPTIONS"], "debug": debug}
    engine = DjangoTemplates(options).engine
    assert engine.debug is debug
    assert [type(loader) for loader in engine.template_loaders] == [CachedLoader]
    served = engines["django"].engine.template_loaders
    assert [type(loader) for loader in served] == [CachedLoader]
