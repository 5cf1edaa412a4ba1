"""Scheduling API: feeds (arrives with issue 8)."""

from fastapi import APIRouter

router = APIRouter()
