from shared.config import ServiceSettings, service_settings_config


class EvaluationSettings(ServiceSettings):
    model_config = service_settings_config("EVALUATION_")
