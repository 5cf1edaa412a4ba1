"""Scheduling: duty rota, sign-in/handover, timetables, meetings/attendance, activity calendar."""
