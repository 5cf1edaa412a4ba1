"""Recruitment HTTP API: one router per aggregate, all under /api/recruitment."""

from fastapi import APIRouter

from services.recruitment.api import applications

ROUTERS: tuple[APIRouter, ...] = (applications.router,)
