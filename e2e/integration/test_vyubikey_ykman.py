"""The virtual YubiKey is honest: Yubico's own ykman drives it like a real key.

Every code ykman prints is compared with an independent RFC 6238/4226
computation (fixtures_card.hotp/totp, plain hashlib) from the secret the
test chose, never from anything the emulator computed.
"""

import hashlib
import os
import re
import subprocess
import time

import pytest

from fixtures_card import YKMAN, b32, hotp, totp, totp_step

RFC_SECRET_SHA1 = b"12345678901234567890"
RFC_SECRET_SHA256 = b"12345678901234567890123456789012"
RFC_SECRET_SHA512 = RFC_SECRET_SHA1 * 3 + b"1234"


def test_reference_matches_rfc6238_appendix_b():
    # the reference itself must be right before it judges anything
    assert totp(RFC_SECRET_SHA1, 59, digits=8) == "94287082"
    assert totp(RFC_SECRET_SHA256, 59, digits=8, algorithm="SHA256") == "46119246"
    assert totp(RFC_SECRET_SHA512, 59, digits=8, algorithm="SHA512") == "90693936"
    assert totp(RFC_SECRET_SHA1, 1111111109, digits=8) == "07081804"
    assert totp(RFC_SECRET_SHA512, 20000000000, digits=8, algorithm="SHA512") == "47863826"
    assert hotp(RFC_SECRET_SHA1, 0) == "755224"  # RFC 4226 appendix D
    assert hotp(RFC_SECRET_SHA1, 9) == "520489"


def parse_codes(out):
    """`ykman oath accounts code` lines -> {name: code}."""
    res = {}
    for line in out.splitlines():
        m = re.match(r"^(.*\S)\s{2,}(\S.*)$", line)
        assert m, "unexpected ykman line: %r" % line
        res[m.group(1)] = m.group(2)
    return res


def run_at_stable_step(fn, periods, attempts=4):
    """Run fn(); return (result, t) where every period's time step was the same
    before and after the call (so t identifies the step ykman used)."""
    for _ in range(attempts):
        t0 = time.time()
        result = fn()
        t1 = time.time()
        if all(totp_step(t0, p) == totp_step(t1, p) for p in periods):
            return result, t0
    pytest.fail("time step kept changing during the ykman call")


def select_oath_raw(ykman, reader):
    """SELECT the OATH applet through ykman's raw APDU command: (data, sw)."""
    r = ykman("apdu", "-x", "a40400:a0000005272101", reader=reader)
    m = re.search(r"RECV \(SW=([0-9A-F]{4})\):?\s*([0-9A-F]*)", r.stdout)
    assert m, r.stdout + r.stderr
    return bytes.fromhex(m.group(2)), int(m.group(1), 16)


def tlvs(data):
    out, i = {}, 0
    while i < len(data):
        tag, n = data[i], data[i + 1]
        out[tag] = data[i + 2:i + 2 + n]
        i += 2 + n
    return out


# ------------------------------------------------------------ identity

def test_ykman_list_and_info_show_serials(vkey, vkey2, ykman):
    out = ykman.ok("list", "--serials")
    assert sorted(out.split()) == sorted([str(vkey.serial), str(vkey2.serial)])
    out = ykman.ok("list")
    assert "YubiKey 5A (5.4.3) [OTP+FIDO+CCID] Serial: %d" % vkey.serial in out
    info = ykman.ok("info", device=vkey2.serial)
    assert "Serial number: %d" % vkey2.serial in info
    assert "Firmware version: 5.4.3" in info
    assert "Form factor: Keychain (USB-A)" in info
    # --device picks the right key for OATH commands too
    vkey2.add_credential("Only", "on-key-2")
    assert "Only:on-key-2" in ykman.ok("oath", "accounts", "list", device=vkey2.serial)
    assert "Only:on-key-2" not in ykman.ok("oath", "accounts", "list", device=vkey.serial)


