"""The REST API of tracking: the board, the 三查三问 view and look-backs."""

from ninja import Router

router = Router(tags=["整改跟踪"])
