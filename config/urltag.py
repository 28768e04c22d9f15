"""`{% url %}` as Django's, with the URL of a name that takes no arguments worked out once.

Every page prints a dozen such links (the top bar, the list's forms and print links) and
`reverse()` costs ~30 us of CPU each time, the same answer for the same name, URLconf, script
prefix, language and current app: those five are the memo's key. Names with arguments, and
names that do not reverse, go through Django's tag unchanged. A template builtin
(settings.TEMPLATES), so it takes the place of Django's `url` in every template.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

# Distinct (name, URLconf, prefix, language, app) keys kept per process: a handful in practice.
MAX_MEMO = 1024
_urls: dict[tuple, str] = {}


class MemoURLNode(URLNode):
    def render(self, context) -> str:
        if self.args or self.kwargs:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (
            view_name,
            get_urlconf() or settings.ROOT_URLCONF,
            get_script_prefix(),
            get_language(),
            current_app,
        )
        url = _urls.get(key)
        if url is None:
            try:
                url = reverse(view_name, current_app=current_app)
            except NoReverseMatch:
                return super().render(context)
            if len(_urls) < MAX_MEMO:
                _urls[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token) -> MemoURLNode:
    node = django_url(parser, token)
    return MemoURLNode(node.view_name, node.args, node.kwargs, node.asvar)
