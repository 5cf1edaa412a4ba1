"""Evaluation's event consumers: recruitment's project teams become expected reports;
scheduling's duty and meeting records become staff-assessment facts."""

from services.evaluation.consumers.reports import REPORT_CONSUMERS
from services.evaluation.consumers.staff import STAFF_CONSUMERS
from shared.messaging.consumer import EventConsumer

CONSUMERS: tuple[EventConsumer, ...] = (*REPORT_CONSUMERS, *STAFF_CONSUMERS)
