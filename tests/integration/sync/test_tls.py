"""Certificates: the client trusts the index only when a configured authority vouches for it.

The index runs with HTTPS, its certificate issued by a throwaway certificate authority
made for this test. A client told to trust that authority (``ca_bundle``, as a
deployment would configure) signs in and syncs; one left with the system's trust store
refuses to talk to it, and sends nothing.
"""

from __future__ import annotations

import ipaddress
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.sync.errors import SyncError
from tests.integration.sync.conftest import DeviceFactory
from tests.integration.sync.world import FAST_RETRIES, World, utcnow
from tests.support.live_server import LiveServer


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for 127.0.0.1 it issued: (certificate, key, CA bundle)."""
    start, end = utcnow() - timedelta(days=1), utcnow() + timedelta(days=2)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Everychild test CA"))
        .issuer_name(_name("Everychild test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "server.pem", folder / "server.key", folder / "ca.pem"
    paths[0].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(_pem_key(key))
    paths[2].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return paths


@pytest.fixture
def https_index(index_template: Path, tmp_path: Path) -> Iterator[tuple[LiveServer, World, Path]]:
    folder = tmp_path / "https-index"
    folder.mkdir()
    shutil.copyfile(index_template, folder / "index.db")
    tls = _certificates(folder)
    url = f"sqlite:///{folder / 'index.db'}"
    with LiveServer(url, folder / "server.log", tls=tls) as server:
        world = World(url, server.url)
        try:
            yield server, world, tls[2]
        finally:
            world.close()


def test_the_client_trusts_the_index_only_through_the_configured_authority(
    https_index: tuple[LiveServer, World, Path], device: DeviceFactory
) -> None:
    server, world, ca_bundle = https_index
    pat = world.staff()
    caseload = world.children(pat, 2)

    with pytest.raises(SyncError) as refused:
        device(pat, server_url=server.url)
    assert refused.value.code == "tls_error"

    trusted = device(
        pat, server_url=server.url, settings=replace(FAST_RETRIES, ca_bundle=ca_bundle)
    )
    report = trusted.engine.sync_now()

    assert report.digest_matched
    assert {row.index_id for row in trusted.cache.caseload()} == set(caseload)
