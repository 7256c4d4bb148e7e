"""Messages of the registry that more than one entry point must word exactly alike."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# A code that is taken: one answer, on import, pages and API, whether the code is in the
# caller's scope, out of it, above their clearance or declared (回避). It quotes nothing
# stored, so it confirms nothing; varying it would turn uniqueness into an existence oracle.
CODE_UNAVAILABLE = _("该编码不可使用，请换一个编码")
