"""Evaluation HTTP API: its routes arrive with its issue; health and metrics are the kernel's."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/evaluation", tags=["evaluation"])
