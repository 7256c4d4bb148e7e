"""Access-matrix entries of evidence's later pages (attachments' upload pages, closing a
material request), merged into tanhua.core.access_matrix."""

from __future__ import annotations

ENTRIES: dict = {}
API_ENTRIES: dict = {}
