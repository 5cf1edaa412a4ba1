"""Notifications routes: deliveries (filled in by issue 10's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["deliveries"])
