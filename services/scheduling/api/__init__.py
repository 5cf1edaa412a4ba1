"""Scheduling HTTP API: one router per aggregate, all under /api/scheduling."""

from fastapi import APIRouter

from services.scheduling.api import (
    activities,
    desk,
    feeds,
    incidents,
    jobs,
    meetings,
    members,
    rotas,
    timetables,
)

ROUTERS: tuple[APIRouter, ...] = (
    members.router,
    jobs.router,
    rotas.router,
    desk.router,
    timetables.router,
    meetings.router,
    activities.router,
    incidents.router,
    feeds.router,
)
