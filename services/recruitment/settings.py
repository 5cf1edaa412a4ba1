from shared.config import ServiceSettings, service_settings_config


class RecruitmentSettings(ServiceSettings):
    model_config = service_settings_config("RECRUITMENT_")
