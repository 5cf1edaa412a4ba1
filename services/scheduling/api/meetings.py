"""Scheduling API: meetings (arrives with issue 8)."""

from fastapi import APIRouter

router = APIRouter()
