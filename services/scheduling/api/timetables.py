"""Scheduling API: timetables (arrives with issue 8)."""

from fastapi import APIRouter

router = APIRouter()
