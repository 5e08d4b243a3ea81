from fastapi.testclient import TestClient

from app.domain.roles import Role
from tests.integration.server.conftest import Users, sign_in


def test_a_user_signs_in_and_gets_a_device_policy(api: TestClient, users: Users) -> None:
    users.create("hv-one", Role.PRACTITIONER)
    headers = sign_in(api, "hv-one")
    assert headers["Authorization"].startswith("Bearer ")
