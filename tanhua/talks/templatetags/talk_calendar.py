"""`{% cal_url base keep view=… week=… %}`: a calendar link that keeps the page's filters."""

import datetime as dt
from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag
def cal_url(base: str, keep: dict, **params) -> str:
    query = dict(keep or {})
    for key, value in params.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        if value:
            query[key] = value
    return f"{base}?{urlencode(query)}" if query else base
