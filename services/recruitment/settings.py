from cryptography.fernet import Fernet
from pydantic import Field, SecretStr

from services.recruitment.crypto import ContactCardCipher, cipher_for
from shared.config import (
    LOCAL_BENEFICIARY_INDEX_KEY,
    LOCAL_BENEFICIARY_KEY,
    ServiceSettings,
    service_settings_config,
)


class RecruitmentSettings(ServiceSettings):
    model_config = service_settings_config("RECRUITMENT_")

    # Comma-separated Fernet keys for children's contact cards: the first encrypts,
    # all decrypt (add a new key first, rotate, then drop the old one).
    beneficiary_keys: SecretStr = Field(description="comma-separated Fernet keys, newest first")
    # Key of the blind index that finds a child registered twice; it does not rotate.
    beneficiary_index_key: SecretStr = Field(min_length=32)

    @property
    def beneficiary_key_list(self) -> tuple[str, ...]:
        raw = self.beneficiary_keys.get_secret_value()
        return tuple(key.strip() for key in raw.split(",") if key.strip())

    def model_post_init(self, __context: object) -> None:
        super().model_post_init(__context)
        keys = self.beneficiary_key_list
        if not keys:
            raise ValueError("beneficiary_keys needs at least one key")
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key.encode())
            except ValueError as exc:  # fail at start-up, not at the first child read
                raise ValueError(f"beneficiary_keys: key {position} is not a Fernet key") from exc
        if self.environment == "production" and (
            LOCAL_BENEFICIARY_KEY in keys
            or self.beneficiary_index_key.get_secret_value() == LOCAL_BENEFICIARY_INDEX_KEY
        ):
            raise ValueError("the local development beneficiary keys may not be used in production")

    @property
    def contact_card_cipher(self) -> ContactCardCipher:
        return cipher_for(self.beneficiary_key_list, self.beneficiary_index_key.get_secret_value())
