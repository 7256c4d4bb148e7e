"""The REST API of the 三清单: plans, measures, progress, closing and extensions."""

from ninja import Router

router = Router(tags=["整改"])
