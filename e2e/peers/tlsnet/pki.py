"""A throw-away PKI for TLS tests: one trusted test root, one untrusted root, and server leaves
that fail (or pass) verification in one way each.

    from tlsnet.pki import make_pki
    pki = make_pki("/tmp/dir")      # PEM files in /tmp/dir; paths on the returned object
    pki.ca                          # the test root CA's certificate: the bundle to trust
    pki.leaves["good"].cert, .key   # leaf for sts.awsmfa-test.invalid signed by the test CA

Leaf kinds (all ECDSA P-256, SHA-256, serverAuth, the name in subjectAltName):
  good       HOST, signed by the test CA, valid now
  expired    HOST, signed by the test CA, validity ended EXPIRED_DAYS_AGO days ago
  wrongname  OTHER_HOST only, signed by the test CA, valid now
  untrusted  HOST, signed by the second ("rogue") CA that no bundle of the tests trusts
Other files: rogue_ca.pem (the second CA: a bundle that trusts the wrong root), both_cas.pem
(test CA + rogue CA: a bundle of two certificates), not_pem.pem (text that is not PEM).
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

HOST = "sts.awsmfa-test.invalid"
OTHER_HOST = "other.awsmfa-test.invalid"
PLAIN_HOST = "plain.awsmfa-test.invalid"
ALL_HOSTS = (HOST, OTHER_HOST, PLAIN_HOST)
EXPIRED_DAYS_AGO = 3


@dataclass
class Leaf:
    kind: str
    host: str
    cert: str          # PEM path, the leaf alone
    key: str           # PEM path, unencrypted PKCS#8


@dataclass
class PKI:
    dir: str
    ca: str            # the test root: what AWS_CA_BUNDLE / ca_bundle point at to succeed
    rogue_ca: str      # the untrusted root (signs the "untrusted" leaf)
    both_cas: str      # ca + rogue_ca in one bundle (2 certificates)
    not_pem: str       # a file that is not a PEM bundle
    leaves: dict[str, Leaf] = field(default_factory=dict)


def _names():
    from cryptography.x509.oid import NameOID
    return NameOID


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key):
    from cryptography.hazmat.primitives import serialization
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(path, 0o600)


def _pem(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return cert.public_bytes(serialization.Encoding.PEM)


def _root(common_name: str, now: datetime.datetime):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    NameOID = _names()
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "awsmfa tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(host: str, issuer_cert, issuer_key, not_before, not_after):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID
    NameOID = _names()
    key = _key()
    ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(issuer_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=True, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                           critical=False)
            .sign(issuer_key, hashes.SHA256()))
    return cert, key


def make_pki(directory: str) -> PKI:
    """Writes the PKI's PEM files into `directory` (created if needed) and returns their paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    day = datetime.timedelta(days=1)
    ca_cert, ca_key = _root("awsmfa test root CA", now)
    rogue_cert, rogue_key = _root("awsmfa UNTRUSTED root CA", now)
    (d / "ca.pem").write_bytes(_pem(ca_cert))
    (d / "rogue_ca.pem").write_bytes(_pem(rogue_cert))
    (d / "both_cas.pem").write_bytes(_pem(ca_cert) + _pem(rogue_cert))
    (d / "not_pem.pem").write_text("this is not a PEM certificate bundle\n")
    pki = PKI(dir=str(d), ca=str(d / "ca.pem"), rogue_ca=str(d / "rogue_ca.pem"),
              both_cas=str(d / "both_cas.pem"), not_pem=str(d / "not_pem.pem"))
    specs = {
        "good": (HOST, ca_cert, ca_key, now - day, now + 30 * day),
        "expired": (HOST, ca_cert, ca_key, now - 30 * day, now - EXPIRED_DAYS_AGO * day),
        "wrongname": (OTHER_HOST, ca_cert, ca_key, now - day, now + 30 * day),
        "untrusted": (HOST, rogue_cert, rogue_key, now - day, now + 30 * day),
    }
    for kind, (host, icert, ikey, nb, na) in specs.items():
        cert, key = _leaf(host, icert, ikey, nb, na)
        cpath, kpath = d / f"{kind}.crt.pem", d / f"{kind}.key.pem"
        cpath.write_bytes(_pem(cert))
        _write_key(kpath, key)
        pki.leaves[kind] = Leaf(kind=kind, host=host, cert=str(cpath), key=str(kpath))
    return pki


def make_localhost_pki(directory: str) -> tuple[str, str, str]:
    """A root CA and a leaf for `localhost` (valid a day either side of now), for peers reached
    without a proxy or hosts file (benchmarks, scripts/link-order.py): (ca, cert, key) paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    day = datetime.timedelta(days=1)
    ca_cert, ca_key = _root("awsmfa localhost root CA", now)
    cert, key = _leaf("localhost", ca_cert, ca_key, now - day, now + day)
    (d / "localhost-ca.pem").write_bytes(_pem(ca_cert))
    (d / "localhost.crt.pem").write_bytes(_pem(cert))
    _write_key(d / "localhost.key.pem", key)
    return str(d / "localhost-ca.pem"), str(d / "localhost.crt.pem"), str(d / "localhost.key.pem")
