"""Evaluation HTTP API: one router per aggregate, all under /api/evaluation/colleges/{college}."""

from fastapi import APIRouter

from services.evaluation.api import (
    awards,
    credits,
    grades,
    integrity,
    reports,
    reviews,
    seasons,
    staff,
)

ROUTERS: tuple[APIRouter, ...] = (
    seasons.router,
    reports.router,
    integrity.router,
    reviews.router,
    grades.router,
    awards.router,
    credits.router,
    staff.router,
)
