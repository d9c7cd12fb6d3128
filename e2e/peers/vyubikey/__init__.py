"""A virtual YubiKey 5 (OATH + Management applets) for PC/SC tests.

emulator.py  - one process = one virtual key, speaking vpcd's TCP protocol.
harness.py   - start/stop pcscd with vpcd readers, start/stop emulators.

The independent RFC 6238 reference used to check codes lives in
e2e/integration/fixtures_card.py, deliberately sharing no code with the
emulator.

Pure standard library; runs under any Python 3.8+.
"""
