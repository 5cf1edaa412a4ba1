"""Evaluation's event consumers: recruitment's project teams become expected reports;
scheduling's duty and meeting records become staff-assessment facts."""

from services.evaluation.report_consumers import REPORT_CONSUMERS
from services.evaluation.staff_consumers import STAFF_CONSUMERS
from shared.messaging.consumer import EventConsumer

CONSUMERS: tuple[EventConsumer, ...] = (*REPORT_CONSUMERS, *STAFF_CONSUMERS)