def test_oath_info_and_select_response(vkey, ykman):
    out = ykman.ok("oath", "info", reader=vkey.reader_name)
    assert "OATH version: 5.4.3" in out
    assert "Password protection: disabled" in out
    data, sw = select_oath_raw(ykman, vkey.reader_name)
    assert sw == 0x9000
    t = tlvs(data)
    assert t[0x79] == bytes([5, 4, 3])
    assert t[0x71] == bytes.fromhex(vkey.state()["salt"])
    assert 0x74 not in t and 0x7B not in t  # no password -> no challenge


def test_empty_slot_makes_ykman_see_multiple_yubikeys(vkey, ykman):
    # documents the vpcd quirk: slot "... 00 01" is empty but YubiKey-named
    r = ykman("oath", "accounts", "list")
    assert r.returncode != 0
    assert "Multiple YubiKeys detected" in r.stderr


# ------------------------------------------------------------ accounts

def test_accounts_add_list_code_delete(vkey, ykman):
    rd = vkey.reader_name
    secret = b"awsmfa-virtual-mfa-secret-40-bytes-long!"
    assert len(secret) == 40
    ykman.ok("oath", "accounts", "add", "-i", "Amazon Web Services", "alice@acme", b32(secret),
             reader=rd)
    stored = vkey.credential("Amazon Web Services:alice@acme")
    assert (stored["type"], stored["algorithm"], stored["digits"], stored["touch"]) == (
        "TOTP", "SHA1", 6, False)
    assert bytes.fromhex(stored["secret"]) == secret

    assert ykman.ok("oath", "accounts", "list", reader=rd).split("\n")[0] == \
        "Amazon Web Services:alice@acme"
    code, t = run_at_stable_step(
        lambda: ykman.ok("oath", "accounts", "code", "-s", "alice@acme", reader=rd).strip(), [30])
    assert code == totp(secret, t)

    ykman.ok("oath", "accounts", "delete", "-f", "alice@acme", reader=rd)
    assert vkey.credentials() == []
    assert ykman.ok("oath", "accounts", "list", reader=rd).strip() == ""


def test_add_pads_short_and_shortens_long_secrets(vkey, ykman):
    rd = vkey.reader_name
    short = b"0123456789"  # 10 bytes: padded to 14 by the client
    long_sha1 = bytes(range(100))  # > 64-byte SHA1 block: hashed by the client
    long_sha512 = bytes(range(200))  # > 128-byte SHA512 block
    ykman.ok("oath", "accounts", "add", "short", b32(short), reader=rd)
    ykman.ok("oath", "accounts", "add", "long1", b32(long_sha1), reader=rd)
    ykman.ok("oath", "accounts", "add", "-a", "SHA512", "-d", "8", "long512", b32(long_sha512),
             reader=rd)
    assert bytes.fromhex(vkey.credential("short")["secret"]) == short + b"\0" * 4
    assert bytes.fromhex(vkey.credential("long1")["secret"]) == hashlib.sha1(long_sha1).digest()
    assert len(bytes.fromhex(vkey.credential("long512")["secret"])) == 64

    codes, t = run_at_stable_step(
        lambda: parse_codes(ykman.ok("oath", "accounts", "code", reader=rd)), [30])
    assert codes == {
        "short": totp(short, t),
        "long1": totp(long_sha1, t),
        "long512": totp(long_sha512, t, digits=8, algorithm="SHA512"),
    }


MATRIX = [
    ("SHA1", 6, 30), ("SHA1", 8, 30), ("SHA256", 6, 30), ("SHA256", 8, 30),
    ("SHA512", 6, 30), ("SHA512", 8, 30), ("SHA1", 6, 60), ("SHA256", 8, 60),
    ("SHA512", 6, 60), ("SHA512", 8, 60),
]


