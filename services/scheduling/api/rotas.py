"""Scheduling API: rotas (arrives with issue 8)."""

from fastapi import APIRouter

router = APIRouter()
