"""Settings from the environment or ``.env``; a missing or malformed one names itself."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog import DEFAULT_DATABASE_URL

DEV_SENDER_SECRET = "kaarigar-dev-only"
MIN_SECRET_LENGTH = 32


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias="RASA_URL")
    # Other Rasa servers (sharing RASA_URL's Redis tracker store), tried in order when the one
    # at RASA_URL cannot be reached or dies mid-turn; comma-separated.
    rasa_fallback_urls: str = Field("", validation_alias="KAARIGAR_RASA_FALLBACK_URLS")
    # How long a turn waits for Rasa's answer before the buyer gets the menu instead.
    rasa_timeout: float = Field(10.0, validation_alias="KAARIGAR_RASA_TIMEOUT")
    # A web app's lease on the messages it acknowledged, and the per-buyer lock's expiry:
    # within about this long after a web app dies, another one answers what it had accepted.
    lease_seconds: float = Field(10.0, validation_alias="KAARIGAR_LEASE_SECONDS")
    action_server_port: int = Field(5055, validation_alias="ACTION_SERVER_PORT")
    # The parts run apart (``kaarigar run --only ...``): where each listens and finds its peers.
    action_url: str | None = Field(None, validation_alias="KAARIGAR_ACTION_URL")
    rasa_port: int = Field(5005, validation_alias="KAARIGAR_RASA_PORT")
    bind_host: str | None = Field(None, validation_alias="KAARIGAR_BIND_HOST")
    model: str | None = Field(None, validation_alias="KAARIGAR_MODEL")
    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL"
    )
    twilio_account_sid: str | None = Field(None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str | None = Field(None, validation_alias="TWILIO_WHATSAPP_FROM")
    twilio_api_base_url: str = Field(
        "https://api.twilio.com", validation_alias="TWILIO_API_BASE_URL"
    )
    # Approved WhatsApp template for notifications outside the 24-hour window.
    twilio_notify_content_sid: str | None = Field(
        None, validation_alias="TWILIO_NOTIFY_CONTENT_SID"
    )
    public_base_url: str | None = Field(None, validation_alias="PUBLIC_BASE_URL")
    port: int = Field(8080, validation_alias="KAARIGAR_PORT")
    sender_secret: SecretStr = Field(
        SecretStr(DEV_SENDER_SECRET), validation_alias="KAARIGAR_SENDER_SECRET"
    )
    media_dir: str = Field("var/media", validation_alias="KAARIGAR_MEDIA_DIR")
    log_level: str = Field("INFO", validation_alias="KAARIGAR_LOG_LEVEL")
    # Payments: a gateway in Razorpay's Payment Links shape, Telegram invoices, expiry.
    razorpay_key_id: str | None = Field(None, validation_alias="RAZORPAY_KEY_ID")
    razorpay_key_secret: SecretStr | None = Field(None, validation_alias="RAZORPAY_KEY_SECRET")
    razorpay_webhook_secret: SecretStr | None = Field(
        None, validation_alias="RAZORPAY_WEBHOOK_SECRET"
    )
    razorpay_api_base_url: str = Field(
        "https://api.razorpay.com", validation_alias="RAZORPAY_API_BASE_URL"
    )
    telegram_payment_provider_token: SecretStr | None = Field(
        None, validation_alias="TELEGRAM_PAYMENT_PROVIDER_TOKEN"
    )
    payment_timeout_hours: float = Field(24.0, gt=0, validation_alias="KAARIGAR_PAYMENT_TIMEOUT")

    @property
    def rasa_urls(self) -> list[str]:
        """RASA_URL, then the fallbacks."""
        return [self.rasa_url, *(u for u in self.rasa_fallback_urls.split(",") if u)]

    @property
    def gateway(self) -> bool:
        """A payment-link gateway is configured (key id and secret)."""
        return bool(self.razorpay_key_id and self.razorpay_key_secret)

    @property
    def secrets(self) -> list[str]:
        """Every secret value set, for the logs to blank out."""
        values = [v for v in vars(self).values() if isinstance(v, SecretStr)]
        return [v.get_secret_value() for v in values if v.get_secret_value()]

    @field_validator("database_url")
    @classmethod
    def _db_scheme(cls, v: str) -> str:
        if not v.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://")
        return v or None

    @field_validator(
        "rasa_url",
        "action_url",
        "telegram_api_base_url",
        "twilio_api_base_url",
        "public_base_url",
        "razorpay_api_base_url",
    )
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v.rstrip("/") if v else v

    @field_validator("rasa_fallback_urls")
    @classmethod
    def _http_list(cls, v: str) -> str:
        urls = [u.strip().rstrip("/") for u in v.split(",") if u.strip()]
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"must be comma-separated http:// or https:// URLs, not {url!r}")
        return ",".join(urls)

    @field_validator("rasa_timeout")
    @classmethod
    def _rasa_timeout(cls, v: float) -> float:
        if not 1 <= v <= 300:
            raise ValueError("must be seconds between 1 and 300")
        return v

    @field_validator("lease_seconds")
    @classmethod
    def _lease(cls, v: float) -> float:
        if not 1 <= v <= 300:
            raise ValueError(
                "must be seconds between 1 and 300 (how soon another web app takes over the "
                "messages of one that died; renewed every third of it)"
            )
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return v.upper()

    @field_validator("port", "rasa_port", "action_server_port")
    @classmethod
    def _port(cls, v: int) -> int:
        if not 0 <= v <= 65535:
            raise ValueError("must be a port number (0-65535)")
        return v


_ALIASES = {name: f.validation_alias for name, f in Settings.model_fields.items()}


def load(**overrides: object) -> Settings:
    """Read settings, turning pydantic's errors into one line per bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            lines.append(f"{_ALIASES.get(name, name)}: {err['msg']}")
        raise SettingsError("bad setting: " + "; ".join(lines)) from None
    _check_sender_secret(settings)
    return settings


def _check_sender_secret(settings: Settings) -> None:
    """With real buyers (a platform token) the pseudonym key must be secret and long: anyone
    who knows it turns a pseudonym back into a phone number by trying numbers."""
    if not (settings.telegram_bot_token or settings.twilio_auth_token):
        return
    secret = settings.sender_secret.get_secret_value()
    if secret == DEV_SENDER_SECRET or len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(
            "KAARIGAR_SENDER_SECRET: set a random value of at least "
            f"{MIN_SECRET_LENGTH} characters when TELEGRAM_BOT_TOKEN or TWILIO_AUTH_TOKEN is set "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


def check_channels(settings: Settings, telegram_polling: bool) -> None:
    """Refuse to start half-configured channels; the message names the variable."""
    if (
        settings.telegram_bot_token
        and not telegram_polling
        and not settings.telegram_webhook_secret
    ):
        raise SettingsError("TELEGRAM_WEBHOOK_SECRET: required for the Telegram webhook")
    twilio = [
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_whatsapp_from,
    ]
    if any(twilio):
        for name, value in zip(
            ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM"), twilio, strict=True
        ):
            if not value:
                raise SettingsError(f"{name}: required when WhatsApp is configured")
        if not settings.public_base_url:
            raise SettingsError("PUBLIC_BASE_URL: required to check Twilio signatures")
