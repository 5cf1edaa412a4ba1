"""OR-Tools CP-SAT models of the scheduling problems (rotas, timetables, the activity calendar).

The models here only search; every solution they return is judged by the independent
checkers in `services.scheduling.domain`, never by the solver's own report.
"""
