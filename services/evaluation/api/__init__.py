"""Evaluation HTTP API: one router per aggregate under /api/evaluation (they arrive with its issue;
health, readiness and metrics are the kernel's)."""

from fastapi import APIRouter

ROUTERS: tuple[APIRouter, ...] = ()
