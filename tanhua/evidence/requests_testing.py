"""Test helpers of material requests: a request of a world's campaign addressed to units,
and a submission with files, made through the services (so they are audited as in use)."""

from __future__ import annotations

import datetime as dt

from tanhua.evidence import requests as services
from tanhua.evidence.models import MaterialRequest, MaterialRequestUnit


def make_request(campaign, units, *, title="请报送2025年度综合考核材料", deadline=None,
                 created_by=None) -> MaterialRequest:  # fmt: skip
    req = MaterialRequest.objects.create(
        campaign=campaign,
        title=title,
        description="请报送综合考核结果及相关说明材料。",
        deadline=deadline or dt.date(2026, 5, 1),
        created_by=created_by,
    )
    MaterialRequestUnit.objects.bulk_create(
        [MaterialRequestUnit(request=req, organization=u) for u in units]
    )
    return req


def submit(user, req, *files, note="见附件"):
    from tanhua.files.testing import docx_bytes

    files = files or (("考核说明.docx", docx_bytes("东城市委考核说明")),)
    return services.submit_materials(actor=user, request=req, note=note, files=list(files))
