import pytest

from brickyard.api.security import host_without_port, is_loopback
from brickyard.api.server import check_bind
from brickyard.domain.errors import AuthError


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST."]
)
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["evil.example", "0.0.0.0", "10.0.0.1", "localhost.evil.example", ""]
)
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("127.0.0.1:8585", "127.0.0.1"),
        ("[::1]:8585", "[::1]"),
        ("localhost", "localhost"),
        ("::1", "::1"),
    ],
)
def test_host_header_port_is_dropped(header: str, host: str) -> None:
    assert host_without_port(header) == host


def test_binding_a_public_address_requires_auth() -> None:
    check_bind("127.0.0.1", auth=False)
    check_bind("0.0.0.0", auth=True)
    with pytest.raises(AuthError, match=r"auth = true"):
        check_bind("0.0.0.0", auth=False)
