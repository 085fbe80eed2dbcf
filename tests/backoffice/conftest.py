from tests.matching.conftest import make_structure, make_tender  # noqa: F401 - shared fixtures
