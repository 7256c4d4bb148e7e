"""Template helpers of the portrait pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key], or None (dict lookups by a variable key in templates)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
