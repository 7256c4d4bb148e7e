"""Form widgets for naming registry objects."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html


class OrganizationCodeInput(forms.TextInput):
    """A code field with a searchable picker: as the user types, htmx fills a <datalist> with
    the organizations in their scope matching the name or code (org:pick). The value stays a
    plain code, so the form works without JavaScript too."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        list_id = f"{widget_attrs.get('id') or name}-options"
        widget_attrs.update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": reverse("org:pick"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
            }
        )
        context["widget"]["list_id"] = list_id
        return context

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        list_id = self.get_context(name, value, attrs)["widget"]["list_id"]
        return format_html('{}<datalist id="{}"></datalist>', html, list_id)
