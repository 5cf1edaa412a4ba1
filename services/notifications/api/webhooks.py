"""Notifications routes: webhooks (filled in by issue 10's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["webhooks"])
