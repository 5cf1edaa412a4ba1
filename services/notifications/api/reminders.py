"""Notifications routes: reminders (filled in by issue 10's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["reminders"])