def test_codes_match_rfc6238_for_all_algorithms_digits_periods(vkey, ykman):
    secrets = {"SHA1": RFC_SECRET_SHA1, "SHA256": RFC_SECRET_SHA256, "SHA512": RFC_SECRET_SHA512}
    expected = {}
    for algo, digits, period in MATRIX:
        account = "%s-%d-%d" % (algo.lower(), digits, period)
        cred_id = vkey.add_credential("Matrix", account, secrets[algo], algorithm=algo,
                                      digits=digits, period=period)
        # ykman shows the credential id, i.e. "60/Matrix:..." for 60 s ones
        expected[cred_id] = (secrets[algo], algo, digits, period)

    # CALCULATE ALL (30 s) plus single CALCULATEs ykman makes for 60 s entries
    codes, t = run_at_stable_step(
        lambda: parse_codes(ykman.ok("oath", "accounts", "code", reader=vkey.reader_name)),
        [30, 60])
    assert set(codes) == set(expected)
    for name, (secret, algo, digits, period) in expected.items():
        assert codes[name] == totp(secret, t, period, digits, algo), name
        assert len(codes[name]) == digits

    # the single-credential path (CALCULATE, truncated) too
    code, t = run_at_stable_step(lambda: ykman.ok(
        "oath", "accounts", "code", "-s", "Matrix:sha256-8-60", reader=vkey.reader_name).strip(),
        [60])
    assert code == totp(RFC_SECRET_SHA256, t, 60, 8, "SHA256")


def test_add_through_ykman_with_all_options(vkey, ykman):
    rd = vkey.reader_name
    ykman.ok("oath", "accounts", "add", "-i", "Iss", "-a", "SHA256", "-d", "8", "-P", "60",
             "acct", b32(RFC_SECRET_SHA256), reader=rd)
    c = vkey.credential("60/Iss:acct")
    assert (c["type"], c["algorithm"], c["digits"]) == ("TOTP", "SHA256", 8)
    code, t = run_at_stable_step(
        lambda: ykman.ok("oath", "accounts", "code", "-s", "Iss:acct", reader=rd).strip(), [60])
    assert code == totp(RFC_SECRET_SHA256, t, 60, 8, "SHA256")


def test_hotp_counts_up(vkey, ykman):
    rd = vkey.reader_name
    ykman.ok("oath", "accounts", "add", "-o", "HOTP", "-c", "5", "counter", b32(RFC_SECRET_SHA1),
             reader=rd)
    assert vkey.credential("counter")["counter"] == 5
    # with more than one match ykman does not calculate HOTP (0x77 in CALCULATE ALL)
    vkey.add_credential("Other", "totp", RFC_SECRET_SHA1)
    codes = parse_codes(ykman.ok("oath", "accounts", "code", reader=rd))
    assert codes["counter"] == "[HOTP Account]"
    assert vkey.credential("counter")["counter"] == 5
    first = ykman.ok("oath", "accounts", "code", "-s", "counter", reader=rd).strip()
    second = ykman.ok("oath", "accounts", "code", "-s", "counter", reader=rd).strip()
    assert (first, second) == (hotp(RFC_SECRET_SHA1, 5), hotp(RFC_SECRET_SHA1, 6))
    assert vkey.credential("counter")["counter"] == 7


def test_rename_and_reset(vkey, ykman):
    rd = vkey.reader_name
    vkey.add_credential("Old", "name")
    vkey.set_password("pw")
    old_salt = vkey.state()["salt"]
    ykman.ok("oath", "accounts", "rename", "-f", "-p", "pw", "Old:name", "New:name", reader=rd)
    assert [c["name"] for c in vkey.credentials()] == ["New:name"]
    ykman.ok("oath", "reset", "-f", reader=rd)
    st = vkey.state()
    assert st["credentials"] == [] and st["password_key"] is None
    assert st["salt"] != old_salt  # new device id, as a real reset gives
    assert ykman.ok("oath", "accounts", "list", reader=rd).strip() == ""


# ------------------------------------------------------------ password

