from shared.config import ServiceSettings, service_settings_config


class NotificationsSettings(ServiceSettings):
    model_config = service_settings_config("NOTIFICATIONS_")
