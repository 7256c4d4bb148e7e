"""Showing audited values as the JSON they are stored as, not as Python reprs."""

import json

from django import template

register = template.Library()


@register.filter
def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
