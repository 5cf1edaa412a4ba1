from pathlib import Path

from pydantic import Field

from shared.config import ServiceSettings, service_settings_config

# Room for the multipart envelope around an upload (boundaries, part headers, file name).
MULTIPART_ENVELOPE_BYTES = 64 * 1024


class EvaluationSettings(ServiceSettings):
    model_config = service_settings_config("EVALUATION_")

    # --- submissions: an uploaded PDF or DOCX, or text, and what is kept of it ---
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # The request around an upload: the file plus its multipart envelope.
    max_body_bytes: int = Field(default=10 * 1024 * 1024 + MULTIPART_ENVELOPE_BYTES, ge=1024)
    report_max_characters: int = Field(default=200_000, ge=100)
    # A PDF whose pages give fewer characters than this is a scan without a text layer.
    pdf_min_text_characters: int = Field(default=50, ge=1)
    # Where an uploaded file's bytes are kept: in PostgreSQL (None, the default) or in this
    # directory, named by their SHA-256 (repository/files.py). The version's text and hash
    # stay in PostgreSQL either way. Every replica must see the same directory.
    files_dir: Path | None = None

    # --- the similarity gate (defaults; a season sets its own threshold) ---
    similarity_default_threshold: float = Field(default=0.08, gt=0, le=1)
    # A fingerprint found in more than this share of a season's indexed reports (or in
    # more than `similarity_common_min_reports` of them) is common phrasing: ignored.
    similarity_common_share: float = Field(default=0.05, gt=0, le=1)
    similarity_common_min_reports: int = Field(default=20, ge=2)
    similarity_max_sources: int = Field(default=10, ge=1, le=50)

    # --- committee review ---
    default_reviews_per_report: int = Field(default=2, ge=1, le=10)
    default_reviewer_load: int = Field(default=20, ge=1)

    def model_post_init(self, __context: object) -> None:
        super().model_post_init(__context)
        if self.max_body_bytes < self.upload_max_bytes + MULTIPART_ENVELOPE_BYTES:
            # else a file just under its limit is refused as too large (its envelope added)
            raise ValueError(
                "max_body_bytes must hold an upload of upload_max_bytes and its multipart "
                f"envelope ({MULTIPART_ENVELOPE_BYTES} bytes more)"
            )
        if self.files_dir is not None and not self.files_dir.is_absolute():
            raise ValueError(f"files_dir must be an absolute path, not {self.files_dir}")