def test_password_set_use_and_clear(vkey, ykman):
    rd = vkey.reader_name
    vkey.add_credential("Locked", "acct", RFC_SECRET_SHA1)
    ykman.ok("oath", "access", "change", "-n", "correct horse", reader=rd)
    st = vkey.state()
    # SET CODE carried PBKDF2-SHA1(password, salt, 1000, 16), computed here independently
    assert st["password_key"] == hashlib.pbkdf2_hmac(
        "sha1", b"correct horse", bytes.fromhex(st["salt"]), 1000, 16).hex()

    # SELECT now carries a challenge (0x74) and the algorithm (0x7B)
    data, sw = select_oath_raw(ykman, rd)
    t = tlvs(data)
    assert sw == 0x9000 and len(t[0x74]) == 8 and t[0x7B] == b"\x01"
    # LIST without VALIDATE: auth required, SW 6982, as the YKOATH spec says
    r = ykman("apdu", "a40400:a0000005272101", "a1=9000", reader=rd)
    assert r.returncode != 0 and "6982" in r.stdout + r.stderr

    # without a password ykman prompts (no tty input -> aborts); wrong one is rejected
    r = ykman("oath", "accounts", "list", reader=rd, input="")
    assert r.returncode != 0
    assert "Locked:acct" not in r.stdout
    vkey.clear_apdus()
    r = ykman("oath", "accounts", "list", "-p", "wrong", reader=rd)
    assert r.returncode != 0
    assert "Authentication to the YubiKey failed. Wrong password?" in r.stderr
    # the card itself refused the VALIDATE (ykman's own check of the card's
    # answer would also fail, so look at what the card said)
    assert [a["sw"] for a in vkey.apdus() if a["apdu"].startswith("00a3")] == ["6984"]

    assert ykman.ok("oath", "accounts", "list", "-p", "correct horse", reader=rd).strip() == \
        "Locked:acct"
    code, t0 = run_at_stable_step(lambda: ykman.ok(
        "oath", "accounts", "code", "-s", "-p", "correct horse", "acct", reader=rd).strip(), [30])
    assert code == totp(RFC_SECRET_SHA1, t0)

    ykman.ok("oath", "access", "change", "-p", "correct horse", "--clear", reader=rd)
    assert vkey.state()["password_key"] is None
    assert ykman.ok("oath", "accounts", "list", reader=rd).strip() == "Locked:acct"
    r = ykman("oath", "accounts", "list", "-p", "correct horse", reader=rd)
    assert r.returncode != 0 and "no password is set" in r.stderr


def test_password_from_state_file(vkey, ykman):
    # a test can also preset the password via the state file
    vkey.add_credential("Preset", "acct")
    vkey.set_password("s3cret")
    out = ykman.ok("oath", "info", reader=vkey.reader_name)
    assert "Password protection: enabled" in out
    assert ykman.ok("oath", "accounts", "list", "-p", "s3cret",
                    reader=vkey.reader_name).strip() == "Preset:acct"


# ------------------------------------------------------------ touch

def test_touch_required_account(vkey, ykman):
    rd = vkey.reader_name
    ykman.ok("oath", "accounts", "add", "-t", "Touchy:acct", b32(RFC_SECRET_SHA1), reader=rd)
    assert vkey.credential("Touchy:acct")["touch"] is True
    # CALCULATE ALL reports touch credentials with tag 0x7C (no code)
    vkey.add_credential("Plain", "other", RFC_SECRET_SHA1)
    codes = parse_codes(ykman.ok("oath", "accounts", "code", reader=rd))
    assert codes["Touchy:acct"] == "[Requires Touch]"

    vkey.set_touch("never", timeout=0.5)
    r = ykman("oath", "accounts", "code", "-s", "Touchy:acct", reader=rd)
    assert r.returncode != 0
    assert "Touch account timed out!" in r.stderr

    vkey.set_touch("auto")
    code, t = run_at_stable_step(lambda: ykman.ok(
        "oath", "accounts", "code", "-s", "Touchy:acct", reader=rd).strip(), [30])
    assert code == totp(RFC_SECRET_SHA1, t)


