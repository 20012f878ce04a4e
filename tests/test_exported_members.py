"""The public surface of ``fhir_werk`` is exactly what ``__all__`` lists, pinned as httpx pins its own."""

import fhir_werk


def test_all_names_are_exported_and_nothing_public_is_missing() -> None:
    public = {name for name in dir(fhir_werk) if not name.startswith("_")}
    # Subpackages show up as attributes once imported; they are not part of the flat surface.
    public -= {"adapters", "authoring", "cli", "questionnaires"}
    assert public == set(fhir_werk.__all__)
    assert all(getattr(fhir_werk, name) is not None for name in fhir_werk.__all__)
