"""Service settings, from ``STORYGRAPH_*`` environment variables (and ``DATABASE_URL``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_seeds() -> Path:
    """The seed stories: inside the installed wheel (``app/seeds``), else the checkout's ``seeds/``."""
    here = Path(__file__).resolve().parent
    packaged = here / "seeds"
    return packaged if packaged.is_dir() else here.parent / "seeds"


REPO_SEEDS = _default_seeds()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STORYGRAPH_", populate_by_name=True, extra="ignore")

    # Any SQLAlchemy URL; the plain DATABASE_URL (as set by most hosts) also counts.
    database_url: str = Field(
        default="sqlite:///storygraph.db",
        validation_alias=AliasChoices("STORYGRAPH_DATABASE_URL", "DATABASE_URL"),
    )
    seeds_dir: Path = REPO_SEEDS
    # "*" or a comma-separated list of origins (a JSON list works too).
    cors_origins: Annotated[list[str], NoDecode] = ["*"]
    seed_on_empty: bool = True
    # Cache-Control max-age of GET answers; 0 makes clients revalidate (cheap: a 304).
    cache_max_age: int = Field(default=0, ge=0)
    # How often each process checks whether another one changed the stored graph (seconds).
    reload_check_seconds: float = Field(default=0.25, ge=0)
    # Worker processes `storygraph serve` starts (its --workers overrides); >1 wants PostgreSQL.
    workers: int = Field(default=1, ge=1)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value

    # SPARQL (GET/POST /v1/sparql): a query is stopped after this many seconds,
    # and answers at most this many rows (or triples), flagged as truncated.
    sparql_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    sparql_max_rows: int = Field(default=10_000, ge=1, le=1_000_000)

    # Writes (POST/PUT/DELETE /v1/articles, merges) need "Authorization: Bearer <token>" with one of these
    # tokens: comma-separated, each "secret" or "name:secret" (the name is recorded on merges). The file
    # holds one per line, '#' starts a comment. No token at all: writes are disabled (403). See app/auth.py.
    api_tokens: SecretStr | None = None
    api_tokens_file: Path | None = None
    # Request bodies larger than this are refused with 413 while they are read.
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1)
    # A path plus query string longer than this is refused with 414 (app/urllimit.py).
    max_url_bytes: int = Field(default=8192, ge=256)

    @field_validator("api_tokens_file")
    @classmethod
    def _tokens_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"STORYGRAPH_API_TOKENS_FILE: no file at {value}")
        return value