def test_touch_driven_by_file(vkey, ykman):
    rd = vkey.reader_name
    vkey.add_credential("Touchy", "file", RFC_SECRET_SHA1, touch=True)
    vkey.set_touch("file", timeout=10)
    t0 = time.time()
    p = subprocess.Popen([YKMAN, "--reader", rd, "oath", "accounts", "code", "-s", "Touchy:file"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={"HOME": ykman.home, "PATH": "/usr/bin:/bin"})
    # wait until the CALCULATE is pending on the card, then touch
    vkey.wait_touch_pending()
    time.sleep(0.2)
    assert p.poll() is None  # ykman is still waiting for the touch
    vkey.touch()
    out, err = p.communicate(timeout=20)
    t1 = time.time()
    assert p.returncode == 0, err
    assert out.strip() in {totp(RFC_SECRET_SHA1, t0), totp(RFC_SECRET_SHA1, t1)}
    assert not os.path.exists(vkey.touch_path)  # the touch was consumed


# ------------------------------------------------------------ chaining

def test_many_long_accounts_are_listed_completely(vkey, ykman):
    names = []
    for i in range(30):
        account = "user-%02d-with-a-rather-long-account-name@example.com" % i
        names.append(vkey.add_credential("Amazon Web Services", account,
                                         bytes([i]) * 20))
    vkey.clear_apdus()
    listed = ykman.ok("oath", "accounts", "list", reader=vkey.reader_name).split("\n")
    assert sorted(x for x in listed if x) == sorted(names)
    # the LIST response (> 2 kB) really was chained: 61xx, then SEND REMAINING (A5)
    log = vkey.apdus()
    sws = [a["sw"] for a in log]
    assert any(sw.startswith("61") for sw in sws)
    assert any(a["apdu"].startswith("00a5") for a in log)
    assert max(len(a["resp"]) // 2 for a in log) <= 255

    codes, t = run_at_stable_step(
        lambda: parse_codes(ykman.ok("oath", "accounts", "code", reader=vkey.reader_name)), [30])
    assert codes == {n: totp(bytes([i]) * 20, t) for i, n in enumerate(names)}


def test_small_chunk_size_still_complete(vkey, ykman):
    names = [vkey.add_credential("Chunk", "acct-%d" % i) for i in range(5)]
    vkey.set(max_response=16)
    vkey.clear_apdus()
    listed = ykman.ok("oath", "accounts", "list", reader=vkey.reader_name).split()
    assert sorted(listed) == sorted(names)
    assert max(len(a["resp"]) // 2 for a in vkey.apdus()) <= 16
    assert sum(a["apdu"].startswith("00a5") for a in vkey.apdus()) >= 3


# ------------------------------------------------------------ presence and readers

def test_card_removal_and_reinsertion(vkey, ykman):
    vkey.add_credential("Plug", "acct")
    vkey.stop()
    r = ykman("oath", "accounts", "list", reader=vkey.reader_name)
    assert r.returncode != 0
    assert "Plug:acct" not in r.stdout
    vkey.start()
    assert ykman.ok("oath", "accounts", "list", reader=vkey.reader_name).strip() == "Plug:acct"


def test_key_behind_non_yubico_reader(vkey_other_reader, ykman):
    vkey_other_reader.add_credential("Ext", "acct", RFC_SECRET_SHA1)
    rd = vkey_other_reader.reader_name
    assert "Yubico" not in rd
    code, t = run_at_stable_step(
        lambda: ykman.ok("oath", "accounts", "code", "-s", "Ext:acct", reader=rd).strip(), [30])
    assert code == totp(RFC_SECRET_SHA1, t)


def test_keys_survive_pcscd_restart(pcscd_vpcd, vkey, ykman):
    vkey.add_credential("Restart", "acct")
    old = pcscd_vpcd.pid
    pcscd_vpcd.restart()
    assert pcscd_vpcd.pid != old
    vkey.proc.wait_present(True)  # the emulator reconnected by itself
    assert ykman.ok("oath", "accounts", "list", reader=vkey.reader_name).strip() == \
        "Restart:acct"
