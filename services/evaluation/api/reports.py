"""Evaluation routes: reports (filled in by issue 9's work)."""

from fastapi import APIRouter

from services.evaluation.api.common import PREFIX

router = APIRouter(prefix=PREFIX, tags=["reports"])
