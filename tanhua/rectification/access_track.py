"""Access-matrix entries of this app's pages and API operations (merged into
tanhua.core.access_matrix)."""

from __future__ import annotations

ENTRIES: dict = {}
API_ENTRIES: dict = {}
