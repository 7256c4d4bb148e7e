"""Messages of the registry that must read the same on every path (import, pages, API)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# A code is unique, so "this code is taken" must be said; it is said with this one line,
# which never quotes or confirms a stored field, whether the holder is out of the user's
# scope, above their clearance or a cadre they declared 回避 on.
CODE_UNAVAILABLE = _("该编码不可使用")
