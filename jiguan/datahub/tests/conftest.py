import pytest


@pytest.fixture(autouse=True)
def _private_store(settings, tmp_path):
    """Every test gets its own analytical store and media folder."""
    settings.DATAHUB_ROOT = tmp_path / "datahub"
    settings.MEDIA_ROOT = tmp_path / "media"
