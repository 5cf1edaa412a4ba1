from shared.config import ServiceSettings, service_settings_config


class SchedulingSettings(ServiceSettings):
    model_config = service_settings_config("SCHEDULING_")
