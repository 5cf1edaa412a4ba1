"""Recruitment HTTP API: one router per aggregate, all under /api/recruitment."""

from fastapi import APIRouter

from services.recruitment.api import (
    applications,
    beneficiaries,
    campaigns,
    corps,
    dropouts,
    intake,
    memberships,
    pairing,
    teams,
)

ROUTERS: tuple[APIRouter, ...] = (
    campaigns.router,
    applications.router,
    intake.router,
    teams.router,
    corps.router,
    memberships.router,
    beneficiaries.router,
    dropouts.router,
    pairing.router,
)
