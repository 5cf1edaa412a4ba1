from pydantic import Field, SecretStr

from shared.config import ServiceSettings, service_settings_config

# Only for the local stack and tests; production must set SCHEDULING_DESK_CODE_SECRET.
LOCAL_DESK_CODE_SECRET = "campusflow-local-duty-desk-code-secret-not-for-production"


class SchedulingSettings(ServiceSettings):
    model_config = service_settings_config("SCHEDULING_")

    # --- solve jobs: size limits of one problem, time limits, the worker process pool ---
    solve_max_staff: int = Field(default=3000, ge=1)
    solve_max_shifts: int = Field(default=1000, ge=1)
    solve_max_days: int = Field(default=62, ge=1)
    solve_max_lessons: int = Field(default=20_000, ge=1)
    solve_max_activities: int = Field(default=1000, ge=1)
    solve_default_time_limit_s: float = Field(default=30.0, gt=0)
    solve_max_time_limit_s: float = Field(default=300.0, gt=0)
    solve_workers: int = Field(default=1, ge=1, le=32)
    # A claimed job whose heartbeat is older than this is taken over by another replica.
    solve_claim_timeout_s: float = Field(default=30.0, gt=0)
    # A rota repair (a member withdrew or got leave) runs inline with this limit.
    repair_time_limit_s: float = Field(default=2.0, gt=0, le=60)

    # --- duty desk: the rotating sign-in code, the check-in window, no-shows ---
    desk_code_secret: SecretStr = SecretStr(LOCAL_DESK_CODE_SECRET)
    desk_code_rotation_s: int = Field(default=60, ge=5, le=3600)
    checkin_early_min: int = Field(default=15, ge=0, le=240)
    checkin_grace_min: int = Field(default=10, ge=0, le=240)

    def model_post_init(self, __context: object) -> None:
        super().model_post_init(__context)
        if self.environment == "production" and (
            self.desk_code_secret.get_secret_value() == LOCAL_DESK_CODE_SECRET
        ):
            raise ValueError("the local duty desk code secret may not be used in production")
        if self.solve_default_time_limit_s > self.solve_max_time_limit_s:
            raise ValueError("solve_default_time_limit_s exceeds solve_max_time_limit_s")
