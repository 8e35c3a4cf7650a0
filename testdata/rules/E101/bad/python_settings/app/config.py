from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    PROJECT_NAME: str
    DATABASE_URL: str
    SECRET_KEY: str  # expect: E101
    SENTRY_DSN: str | None = None
    PAGE_SIZE: int = 50


settings = Settings()
